"""``protect_table``: primary rules, secondary suppression and audit, rounding, the report.

The suppression and audit steps live in :mod:`buurtbeeld.protect.parts`. The run fails with
:class:`~buurtbeeld.errors.DisclosureError` rather than return a table that does not pass the
audit. ``audit_protected`` re-audits any pattern (ours, or one from another tool) independently.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

from buurtbeeld.errors import DisclosureError
from buurtbeeld.protect.audit import AuditResult, audit
from buurtbeeld.protect.cleanup import cleanup
from buurtbeeld.protect.ledger import Release, ReleasedCell, ReleaseLedger
from buurtbeeld.protect.parts import protect_system
from buurtbeeld.protect.report import DisclosureReport, HiddenCell
from buurtbeeld.protect.rounding import random_round, smallest_published
from buurtbeeld.protect.rules import Profile, Reason, apply_primary_rules, get_profile
from buurtbeeld.protect.system import System, audit_input, build_system
from buurtbeeld.protect.table import CellKey, CellStatus, Relation, Table


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
        return self.values[self._position[key]]

    def status(self, key: CellKey) -> CellStatus:
        """The status of a cell."""
        return self.statuses[self._position[key]]

    @cached_property
    def _position(self) -> dict[CellKey, int]:
        return {key: i for i, key in enumerate(self.keys)}

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
    values: Mapping[CellKey, float] | None = None,
    intervals: Mapping[CellKey, tuple[float, float]] | None = None,
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
    values
        Published values given by the caller for cells whose true count another release
        already published rounded (e.g. a partner's count of the same units): such a cell,
        when published, gets that value and is never rounded a second time (two independent
        roundings of one true count would narrow its interval).
    intervals
        Cells the attacker already knows as an interval, e.g. a partner's randomly rounded
        count: the elimination treats them as unknown (it cannot use an interval, and an exact
        value would be more than the attacker knows), the LP audit as the interval. Such a cell
        is published only with its value from ``values`` (else reported hidden).

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
    for key, interval in (intervals or {}).items():
        i = table.index[key]
        if system.statuses[i].suppressed:
            raise ValueError(f"cell {key!r} is known as an interval but sensitive")
        system.intervals[i] = interval
        system.fixed_hidden.add(i)
        system.fixed_published.discard(i)
    system.public = {table.index[k] for k in (values or {})}
    for key in hide:
        i = table.index[key]
        if not system.statuses[i].suppressed and i not in system.fixed_published:
            system.fixed_hidden.add(i)
    keys = table.link_keys if link_cells is None else link_cells
    link = {table.index[k] for k in keys} if ledger is None else set()
    hidden, reasons, audits = protect_system(system, prof, link)
    hidden, reasons, audits, _stats = cleanup(system, prof, hidden, reasons, audits, link)
    given = {table.index[k]: v for k, v in (values or {}).items()}
    return _assemble(table, system, prof, seed, hidden, reasons, audits, rounding, given)


def _assemble(
    table: Table,
    system: System,
    profile: Profile,
    seed: str | int,
    hidden: set[int],
    reasons: dict[int, Reason],
    audits: Sequence[AuditResult],
    rounding: bool,
    given: Mapping[int, float],
) -> ProtectedTable:
    n = len(table.cells)
    statuses: list[CellStatus] = []
    values: list[float | None] = []
    base = profile.rounding_base if rounding and table.kind == "frequency" else None
    # the smallest published count above the hidden range (shared with the platform check)
    floor = (
        smallest_published(base, profile.frequency.hidden_max) if profile.frequency and base else 0
    )
    for i, cell in enumerate(table.cells):
        original = system.statuses[i]
        if i in system.intervals:  # known elsewhere: published here only with that value
            hidden.discard(i)
            if i not in given:
                hidden.add(i)
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
        if i in given:
            values.append(given[i])
        elif base:
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
