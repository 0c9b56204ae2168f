"""Visibility of sources and indicators: internal or public, and the act of publishing.

Every source and every indicator is *internal* (only signed-in roles see it) or *public* (also
``publiek``, and the public instance). What the platform stores are the beheerders' decisions
(table ``visibility``: kind ``bron`` or ``indicator``, subject, public, reason, who, when); what
holds without a decision is a default the caller passes in (CBS/RIVM open data public, partner
packages and stapeling internal: ``catalog/visibility.py``). The rules
(:meth:`Universe.public_indicators`):

- a source is public by its decision, else by its default;
- an indicator follows its own decision, else its source's visibility;
- a derived indicator is public only when every input is (and its own decision, if any, says
  public); without a decision it is public exactly when its inputs are.

Publishing and withdrawing are deliberate acts (:meth:`VisibilityStore.change`): a mandatory
reason, the decision and its audit entry (``publicatie`` / ``publicatie_ingetrokken``: who,
what, reason, before → after) in one transaction. This module knows nothing of the cube or the
catalogue (the platform layer never reads them): callers describe their indicators as
:class:`Subject` rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import delete, insert, select

from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.platform.errors import PlatformError
from buurtbeeld.platform.tables import visibility

SOURCE = "bron"
INDICATOR = "indicator"
KINDS = (SOURCE, INDICATOR)
PUBLIC_WORD = {True: "openbaar", False: "intern"}
MIN_REASON = 10  # characters: a reason is a sentence, not "ok"
MAX_REASON = 500


class VisibilityError(PlatformError):
    """A publication act is not possible (``BB-PUB-…``)."""

    code = "BB-PUB-001"
    http_status = 422
    default_hint = "Bekijk de bronnen en indicatoren met 'buurtbeeld publicatie toon'."


@dataclass(frozen=True)
class Subject:
    """An indicator as visibility sees it: its source, or the inputs it is derived from."""

    id: str
    source: str | None  # source key; None for a derived indicator
    inputs: tuple[str, ...] = ()
    title: str = ""


@dataclass(frozen=True)
class SourceInfo:
    """A source: its key, its display name and whether it is public without a decision."""

    key: str
    title: str
    default_public: bool


Decisions = Mapping[tuple[str, str], bool]


@dataclass(frozen=True)
class Decision:
    """A stored decision of a beheerder."""

    kind: str
    subject: str
    public: bool
    reason: str
    actor: str
    changed_at: datetime


@dataclass(frozen=True)
class Universe:
    """What can be published: the sources and the indicators of a workspace."""

    sources: tuple[SourceInfo, ...]
    indicators: tuple[Subject, ...]
    _by_id: dict[str, Subject] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {s.id: s for s in self.indicators})

    def source(self, key: str) -> SourceInfo | None:
        """The source with ``key``."""
        return next((s for s in self.sources if s.key == key), None)

    def indicator(self, ident: str) -> Subject | None:
        """The indicator with ``ident``."""
        return self._by_id.get(ident)

    def source_public(self, key: str, decisions: Decisions) -> bool:
        """Whether a source is public: its decision, else its default (unknown: internal)."""
        if (SOURCE, key) in decisions:
            return decisions[(SOURCE, key)]
        info = self.source(key)
        return info.default_public if info else False

    def public_indicators(self, decisions: Decisions) -> frozenset[str]:
        """The ids of every public indicator under ``decisions``."""
        memo: dict[str, bool] = {}
        return frozenset(s.id for s in self.indicators if self._public(s.id, decisions, memo, ()))

    def public_sources(self, decisions: Decisions) -> frozenset[str]:
        """The keys of every public source under ``decisions``."""
        return frozenset(s.key for s in self.sources if self.source_public(s.key, decisions))

    def _public(
        self, ident: str, decisions: Decisions, memo: dict[str, bool], path: tuple[str, ...]
    ) -> bool:
        if ident in memo:
            return memo[ident]
        subject = self._by_id.get(ident)
        if subject is None or ident in path:  # unknown input or a cycle: never public
            return False
        own = decisions.get((INDICATOR, ident))
        if subject.source is not None:
            result = own if own is not None else self.source_public(subject.source, decisions)
        else:
            inputs = all(self._public(i, decisions, memo, (*path, ident)) for i in subject.inputs)
            result = inputs and own is not False
        memo[ident] = result
        return result

    def is_public(self, kind: str, subject: str, decisions: Decisions) -> bool:
        """The effective visibility of one source or indicator."""
        if kind == SOURCE:
            return self.source_public(subject, decisions)
        return subject in self.public_indicators(decisions)

    def internal_inputs(self, ident: str, decisions: Decisions) -> list[str]:
        """The inputs of a derived indicator that are not public (empty: none)."""
        subject = self._by_id.get(ident)
        if subject is None:
            return []
        public = self.public_indicators(decisions)
        return [i for i in subject.inputs if i not in public]


class VisibilityStore:
    """The beheerders' decisions in the platform database, and the acts that change them."""

    def __init__(self, db: PlatformDB, audit: AuditLog | None = None) -> None:
        self.db = db
        self.audit = audit or AuditLog(db)

    def decisions(self) -> dict[tuple[str, str], bool]:
        """Every stored decision: ``(kind, subject) -> public``."""
        with self.db.begin() as con:
            rows = con.execute(
                select(visibility.c.kind, visibility.c.subject, visibility.c.public)
            ).all()
        return {(r.kind, r.subject): bool(r.public) for r in rows}

    def history(self) -> list[Decision]:
        """The stored decisions with their reason, newest first."""
        with self.db.begin() as con:
            rows = con.execute(select(visibility).order_by(visibility.c.changed_at.desc())).all()
        return [
            Decision(r.kind, r.subject, bool(r.public), r.reason, r.actor, r.changed_at)
            for r in rows
        ]

    def change(
        self,
        universe: Universe,
        kind: str,
        subject: str,
        *,
        public: bool,
        reason: str,
        actor: str,
    ) -> tuple[bool, bool]:
        """Publish (``public=True``) or withdraw one source or indicator; ``(before, after)``.

        The decision and its audit entry are one transaction. Refused (``BB-PUB-…``): an
        unknown kind or subject, a reason that is missing or too short, an act that changes
        nothing, and publishing a derived indicator while one of its inputs is internal.
        """
        reason = " ".join(reason.split())
        if kind not in KINDS:
            raise VisibilityError(
                f"Onbekende soort '{kind[:20]}'.",
                code="BB-PUB-002",
                hint="Kies 'bron' of 'indicator'.",
            )
        if kind == SOURCE and universe.source(subject) is None:
            raise VisibilityError(
                f"Bron '{subject[:80]}' bestaat niet in deze werkmap.",
                code="BB-PUB-003",
            )
        if kind == INDICATOR and universe.indicator(subject) is None:
            raise VisibilityError(
                f"Indicator '{subject[:80]}' bestaat niet in deze werkmap.",
                code="BB-PUB-004",
            )
        if len(reason) < MIN_REASON:
            raise VisibilityError(
                "Geef een reden voor deze publicatiebeslissing.",
                code="BB-PUB-005",
                hint=f"De reden is verplicht (minstens {MIN_REASON} tekens) en komt in het "
                "auditlog, bijvoorbeeld 'Afgestemd met de ketenpartner op 1 december'.",
            )
        reason = reason[:MAX_REASON]
        with self.db.begin() as con:
            rows = con.execute(
                select(visibility.c.kind, visibility.c.subject, visibility.c.public)
            ).all()
            decisions = {(r.kind, r.subject): bool(r.public) for r in rows}
            before = universe.is_public(kind, subject, decisions)
            if before == public:
                raise VisibilityError(
                    f"{'Bron' if kind == SOURCE else 'Indicator'} '{subject[:80]}' is al "
                    f"{PUBLIC_WORD[public]}.",
                    code="BB-PUB-006",
                    hint="Er is niets veranderd en niets vastgelegd.",
                )
            after_decisions = {**decisions, (kind, subject): public}
            if kind == INDICATOR and public:
                blocking = universe.internal_inputs(subject, after_decisions)
                if blocking:
                    raise VisibilityError(
                        f"Indicator '{subject[:80]}' is afgeleid van interne indicatoren: "
                        f"{', '.join(blocking)[:200]}.",
                        code="BB-PUB-007",
                        hint="Een afgeleide indicator is pas openbaar als al haar invoer openbaar "
                        "is. Publiceer eerst die invoer (of hun bron).",
                    )
            before_ids = universe.public_indicators(decisions)
            after_ids = universe.public_indicators(after_decisions)
            con.execute(
                delete(visibility).where(visibility.c.kind == kind, visibility.c.subject == subject)
            )
            con.execute(
                insert(visibility).values(
                    kind=kind,
                    subject=subject,
                    public=public,
                    reason=reason,
                    actor=actor.strip()[:160] or "onbekend",
                    changed_at=datetime.now(UTC),
                )
            )
            changed = sorted(before_ids ^ after_ids)
            self.audit.append(
                Event.PUBLICATION if public else Event.WITHDRAWAL,
                actor,
                {
                    "soort": kind,
                    "onderwerp": subject,
                    "reden": reason,
                    "voor": PUBLIC_WORD[before],
                    "na": PUBLIC_WORD[public],
                    "indicatoren_gewijzigd": len(changed),
                    "indicatoren": changed[:40],
                },
                con=con,
            )
        return before, public


def overview(universe: Universe, decisions: Decisions) -> list[tuple[str, str, str, bool, bool]]:
    """Rows for a listing: (kind, key, title, public, decided) for sources, then indicators."""
    public = universe.public_indicators(decisions)
    rows: list[tuple[str, str, str, bool, bool]] = [
        (
            SOURCE,
            s.key,
            s.title,
            universe.source_public(s.key, decisions),
            (SOURCE, s.key) in decisions,
        )
        for s in universe.sources
    ]
    rows += [
        (INDICATOR, i.id, i.title, i.id in public, (INDICATOR, i.id) in decisions)
        for i in universe.indicators
    ]
    return rows


def known_subjects(universe: Universe) -> Iterable[tuple[str, str]]:
    """Every (kind, subject) a beheerder can decide on."""
    yield from ((SOURCE, s.key) for s in universe.sources)
    yield from ((INDICATOR, i.id) for i in universe.indicators)
