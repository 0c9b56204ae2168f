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
    link_cells: Collection[CellKey] = (),
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
        Optional speed-up for large tables: cells (e.g. all gemeente- and wijk-level cells, see
        :func:`~buurtbeeld.protect.table.cells_above`) through which otherwise independent
        blocks meet. Blocks whose link cells are all published are protected separately; blocks
        touching a hidden link cell are protected jointly with the links. Same guarantees.
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
    link = {table.index[k] for k in link_cells} if ledger is None else set()
    hidden, reasons, audits = _protect_system(system, prof, link)
    return _assemble(table, system, prof, seed, hidden, reasons, audits, rounding)


def _protect_system(
    system: System, profile: Profile, link: set[int]
) -> tuple[set[int], dict[int, Reason], list[AuditResult]]:
    everything = list(range(len(system.keys)))
    if not link:
        hidden, reasons, result = _protect_part(system, everything, profile)
        return hidden, reasons, [result]
    blocks, neighbours = split_parts(system, link)
    links = sorted(link)
    top_hidden, _, _ = _protect_part(system, links, profile, audit_part=False)
    joint = {b for b, nb in enumerate(neighbours) if nb & top_hidden}
    while True:
        cells = sorted(set(links).union(*(blocks[b] for b in joint)))
        hidden, reasons, result = _protect_part(system, cells, profile)
        grow = {b for b, nb in enumerate(neighbours) if b not in joint and nb & hidden}
        audits = [result]
        if not grow:
            for b, block in enumerate(blocks):
                if b in joint:
                    continue
                try:
                    part = sorted(set(block) | neighbours[b])
                    h, r, res = _protect_part(system, part, profile, published=neighbours[b])
                except DisclosureError:
                    grow.add(b)
                    continue
                hidden |= h
                reasons.update(r)
                audits.append(res)
        if not grow:
            return hidden, reasons, audits
        joint |= grow


def _protect_part(
    system: System,
    cells: list[int],
    profile: Profile,
    *,
    published: Collection[int] = (),
    audit_part: bool = True,
) -> tuple[set[int], dict[int, Reason], AuditResult]:
    """Hidden cells (system indices) with reasons, and the audit of one part."""
    local = {c: k for k, c in enumerate(cells)}
    problem = make_problem(system, cells, (local[c] for c in published))
    base_hidden = set(problem.fixed_hidden)
    earlier = {k for k in base_hidden if problem.guarded[k]}
    repairs: set[int] = set()
    integer = system.table.kind == "frequency"
    rank = np.full(len(cells), len(cells), dtype=np.int64)
    secondary: set[int] = set()
    singles: set[int] = set()
    hidden: set[int] = set()
    result = AuditResult()
    rerun, only = True, None
    for _ in range(MAX_REPAIRS):
        if rerun:
            problem.fixed_hidden = base_hidden | repairs
            secondary, singles, _elim = gauss_suppress(problem, singletons=profile.singletons)
            hidden = secondary | singles | problem.fixed_hidden
            hidden |= {k for k, s in enumerate(problem.statuses) if s.suppressed}
            if not audit_part:
                return {cells[k] for k in hidden}, {}, AuditResult()
            rank[:] = len(cells)
            order = publication_order(problem)
            rank[order] = np.arange(len(order))
            only = None
        data = audit_input(system, cells, {cells[k] for k in hidden}, integer)
        partial = audit(data, only=only)
        if only is None:
            result = partial
        else:
            result.findings = partial.findings
            result.n_lps += partial.n_lps
        new: set[int] = set()
        released: set[int] = set()
        for finding in result.findings:
            k = finding.cell
            if problem.guarded[k]:
                choice = choose_to_hide(problem, finding.binding, rank)
                if choice is None or choice in hidden:
                    raise DisclosureError(
                        f"Cel {problem.labels[k]} is niet te beschermen: de gepubliceerde "
                        "cellen eromheen mogen niet worden afgeschermd.",
                        hint="Laat verplichte publicaties weg of gebruik een grovere indeling.",
                    )
                new.add(choice)
            elif (
                k in secondary
                or k in singles
                or k in repairs
                or (k in base_hidden and k not in earlier)
            ):
                released.add(k)
            else:
                raise DisclosureError(
                    f"Cel {problem.labels[k]} is exact terug te rekenen.",
                    hint="Controleer de handmatig afgeschermde cellen en eerdere leveringen.",
                )
        if new:
            # hiding more cells keeps the elimination's guarantee; only a new singleton
            # (one contributor) needs the elimination again
            repairs |= new
            hidden |= new
            rerun = profile.singletons and any(problem.counts[k] == 1 for k in new)
            only = new
            continue
        reasons: dict[int, Reason] = {}
        for k in hidden - released:
            c = cells[k]
            if c in system.reasons:
                reasons[c] = system.reasons[c]
            elif k in repairs:
                reasons[c] = Reason.INTERVAL
            elif k in singles:
                reasons[c] = Reason.SINGLETON
            else:
                reasons[c] = Reason.SECONDARY
        result.findings = [f for f in result.findings if f.cell not in released]
        return {cells[k] for k in hidden - released}, reasons, result
    raise DisclosureError(
        "De aanvalscontrole blijft cellen vinden die te nauwkeurig te schatten zijn.",
        hint="Gebruik een strenger profiel of een grovere indeling.",
    )


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
