"""``protect_table``: primary rules, secondary suppression, audit, rounding and the report.

Steps per independent part of the system (see :mod:`buurtbeeld.protect.system`):

1. elimination (GAUSS) chooses secondaries so no primary can be computed exactly, with singleton
   protection;
2. the LP audit bounds every hidden cell; a primary bounded too well gets the published cell of
   its binding relations that is cheapest to hide added as a secondary (reason ``interval``),
   and step 1 runs again;
3. secondaries the attacker can compute exactly anyway are published (that changes nothing the
   attacker knows).

The run fails with :class:`~buurtbeeld.errors.DisclosureError` rather than return a table that
does not pass the audit.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

from buurtbeeld.errors import DisclosureError
from buurtbeeld.protect.audit import AuditResult, audit
from buurtbeeld.protect.ledger import Release, ReleasedCell, ReleaseLedger
from buurtbeeld.protect.report import DisclosureReport, HiddenCell
from buurtbeeld.protect.rounding import random_round
from buurtbeeld.protect.rules import Profile, Reason, apply_primary_rules, get_profile
from buurtbeeld.protect.suppress import choose_to_hide, gauss_suppress, publication_order
from buurtbeeld.protect.system import (
    System,
    audit_input,
    build_system,
    make_problem,
    split_parts,
)
from buurtbeeld.protect.table import CellKey, CellStatus, Relation, Table

MAX_REPAIRS = 200


@dataclass(frozen=True)
class ProtectedTable:
    """A protected table: published values, statuses and a report. Holds no hidden value."""

    keys: tuple[CellKey, ...]
    values: tuple[float | None, ...]
    """Published value per cell (rounded counts where the profile rounds); ``None``: hidden."""
    statuses: tuple[CellStatus, ...]
    reasons: dict[CellKey, Reason]
    """Why each hidden cell is hidden."""
    relations: tuple[Relation, ...]
    report: DisclosureReport
    profile: Profile
    seed: str | int

    def value(self, key: CellKey) -> float | None:
        """The published value of a cell (``None`` when hidden)."""
        return self.values[self.keys.index(key)]

    def status(self, key: CellKey) -> CellStatus:
        """The status of a cell."""
        return self.statuses[self.keys.index(key)]

    @property
    def hidden_keys(self) -> tuple[CellKey, ...]:
        """Keys of all hidden cells."""
        return tuple(k for k, s in zip(self.keys, self.statuses, strict=True) if s.suppressed)

    def to_release(self, name: str) -> Release:
        """This table as a ledger entry for auditing later deliveries."""
        rule = self.profile.frequency
        cells = []
        for key, value, status in zip(self.keys, self.values, self.statuses, strict=True):
            primary = status == CellStatus.PRIMARY_SUPPRESSED and rule is not None
            cells.append(
                ReleasedCell(
                    key,
                    status,
                    value,
                    self.report.rounding_base if value is not None else None,
                    rule.hidden_min if primary and rule else None,
                    rule.hidden_max if primary and rule else None,
                )
            )
        return Release(name, tuple(cells), self.relations)


def protect_table(
    table: Table,
    *,
    profile: str | Profile = "cbs-zorg",
    seed: str | int = 0,
    suppress: Collection[CellKey] = (),
    publish: Collection[CellKey] = (),
    hide: Collection[CellKey] = (),
    ledger: ReleaseLedger | None = None,
    link_cells: Collection[CellKey] | None = None,
    rounding: bool = True,
) -> ProtectedTable:
    """Protect a table (or linked tables) for publication.

    Parameters
    ----------
    table
        Cells and relations; link several tables of one delivery with
        :func:`~buurtbeeld.protect.link_tables` first so they are protected jointly.
    profile
        ``"cbs-zorg"`` (hide 0..7), ``"drempel-10"`` (hide 1..9), ``"bedragen"`` (p%-rule) or
        a :class:`Profile`.
    seed
        Delivery seed for the reproducible random rounding.
    suppress
        Cells to hide whatever their value (manual primaries).
    publish
        Cells that must be published (e.g. public totals); status ``z``.
    hide
        Cells to hide as secondaries, e.g. the pattern of an earlier run (they need no
        protection themselves; one the attacker can compute anyway is published).
    ledger
        Earlier releases of the same source: audited jointly, so differencing is caught.
    link_cells
        Speed-up for large tables: cells (e.g. all gemeente- and wijk-level cells, see
        :func:`~buurtbeeld.protect.table.cells_above`) through which otherwise independent
        blocks meet. Blocks whose link cells are all published are protected separately; blocks
        touching a hidden link cell are protected jointly with the links. Same guarantees for
        any choice. Default: the table's ``link_keys`` (set by :func:`build_cross_table`);
        ``()`` protects the whole system at once.
    rounding
        Round published counts as the profile says (``False``: publish exact counts).

    Returns
    -------
    ProtectedTable
        Published values, statuses, reasons and a :class:`DisclosureReport`.

    Raises
    ------
    DisclosureError
        When no safe pattern exists (e.g. forced publications reveal a hidden cell).
    """
    prof = get_profile(profile)
    primary = apply_primary_rules(table, prof, suppress=suppress, publish=publish)
    system = build_system(table, primary, ledger)
    for key in hide:
        i = table.index[key]
        if not system.statuses[i].suppressed and i not in system.fixed_published:
            system.fixed_hidden.add(i)
    keys = table.link_keys if link_cells is None else link_cells
    link = {table.index[k] for k in keys} if ledger is None else set()
    hidden, reasons, audits = _protect_system(system, prof, link)
    return _assemble(table, system, prof, seed, hidden, reasons, audits, rounding)


def _protect_system(
    system: System, profile: Profile, link: set[int]
) -> tuple[set[int], dict[int, Reason], list[AuditResult]]:
    everything = list(range(len(system.keys)))
    if not link:
        return _protect_parts(system, [_Part(system, everything, profile)])
    blocks, neighbours = split_parts(system, link)
    links = sorted(link)
    top = _Part(system, links, profile)
    joint = {b for b, nb in enumerate(neighbours) if nb & top.hidden_cells()}
    while True:
        cells = sorted(set(links).union(*(blocks[b] for b in joint)))
        main = _Part(system, cells, profile)
        grow = {b for b, nb in enumerate(neighbours) if b not in joint and nb & main.hidden_cells()}
        if not grow:
            parts = [main]
            for b, block in enumerate(blocks):
                if b not in joint:
                    cells = sorted(set(block) | neighbours[b])
                    parts.append(_Part(system, cells, profile, published=neighbours[b], block=b))
            try:
                return _protect_parts(system, parts)
            except _NeedsLinks as exc:
                grow = {exc.block}
        joint |= grow


class _NeedsLinks(Exception):
    """A block cannot be protected while its link cells are published."""

    def __init__(self, block: int) -> None:
        super().__init__(block)
        self.block = block


class _Part:
    """One independent suppression problem and its elimination result."""

    def __init__(
        self,
        system: System,
        cells: list[int],
        profile: Profile,
        *,
        published: Collection[int] = (),
        block: int = -1,
    ) -> None:
        self.cells = cells
        self.local = {c: k for k, c in enumerate(cells)}
        self.block = block
        self.singletons = profile.singletons
        self.problem = make_problem(system, cells, published)
        self.base_hidden = set(self.problem.fixed_hidden)
        self.earlier = {k for k in self.base_hidden if self.problem.guarded[k]}
        self.repairs: set[int] = set()
        self.rank = np.full(len(cells), len(cells), dtype=np.int64)
        self.eliminate()

    def eliminate(self) -> None:
        problem = self.problem
        problem.fixed_hidden = self.base_hidden | self.repairs
        self.secondary, self.singles, _elim = gauss_suppress(problem, singletons=self.singletons)
        self.hidden = self.secondary | self.singles | problem.fixed_hidden
        self.hidden |= {k for k, s in enumerate(problem.statuses) if s.suppressed}
        self.rank[:] = len(self.cells)
        order = publication_order(problem)
        self.rank[order] = np.arange(len(order))

    def hidden_cells(self) -> set[int]:
        return {self.cells[k] for k in self.hidden}

    def releasable(self, k: int) -> bool:
        """Whether a hidden cell was hidden by us (not a primary, not an earlier release)."""
        return (
            k in self.secondary
            or k in self.singles
            or k in self.repairs
            or (k in self.base_hidden and k not in self.earlier)
        )

    def repair(self, k: int, binding: Sequence[int]) -> int:
        """Choose a published cell to hide for a primary that the audit found too exposed."""
        choice = choose_to_hide(self.problem, binding, self.rank)
        if choice is None or (choice in self.hidden and choice not in self.repairs):
            if self.block >= 0:
                raise _NeedsLinks(self.block)
            raise DisclosureError(
                f"Cel {self.problem.labels[k]} is niet te beschermen: de gepubliceerde "
                "cellen eromheen mogen niet worden afgeschermd.",
                hint="Laat verplichte publicaties weg of gebruik een grovere indeling.",
            )
        return choice


def _protect_parts(
    system: System, parts: list[_Part]
) -> tuple[set[int], dict[int, Reason], list[AuditResult]]:
    """Audit all parts together (one batch of LPs), repair, and release pinned secondaries."""
    integer = system.table.kind == "frequency"
    result = AuditResult()
    only: set[int] | None = None
    for _ in range(MAX_REPAIRS):
        hidden = set().union(*(p.hidden_cells() for p in parts))
        partial = audit(
            audit_input(system, list(range(len(system.keys))), hidden, integer), only=only
        )
        if only is None:
            result = partial
        else:
            kept = [f for f in result.findings if f.cell not in partial.covered]
            result.findings = kept + partial.findings
            result.n_lps += partial.n_lps
        new: set[int] = set()
        changed: set[int] = set()
        for finding in result.findings:
            part, k = _owner(parts, finding.cell)
            if part.problem.guarded[k]:
                binding = [part.local[c] for c in finding.binding if c in part.local]
                choice = part.repair(k, binding)
                part.repairs.add(choice)
                part.hidden.add(choice)
                new.add(part.cells[choice])
                if part.singletons and part.problem.counts[choice] == 1:
                    changed.add(id(part))
            elif not part.releasable(k):
                raise DisclosureError(
                    f"Cel {part.problem.labels[k]} is exact terug te rekenen.",
                    hint="Controleer de handmatig afgeschermde cellen en eerdere leveringen.",
                )
        if not new:
            break
        # hiding more cells keeps the elimination's guarantee; only a new singleton (one
        # contributor) needs the elimination again
        for part in parts:
            if id(part) in changed:
                before = part.hidden_cells()
                part.eliminate()
                new |= before ^ part.hidden_cells()
        only = new
    else:
        raise DisclosureError(
            "De aanvalscontrole blijft cellen vinden die te nauwkeurig te schatten zijn.",
            hint="Gebruik een strenger profiel of een grovere indeling.",
        )
    released = {f.cell for f in result.findings}
    hidden_all: set[int] = set()
    reasons: dict[int, Reason] = {}
    for part in parts:
        for k in part.hidden:
            c = part.cells[k]
            if c in released or c in hidden_all:
                continue
            hidden_all.add(c)
            if c in system.reasons:
                reasons[c] = system.reasons[c]
            elif k in part.repairs:
                reasons[c] = Reason.INTERVAL
            elif k in part.singles:
                reasons[c] = Reason.SINGLETON
            else:
                reasons[c] = Reason.SECONDARY
    result.findings = []
    return hidden_all, reasons, [result]


def _owner(parts: list[_Part], cell: int) -> tuple[_Part, int]:
    """The part that decides a cell's status (a link cell is decided by the joint part)."""
    holders = [p for p in parts if cell in p.local]
    for part in holders:
        if part.local[cell] not in part.problem.fixed_published:
            return part, part.local[cell]
    return holders[0], holders[0].local[cell]


def _assemble(
    table: Table,
    system: System,
    profile: Profile,
    seed: str | int,
    hidden: set[int],
    reasons: dict[int, Reason],
    audits: Sequence[AuditResult],
    rounding: bool,
) -> ProtectedTable:
    n = len(table.cells)
    statuses: list[CellStatus] = []
    values: list[float | None] = []
    base = profile.rounding_base if rounding and table.kind == "frequency" else None
    floor = profile.frequency.hidden_max + 1 if profile.frequency else 0
    for i, cell in enumerate(table.cells):
        original = system.statuses[i]
        if i in hidden:
            statuses.append(
                CellStatus.PRIMARY_SUPPRESSED
                if original == CellStatus.PRIMARY_SUPPRESSED
                else CellStatus.SECONDARY_SUPPRESSED
            )
            values.append(None)
            continue
        statuses.append(
            CellStatus.FORCED_PUBLISHABLE
            if original == CellStatus.FORCED_PUBLISHABLE
            else CellStatus.PUBLISHABLE
        )
        if base:
            values.append(
                float(random_round(cell.count, cell.key, base=base, seed=seed, floor=floor))
            )
        else:
            values.append(table.measure(i))
    by_reason: dict[str, int] = {}
    hidden_cells = []
    for i in range(n):
        if statuses[i].suppressed:
            reason = reasons.get(i, Reason.SECONDARY)
            by_reason[reason.value] = by_reason.get(reason.value, 0) + 1
            hidden_cells.append(HiddenCell(table.cells[i].key, statuses[i], reason.value))
    report = DisclosureReport(
        profile=profile.name,
        n_cells=n,
        n_published=sum(not s.suppressed for s in statuses),
        n_primary=sum(s == CellStatus.PRIMARY_SUPPRESSED for s in statuses),
        n_secondary=sum(s == CellStatus.SECONDARY_SUPPRESSED for s in statuses),
        hidden_by_reason=by_reason,
        hidden=tuple(hidden_cells),
        audit_passed=all(a.passed for a in audits),
        n_audited=sum(a.n_hidden for a in audits),
        n_lps=sum(a.n_lps for a in audits),
        rounding_base=base,
        n_earlier_cells=len(system.keys) - n,
    )
    if not report.audit_passed:
        raise DisclosureError("De aanvalscontrole is niet geslaagd.")
    return ProtectedTable(
        keys=tuple(c.key for c in table.cells),
        values=tuple(values),
        statuses=tuple(statuses),
        reasons={
            table.cells[i].key: reasons.get(i, Reason.SECONDARY)
            for i in range(n)
            if statuses[i].suppressed
        },
        relations=table.relations,
        report=report,
        profile=profile,
        seed=seed,
    )


def audit_protected(
    table: Table,
    protected: ProtectedTable | Sequence[CellStatus],
    *,
    profile: str | Profile | None = None,
    ledger: ReleaseLedger | None = None,
    exact_intervals: bool = False,
) -> AuditResult:
    """Audit a suppression pattern on a table independently of how it was made.

    Parameters
    ----------
    table
        The original table (the data holder's true values).
    protected
        A protected table, or a status per cell (e.g. a pattern from another tool).
    profile
        Rules that give primaries their requirements (default: the protected table's profile;
        for a bare status list: exact-disclosure protection only).
    ledger
        Earlier releases to include.
    exact_intervals
        Compute every hidden cell's exact interval (``AuditResult.intervals``).
    """
    if isinstance(protected, ProtectedTable):
        statuses = list(protected.statuses)
        prof = get_profile(profile) if profile is not None else protected.profile
    else:
        statuses = list(protected)
        prof = get_profile(profile) if profile is not None else Profile("geen")
    primary = apply_primary_rules(table, prof)
    system = build_system(table, primary, ledger)
    hidden = {i for i, s in enumerate(statuses) if s.suppressed} | system.fixed_hidden
    cells = list(range(len(system.keys)))
    data = audit_input(system, cells, hidden, table.kind == "frequency")
    return audit(data, exact_intervals=exact_intervals)
