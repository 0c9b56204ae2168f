"""The framework in the platform database: replace it whole (one transaction, audited), read it."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Connection, delete, insert, select

from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.steer import tables as t
from buurtbeeld.steer.errors import SteerError, SteerNotFound
from buurtbeeld.steer.framework import FocusArea, Framework, SubGoal


def now() -> str:
    """UTC now, ISO 8601 (seconds)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def load_framework(db: PlatformDB) -> Framework | None:
    """The stored framework, or ``None`` when none was saved yet."""
    with db.begin() as con:
        return read_framework(con)


def read_framework(con: Connection) -> Framework | None:
    """The stored framework inside an open transaction."""
    head = con.execute(select(t.framework).where(t.framework.c.id == 1)).first()
    if head is None:
        return None
    subs = con.execute(select(t.subgoals).order_by(t.subgoals.c.position)).all()
    links = con.execute(
        select(t.subgoal_indicators).order_by(t.subgoal_indicators.c.position)
    ).all()
    per_sub: dict[int, list[str]] = {}
    for link in links:
        per_sub.setdefault(link.subgoal_id, []).append(link.indicator_id)
    areas = []
    for area in con.execute(select(t.focus_areas).order_by(t.focus_areas.c.position)).all():
        own = tuple(
            SubGoal(s.key, s.name, tuple(per_sub.get(s.id, [])), s.parent_key)
            for s in subs
            if s.focus_key == area.key
        )
        areas.append(FocusArea(area.key, area.name, own, area.ambition or ""))
    return Framework(head.title, head.gemeente, tuple(areas))


def require_framework(db: PlatformDB) -> Framework:
    """The stored framework, or a Dutch error."""
    framework = load_framework(db)
    if framework is None:
        raise SteerNotFound("Er is nog geen indicatorenkader.", code="BB-STR-008")
    return framework


def save_framework(db: PlatformDB, framework: Framework, actor: str, *, source: str) -> int:
    """Replace the stored framework with ``framework``; the new version number.

    Refused (BB-STR-009) when a focus area that has goals would disappear: remove its goals
    first, so nothing is lost silently. ``source``: how it came in (``yaml``, ``web``, ``demo``).
    """
    keys = {a.key for a in framework.focus_areas}
    with db.begin() as con:
        with_goals = {r[0] for r in con.execute(select(t.goals.c.focus_key).distinct()).all()}
        orphaned = sorted(with_goals - keys)
        if orphaned:
            raise SteerError(
                f"Aandachtsgebied '{orphaned[0]}' heeft doelen en ontbreekt in het nieuwe kader.",
                code="BB-STR-009",
                hint="Verwijder eerst de doelen van dat aandachtsgebied, of houd het in het kader.",
            )
        head = con.execute(select(t.framework.c.version).where(t.framework.c.id == 1)).first()
        version = (head.version + 1) if head else 1
        con.execute(delete(t.subgoal_indicators))
        con.execute(delete(t.subgoals))
        con.execute(delete(t.focus_areas))
        con.execute(delete(t.framework))
        con.execute(
            insert(t.framework).values(
                id=1,
                title=framework.title,
                gemeente=framework.gemeente,
                version=version,
                changed_at=now(),
                changed_by=actor[:160],
            )
        )
        position = 0
        for a_pos, area in enumerate(framework.focus_areas):
            con.execute(
                insert(t.focus_areas).values(
                    key=area.key, name=area.name, ambition=area.ambition, position=a_pos
                )
            )
            for sub in area.subgoals:
                position += 1
                sub_id = con.execute(
                    insert(t.subgoals)
                    .values(
                        focus_key=area.key,
                        key=sub.key,
                        name=sub.name,
                        parent_key=sub.parent,
                        position=position,
                    )
                    .returning(t.subgoals.c.id)
                ).scalar_one()
                for i_pos, indicator in enumerate(sub.indicators):
                    con.execute(
                        insert(t.subgoal_indicators).values(
                            subgoal_id=sub_id, indicator_id=indicator, position=i_pos
                        )
                    )
        AuditLog(db).append(
            Event.FRAMEWORK_CHANGED,
            actor,
            {
                "versie": version,
                "via": source,
                "aandachtsgebieden": len(framework.focus_areas),
                "indicatoren": len(framework.indicator_ids()),
            },
            con=con,
        )
    return version


def set_ambition(db: PlatformDB, focus_key: str, ambition: str, actor: str) -> None:
    """Change the ambition (societal effect) of one focus area."""
    from sqlalchemy import update

    text = ambition.strip()
    if len(text) > 2000:
        raise SteerError(
            "De ambitie is langer dan 2000 tekens.",
            code="BB-STR-025",
            hint="Beschrijf het maatschappelijk effect in een paar zinnen.",
        )
    with db.begin() as con:
        done = con.execute(
            update(t.focus_areas).where(t.focus_areas.c.key == focus_key).values(ambition=text)
        )
        if done.rowcount != 1:
            raise unknown_focus_area(focus_key)
        AuditLog(db).append(
            Event.FRAMEWORK_CHANGED, actor, {"aandachtsgebied": focus_key, "ambitie": "gewijzigd"},
            con=con,
        )  # fmt: skip


def unknown_focus_area(key: str) -> SteerNotFound:
    """The error for a focus area that is not in the framework."""
    return SteerNotFound(
        f"Aandachtsgebied '{key[:60]}' staat niet in het indicatorenkader.",
        code="BB-STR-020",
        hint="Kies een aandachtsgebied van de pagina Sturen.",
    )


def add_indicator(
    db: PlatformDB, subgoal_key: str, indicator_id: str, known: list[str], actor: str
) -> int:
    """Add one catalogue indicator to a sub-goal (the web's small edit); the new version."""
    from dataclasses import replace

    framework = require_framework(db)
    indicator = indicator_id.strip()
    if indicator not in known:
        raise SteerError(
            f"Onbekende indicator '{indicator[:60]}'.",
            code="BB-STR-003",
            hint="Kies een indicator uit de catalogus (zie /indicatoren).",
        )
    areas = []
    found = False
    for area in framework.focus_areas:
        subs = []
        for sub in area.subgoals:
            if sub.key == subgoal_key:
                found = True
                if indicator in sub.indicators:
                    raise SteerError(
                        f"Indicator '{indicator}' staat al bij subdoel '{sub.name}'.",
                        code="BB-STR-004",
                        hint="Een indicator staat één keer per subdoel.",
                    )
                sub = replace(sub, indicators=(*sub.indicators, indicator))
            subs.append(sub)
        areas.append(replace(area, subgoals=tuple(subs)))
    if not found:
        raise SteerNotFound(
            f"Subdoel '{subgoal_key[:60]}' staat niet in het indicatorenkader.",
            code="BB-STR-006",
            hint="Kies een subdoel uit de lijst.",
        )
    return save_framework(db, replace(framework, focus_areas=tuple(areas)), actor, source="web")
