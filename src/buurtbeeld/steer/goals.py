"""Goals in six steps: ambition → goals → indicators → baseline → targets → monitoring.

A goal belongs to a focus area of the framework and is measured by one of that focus area's
indicators. Its baseline is a period; the figure, its period and its source are read from the
cube (``baseline``), never typed in. Targets are per year, for the gemeente and optionally per
wijk. Monitoring (status by a stated rule) is in :mod:`buurtbeeld.steer.monitoring`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from sqlalchemy import delete, insert, select, update

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.steer import tables as t
from buurtbeeld.steer.errors import SteerError, SteerNotFound, cut
from buurtbeeld.steer.framework import Framework
from buurtbeeld.steer.framework_store import now, unknown_focus_area
from buurtbeeld.store.cube import Cell, Cube

PUBLISHED = ("value", "provisional")
_PERIOD = re.compile(r"^(\d{4})(?:\s*(?:Q|KW|K)([1-4])|\s*(?:M|MM)(\d{1,2}))?", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """A target value for one year and one region (the gemeente or a wijk)."""

    region_code: str
    year: int
    value: float


@dataclass(frozen=True)
class Goal:
    """A goal of a focus area, measured by one indicator."""

    id: int
    focus_key: str
    description: str
    indicator_id: str
    baseline_period: str
    explanation: str = ""
    targets: tuple[Target, ...] = field(default_factory=tuple)


def period_year(period: str) -> float | None:
    """A period as a year with fraction (2023 → 2023.0, 2024Q3 → 2024.5), or ``None``."""
    match = _PERIOD.match(period.strip())
    if match is None:
        return None
    year = float(match.group(1))
    if match.group(2):
        return year + (int(match.group(2)) - 1) / 4
    if match.group(3):
        return year + (int(match.group(3)) - 1) / 12
    return year


# --- validation ---------------------------------------------------------------------------
def _indicator(catalog: Catalog, indicator_id: str) -> Indicator:
    try:
        return catalog.get(indicator_id)
    except BuurtbeeldError:
        raise SteerError(
            f"Onbekende indicator '{cut(indicator_id)}'.",
            code="BB-STR-021",
            hint="Kies een indicator uit de catalogus die in het kader van dit aandachtsgebied staat.",
        ) from None


def published_cell(cube: Cube, indicator_id: str, period: str, code: str) -> Cell:
    """The figure of ``code`` in ``period`` (status ``missing`` when absent)."""
    return cube.cells(indicator_id, period, [code])[code]


def _baseline_period(cube: Cube, indicator: Indicator, period: str, gemeente: str) -> str:
    """The chosen baseline period, checked; empty: the latest period with a published figure."""
    chosen = period.strip()
    if not chosen:
        series = [c for c in cube.cells_by_period(indicator.id, gemeente) if c.status in PUBLISHED]
        if not series:
            raise SteerError(
                f"Voor '{indicator.label}' is er geen gepubliceerd cijfer van {gemeente}: "
                "er is geen nulmeting mogelijk.",
                code="BB-STR-023",
                hint="Kies een indicator met cijfers voor de gemeente, of importeer eerst de bron.",
            )
        return str(series[-1].period)
    if chosen not in cube.periods(indicator.id):
        known = ", ".join(cube.periods(indicator.id)) or "geen"
        raise SteerError(
            f"Voor '{indicator.label}' zijn er geen cijfers over periode '{cut(chosen, 20)}'.",
            code="BB-STR-023",
            hint=f"Kies een periode met cijfers (beschikbaar: {known}).",
        )
    if published_cell(cube, indicator.id, chosen, gemeente).status not in PUBLISHED:
        raise SteerError(
            f"Voor '{indicator.label}' is er over {chosen} geen gepubliceerd cijfer van "
            f"{gemeente} (verborgen of ontbrekend): geen nulmeting.",
            code="BB-STR-023",
            hint="Kies een andere periode als nulmeting.",
        )
    return chosen


def _text(value: str, what: str, *, size: int, required: bool) -> str:
    text = value.strip()
    if required and not text:
        raise SteerError(f"{what} is leeg.", code="BB-STR-025", hint=f"Vul {what.lower()} in.")
    if len(text) > size:
        raise SteerError(
            f"{what} is langer dan {size} tekens.",
            code="BB-STR-025",
            hint="Houd het kort: het komt in de begroting of jaarrekening.",
        )
    return text


# --- store --------------------------------------------------------------------------------
def list_goals(db: PlatformDB, focus_key: str | None = None) -> list[Goal]:
    """Goals (of one focus area), in order of creation, with their targets."""
    with db.begin() as con:
        query = select(t.goals).order_by(t.goals.c.id)
        if focus_key is not None:
            query = query.where(t.goals.c.focus_key == focus_key)
        rows = con.execute(query).all()
        targets = con.execute(
            select(t.targets).order_by(t.targets.c.region_code, t.targets.c.year)
        ).all()
    per_goal: dict[int, list[Target]] = {}
    for r in targets:
        per_goal.setdefault(r.goal_id, []).append(Target(r.region_code, r.year, r.value))
    return [
        Goal(
            r.id,
            r.focus_key,
            r.description,
            r.indicator_id,
            r.baseline_period,
            r.explanation or "",
            tuple(per_goal.get(r.id, [])),
        )
        for r in rows
    ]


def get_goal(db: PlatformDB, goal_id: int, focus_key: str | None = None) -> Goal:
    """One goal (of focus area ``focus_key`` when given: another area's goal is not found)."""
    for goal in list_goals(db):
        if goal.id == goal_id and focus_key in (None, goal.focus_key):
            return goal
    raise SteerNotFound(
        f"Doel {goal_id} bestaat niet.", code="BB-STR-026", hint="Kies een doel op de pagina."
    )


def save_goal(
    db: PlatformDB,
    cube: Cube,
    catalog: Catalog,
    framework: Framework,
    *,
    focus_key: str,
    description: str,
    indicator_id: str,
    baseline_period: str = "",
    explanation: str = "",
    actor: str,
    goal_id: int | None = None,
) -> int:
    """Add (or, with ``goal_id``, change) a goal after checking everything; its id."""
    area = framework.focus_area(focus_key)
    if area is None:
        raise unknown_focus_area(focus_key)
    desc = _text(description, "Het doel", size=500, required=True)
    note = _text(explanation, "De toelichting", size=2000, required=False)
    indicator = _indicator(catalog, indicator_id.strip())
    if indicator.id not in area.indicator_ids():
        raise SteerError(
            f"Indicator '{indicator.label}' staat niet in het kader van '{area.name}'.",
            code="BB-STR-022",
            hint="Voeg de indicator eerst toe aan een subdoel van dit aandachtsgebied.",
        )
    period = _baseline_period(cube, indicator, baseline_period, framework.gemeente)
    values = {
        "focus_key": focus_key,
        "description": desc,
        "indicator_id": indicator.id,
        "baseline_period": period,
        "explanation": note,
        "changed_at": now(),
        "changed_by": actor[:160],
    }
    with db.begin() as con:
        if goal_id is None:
            goal_id = int(
                con.execute(insert(t.goals).values(**values).returning(t.goals.c.id)).scalar_one()
            )
            action = "toegevoegd"
        else:
            done = con.execute(update(t.goals).where(t.goals.c.id == goal_id).values(**values))
            if done.rowcount != 1:
                raise SteerNotFound(f"Doel {goal_id} bestaat niet.", code="BB-STR-026")
            action = "gewijzigd"
        AuditLog(db).append(
            Event.GOAL_CHANGED,
            actor,
            {"doel": goal_id, "actie": action, "aandachtsgebied": focus_key,
             "indicator": indicator.id, "nulmeting": period},
            con=con,
        )  # fmt: skip
    return goal_id


def delete_goal(db: PlatformDB, goal_id: int, actor: str, focus_key: str | None = None) -> None:
    """Remove a goal with its targets (only from focus area ``focus_key`` when given)."""
    if focus_key is not None:
        get_goal(db, goal_id, focus_key)
    with db.begin() as con:
        con.execute(delete(t.targets).where(t.targets.c.goal_id == goal_id))
        done = con.execute(delete(t.goals).where(t.goals.c.id == goal_id))
        if done.rowcount != 1:
            raise SteerNotFound(f"Doel {goal_id} bestaat niet.", code="BB-STR-026")
        AuditLog(db).append(
            Event.GOAL_CHANGED, actor, {"doel": goal_id, "actie": "verwijderd"}, con=con
        )


def check_target(indicator: Indicator, year: int, value: float, baseline_period: str = "") -> None:
    """A target year after the baseline (2000-2100) and a value inside the indicator's range."""
    if not 2000 <= year <= 2100:
        raise SteerError(
            f"Streefjaar {year} is geen jaar tussen 2000 en 2100.",
            code="BB-STR-024",
            hint="Geef het jaar van de streefwaarde, bijvoorbeeld 2027.",
        )
    baseline_year = period_year(baseline_period) if baseline_period else None
    if baseline_year is not None and year <= baseline_year:
        raise SteerError(
            f"Streefjaar {year} ligt niet na de nulmeting ({baseline_period}).",
            code="BB-STR-024",
            hint="Kies een streefjaar na de periode van de nulmeting.",
        )
    low, high = indicator.valid_range
    if (
        not math.isfinite(value)
        or (low is not None and value < low)
        or (high is not None and value > high)
    ):
        bounds = f"{'' if low is None else low} tot {'' if high is None else high}".strip()
        raise SteerError(
            f"Streefwaarde buiten het bereik van '{indicator.label}' ({bounds}).",
            code="BB-STR-024",
            hint="Geef een getal in de eenheid van de indicator.",
        )


def set_target(
    db: PlatformDB,
    cube: Cube,
    catalog: Catalog,
    framework: Framework,
    *,
    goal_id: int,
    indicator_id: str,
    year: int,
    value: float,
    region_code: str = "",
    actor: str,
    focus_key: str | None = None,
) -> Target:
    """Set (or replace) the target of a goal for ``year`` in the gemeente or one of its wijken.

    ``indicator_id`` must be the goal's: a target for an unknown indicator, or for another one
    than the goal measures, is refused; with ``focus_key`` so is a goal of another focus area.
    """
    goal = get_goal(db, goal_id, focus_key)
    indicator = _indicator(catalog, indicator_id.strip())
    if indicator.id != goal.indicator_id:
        raise SteerError(
            f"Doel {goal_id} wordt gemeten met '{goal.indicator_id}', niet met '{indicator.id}'.",
            code="BB-STR-021",
            hint="Zet de streefwaarde bij het doel van deze indicator.",
        )
    check_target(indicator, year, value, goal.baseline_period)
    region = region_code.strip().upper() or framework.gemeente
    if region != framework.gemeente:
        try:
            row = cube.region(region)
        except BuurtbeeldError:
            row = None
        if row is None or row.level != "wijk" or row.parent_code != framework.gemeente:
            raise SteerError(
                f"'{cut(region, 12)}' is geen wijk van {framework.gemeente}.",
                code="BB-STR-027",
                hint="Een streefwaarde geldt voor de gemeente of voor een van haar wijken (WK…).",
            )
    with db.begin() as con:
        con.execute(
            delete(t.targets).where(
                (t.targets.c.goal_id == goal_id)
                & (t.targets.c.region_code == region)
                & (t.targets.c.year == year)
            )
        )
        con.execute(
            insert(t.targets).values(goal_id=goal_id, region_code=region, year=year, value=value)
        )
        AuditLog(db).append(
            Event.GOAL_CHANGED,
            actor,
            {"doel": goal_id, "actie": "streefwaarde", "gebied": region, "jaar": year},
            con=con,
        )
    return Target(region, year, value)
