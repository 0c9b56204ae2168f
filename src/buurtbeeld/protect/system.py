"""The joint system that is protected: a table, plus earlier releases from the ledger.

Cells of the current table come first (same indices as in the table); cells that occur only in
earlier releases follow. This module also splits the system into independent parts: when the
cells that link parts (e.g. gemeente and wijk cells) are published, the parts share only
constants and can be protected separately.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import numpy as np

from buurtbeeld.protect.audit import AuditInput
from buurtbeeld.protect.ledger import ReleaseLedger
from buurtbeeld.protect.rounding import rounding_interval
from buurtbeeld.protect.rules import Primary, Reason, Requirement
from buurtbeeld.protect.suppress import Problem
from buurtbeeld.protect.table import CellKey, CellStatus, Table


@dataclass
class System:
    """Everything the attacker can combine, in one index space."""

    table: Table
    keys: list[CellKey]
    relations: list[tuple[int, tuple[int, ...]]]
    measure: list[float]
    counts: list[int]
    levels: list[int]
    statuses: list[CellStatus]
    reasons: dict[int, Reason]
    requirements: dict[int, Requirement]
    guarded: set[int]
    fixed_published: set[int]
    fixed_hidden: set[int]
    earlier_known: dict[int, tuple[float, float]] = field(default_factory=dict)
    inequalities: list[tuple[tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)
    """``sum(greater) >= sum(lesser)``: used by the LP audit, not by the elimination."""
    intervals: dict[int, tuple[float, float]] = field(default_factory=dict)
    """Cells the attacker knows only as an interval (another party's rounded count): hidden
    and unguarded for the elimination, which cannot use an interval; known for the audit."""
    public: set[int] = field(default_factory=set)
    """Cells published with a value another party already published (``protect_table``'s
    ``values``): public knowledge before this table (see ``Problem.public``)."""

    @property
    def n_current(self) -> int:
        """Number of cells of the current table."""
        return len(self.table.cells)

    def relations_of(self, cells: Iterable[int]) -> list[int]:
        """Indices of the relations that involve any of the cells (in system order)."""
        if not hasattr(self, "_by_cell"):
            by_cell: dict[int, list[int]] = {}
            for r, (t, parts) in enumerate(self.relations):
                for c in (t, *parts):
                    by_cell.setdefault(c, []).append(r)
            self._by_cell = by_cell
        found: set[int] = set()
        for c in cells:
            found.update(self._by_cell.get(c, ()))
        return sorted(found)


def build_system(table: Table, primary: Primary, ledger: ReleaseLedger | None) -> System:
    """Join the table with the ledger's releases."""
    n = len(table.cells)
    keys = [c.key for c in table.cells]
    index = dict(table.index)
    measure = [table.measure(i) for i in range(n)]
    counts = [c.count for c in table.cells]
    levels = table.levels()
    statuses = list(primary.statuses)
    reasons = dict(primary.reasons)
    requirements = dict(primary.requirements)
    guarded = {i for i, s in enumerate(statuses) if s == CellStatus.PRIMARY_SUPPRESSED}
    fixed_published = {i for i, s in enumerate(statuses) if s == CellStatus.FORCED_PUBLISHABLE}
    # publishable zeros are structural knowledge (sdcTable/tau-Argus): never secondaries
    fixed_published |= {
        i for i, s in enumerate(statuses) if s == CellStatus.PUBLISHABLE and counts[i] == 0
    }
    fixed_hidden: set[int] = set()
    earlier_known: dict[int, tuple[float, float]] = {}
    relations = list(table.relation_indices)
    if ledger is not None:
        for key, cell in ledger.cells().items():
            i = index.get(key)
            if i is None:
                i = len(keys)
                index[key] = i
                keys.append(key)
                measure.append(cell.value if cell.value is not None else 0.0)
                counts.append(0)
                levels.append(0)
                statuses.append(cell.status)
            if cell.value is None:
                if statuses[i] != CellStatus.PRIMARY_SUPPRESSED or i >= n:
                    statuses[i] = cell.status
                guarded.add(i)
                fixed_hidden.add(i)
                fixed_published.discard(i)
                if cell.hidden_min is not None and cell.hidden_max is not None and i >= n:
                    requirements[i] = Requirement(cell.hidden_min, cell.hidden_max)
                reasons.setdefault(i, Reason.MANUAL)
            else:
                if i < n and statuses[i].suppressed:
                    statuses[i] = CellStatus.PUBLISHABLE
                    reasons.pop(i, None)
                    requirements.pop(i, None)
                    guarded.discard(i)
                fixed_published.add(i)
                if i >= n:
                    base = cell.rounding_base
                    earlier_known[i] = (
                        rounding_interval(cell.value, base) if base else (cell.value, cell.value)
                    )
        for rel in ledger.relations():
            missing = [k for k in (rel.total, *rel.parts) if k not in index]
            if missing:
                raise ValueError(f"ledger relation refers to unknown cell {missing[0]!r}")
            relations.append((index[rel.total], tuple(index[k] for k in rel.parts)))
    return System(
        table, keys, relations, measure, counts, levels, statuses, reasons, requirements,
        guarded, fixed_published, fixed_hidden, earlier_known, list(table.inequality_indices),
    )  # fmt: skip


def make_problem(system: System, cells: list[int], extra_published: Iterable[int] = ()) -> Problem:
    """A suppression problem over a subset of the system's cells (relations inside it)."""
    local = {c: k for k, c in enumerate(cells)}
    relations = [
        (local[t], tuple(local[p] for p in parts))
        for t, parts in (system.relations[r] for r in system.relations_of(cells))
        if t in local and all(p in local for p in parts)
    ]
    # per cell of the part, not per cell of the system: a national system has hundreds of parts
    guarded = np.array([c in system.guarded for c in cells], dtype=bool)
    fixed_published = {k for k, c in enumerate(cells) if c in system.fixed_published}
    fixed_published |= {local[c] for c in extra_published}
    hidden_max: dict[int, int] = {}
    for k, c in enumerate(cells):
        req = system.requirements.get(c)
        if req is not None and req.hidden_min == 0 and req.hidden_max is not None:
            hidden_max[k] = req.hidden_max
    return Problem(
        cells=cells,
        relations=relations,
        measure=[system.measure[c] for c in cells],
        counts=[system.counts[c] for c in cells],
        levels=[system.levels[c] for c in cells],
        statuses=[system.statuses[c] for c in cells],
        guarded=guarded,
        fixed_published=fixed_published,
        fixed_hidden={k for k, c in enumerate(cells) if c in system.fixed_hidden},
        labels=[" / ".join(system.keys[c]) for c in cells],
        hidden_max=hidden_max,
        public={k for k, c in enumerate(cells) if c in system.public},
    )


def audit_input(
    system: System, cells: list[int], hidden: Collection[int], integer: bool
) -> AuditInput:
    """The attacker's view of a part (local indices): published values, requirements, truth."""
    local = {c: k for k, c in enumerate(cells)}
    if len(cells) == len(system.keys):  # the whole system: indices are the system's own
        relations = system.relations
        inequalities = system.inequalities
    else:
        relations = [
            (local[t], tuple(local[p] for p in parts))
            for t, parts in (system.relations[r] for r in system.relations_of(cells))
            if t in local and all(p in local for p in parts)
        ]
        inequalities = [
            (tuple(local[c] for c in big), tuple(local[c] for c in small))
            for big, small in system.inequalities
            if all(c in local for c in (*big, *small))
        ]
    known: dict[int, tuple[float, float]] = {}
    truth: dict[int, float] = {}
    requirements: dict[int, Requirement] = {}
    for k, c in enumerate(cells):
        if c in system.intervals:
            known[k] = system.intervals[c]
            if c < system.n_current:
                truth[k] = system.measure[c]  # a feasible table for local witnesses
        elif c in hidden:
            if c < system.n_current:
                truth[k] = system.measure[c]
            if c in system.requirements:
                requirements[k] = system.requirements[c]
        elif c in system.earlier_known:
            known[k] = system.earlier_known[c]
        else:
            known[k] = (system.measure[c], system.measure[c])
    return AuditInput(
        len(cells), relations, known, requirements, truth, integer, inequalities=inequalities
    )


def split_parts(system: System, link: set[int]) -> tuple[list[list[int]], list[set[int]]]:
    """Blocks of non-link cells that only meet through link cells, with their link neighbours."""
    parent = list(range(len(system.keys)))

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    groups: list[tuple[int, ...]] = [(t, *parts) for t, parts in system.relations]
    groups += [(*big, *small) for big, small in system.inequalities]
    for group in groups:
        members = [c for c in group if c not in link]
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[b] = a
    blocks: dict[int, list[int]] = {}
    for c in range(len(system.keys)):
        if c not in link:
            blocks.setdefault(find(c), []).append(c)
    block_list = list(blocks.values())
    block_of = {c: b for b, cells in enumerate(block_list) for c in cells}
    neighbours: list[set[int]] = [set() for _ in block_list]
    for group in groups:
        inner = {block_of[c] for c in group if c in block_of}
        for b in inner:
            neighbours[b].update(c for c in group if c in link)
    return block_list, neighbours
