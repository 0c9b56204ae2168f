"""The table model: cells, cell statuses and the additive relations between cells.

A :class:`Table` is a flat list of cells plus linear relations ``total = sum of parts``. Every
hierarchy level (gemeente > wijk > buurt), every category total and every table of one delivery
is expressed in the same way, so disclosure control works on all of them jointly.

Cell-status lifecycle (letters as in sdcTable, so results can be compared with sdcTable and
tau-Argus): every cell starts as ``s`` (publishable) or ``z`` (forced publishable); primary rules
turn sensitive cells into ``u``; secondary suppression turns some ``s`` cells into ``x``. ``u``
and ``x`` cells are published as ``None``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import product
from typing import Literal

CellKey = tuple[str, ...]
"""A cell's stable identity, e.g. ``("WK085501", "wmo")``; equal keys are the same cell."""

Hierarchy = Mapping[str, Sequence[str]]
"""A dimension's hierarchy as a parent -> children map; codes without children are leaves."""

TableKind = Literal["frequency", "magnitude"]


class CellStatus(StrEnum):
    """Status of a cell; the value is the sdcTable letter."""

    PUBLISHABLE = "s"
    PRIMARY_SUPPRESSED = "u"
    SECONDARY_SUPPRESSED = "x"
    FORCED_PUBLISHABLE = "z"

    @property
    def suppressed(self) -> bool:
        """Whether a cell with this status is hidden."""
        return self in (CellStatus.PRIMARY_SUPPRESSED, CellStatus.SECONDARY_SUPPRESSED)


@dataclass(frozen=True, slots=True)
class Cell:
    """One table cell.

    Parameters
    ----------
    key
        Stable identity of the cell (one code per dimension).
    count
        Number of distinct contributors (persons, or households as holdings).
    value
        Magnitude total (amount tables only), else ``None``.
    top
        Largest contributions per holding, in descending order (amount tables only; at least
        the two largest are needed for the p%-rule).
    """

    key: CellKey
    count: int
    value: float | None = None
    top: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        if self.count < 0:
            raise ValueError(f"cell {self.key!r}: the number of contributors is negative")
        if any(c < 0 for c in self.top) or (self.value is not None and self.value < 0):
            raise ValueError(f"cell {self.key!r}: contributions must be non-negative")


@dataclass(frozen=True, slots=True)
class Relation:
    """An additive relation ``total = sum(parts)`` between cells."""

    total: CellKey
    parts: tuple[CellKey, ...]


@dataclass(frozen=True, slots=True)
class Inequality:
    """A known inequality ``sum(greater) >= sum(lesser)`` between cells.

    E.g. a category of a multi-valued dimension (a client with several voorzieningen) is at
    most the distinct total, and the categories together are at least the total. Secondary
    suppression by elimination does not need them (they pin nothing by linear algebra alone);
    the LP audit uses them, and its repairs hide more where they narrow a hidden cell.
    """

    greater: tuple[CellKey, ...]
    lesser: tuple[CellKey, ...]


@dataclass(frozen=True)
class Table:
    """Cells plus additive relations; one or more linked tables of a delivery.

    Use :func:`build_cross_table`, :func:`build_magnitude_table`, :meth:`Table.from_relations`
    or :func:`link_tables` to make one.
    """

    cells: tuple[Cell, ...]
    relations: tuple[Relation, ...]
    kind: TableKind = "frequency"
    link_keys: frozenset[CellKey] = frozenset()
    """Cells through which otherwise independent blocks meet (a speed-up hint, see
    :func:`~buurtbeeld.protect.protect_table`); any set is sound."""
    inequalities: tuple[Inequality, ...] = ()
    index: dict[CellKey, int] = field(init=False, repr=False, compare=False)
    relation_indices: tuple[tuple[int, tuple[int, ...]], ...] = field(
        init=False, repr=False, compare=False
    )
    inequality_indices: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        index: dict[CellKey, int] = {}
        for i, cell in enumerate(self.cells):
            if cell.key in index:
                raise ValueError(f"cell {cell.key!r} occurs twice")
            index[cell.key] = i
        if self.kind == "magnitude" and any(c.value is None for c in self.cells):
            raise ValueError("every cell of an amount table needs a value")
        rels: list[tuple[int, tuple[int, ...]]] = []
        for rel in self.relations:
            missing = [k for k in (rel.total, *rel.parts) if k not in index]
            if missing:
                raise ValueError(f"relation refers to unknown cell {missing[0]!r}")
            total = index[rel.total]
            parts = tuple(index[k] for k in rel.parts)
            if total in parts or len(set(parts)) != len(parts):
                raise ValueError(f"relation for {rel.total!r} repeats a cell")
            measure = [self.measure(i) for i in (total, *parts)]
            if abs(measure[0] - sum(measure[1:])) > 1e-6 * max(1.0, abs(measure[0])):
                # never print the numbers: some of them will be hidden
                raise ValueError(f"relation for {rel.total!r} does not add up")
            rels.append((total, parts))
        if not self.link_keys <= index.keys():
            raise ValueError("a link cell is not in the table")
        ineqs: list[tuple[tuple[int, ...], tuple[int, ...]]] = []
        for ineq in self.inequalities:
            missing = [k for k in (*ineq.greater, *ineq.lesser) if k not in index]
            if missing:
                raise ValueError(f"inequality refers to unknown cell {missing[0]!r}")
            greater = tuple(index[k] for k in ineq.greater)
            lesser = tuple(index[k] for k in ineq.lesser)
            big = sum(self.measure(i) for i in greater)
            if big < sum(self.measure(i) for i in lesser) - 1e-6 * max(1.0, abs(big)):
                raise ValueError(f"inequality for {ineq.lesser[0]!r} does not hold")
            ineqs.append((greater, lesser))
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "relation_indices", tuple(rels))
        object.__setattr__(self, "inequality_indices", tuple(ineqs))

    @classmethod
    def from_relations(
        cls,
        cells: Iterable[Cell],
        relations: Iterable[tuple[CellKey, Sequence[CellKey]]],
        *,
        kind: TableKind = "frequency",
    ) -> Table:
        """Make a table from cells and explicit ``(total, parts)`` relations."""
        return cls(
            cells=tuple(cells),
            relations=tuple(Relation(t, tuple(p)) for t, p in relations),
            kind=kind,
        )

    def __len__(self) -> int:
        return len(self.cells)

    def measure(self, i: int) -> float:
        """The additive quantity of cell ``i``: its count, or its value for amount tables."""
        cell = self.cells[i]
        if self.kind == "magnitude":
            assert cell.value is not None
            return cell.value
        return float(cell.count)

    def levels(self) -> list[int]:
        """Aggregation level per cell: 0 for cells that are no total, else 1 + the parts' level."""
        parts_of: dict[int, list[tuple[int, ...]]] = defaultdict(list)
        for total, parts in self.relation_indices:
            parts_of[total].append(parts)
        level = [-1] * len(self.cells)

        def resolve(i: int, depth: int) -> int:
            if level[i] >= 0:
                return level[i]
            if depth > len(self.cells):
                raise ValueError("the relations contain a cycle")
            best = 0
            for parts in parts_of.get(i, []):
                best = max(best, 1 + max(resolve(p, depth + 1) for p in parts))
            level[i] = best
            return best

        for i in range(len(self.cells)):
            resolve(i, 0)
        return level


def _nodes(hierarchy: Hierarchy) -> tuple[list[str], dict[str, list[str]]]:
    """All codes of a hierarchy (parents first) and the ancestors-or-self of every leaf."""
    children = {str(p): [str(c) for c in cs] for p, cs in hierarchy.items()}
    child_codes = {c for cs in children.values() for c in cs}
    roots = [p for p in children if p not in child_codes]
    if not roots:
        raise ValueError("a hierarchy needs at least one root")
    order: list[str] = []
    up: dict[str, list[str]] = {}

    def visit(code: str, ancestors: list[str]) -> None:
        if code in up:
            raise ValueError(f"code {code!r} occurs twice in a hierarchy")
        chain = [code, *ancestors]
        up[code] = chain
        order.append(code)
        for child in children.get(code, []):
            visit(child, chain)

    for root in roots:
        visit(root, [])
    return order, up


def _cross_structure(
    hierarchies: Sequence[Hierarchy],
) -> tuple[list[CellKey], list[tuple[CellKey, tuple[CellKey, ...]]], list[dict[str, list[str]]]]:
    """Cell keys, relations and ancestor chains of the cross product of hierarchies."""
    orders, ups = zip(*(_nodes(h) for h in hierarchies), strict=True)
    keys = [tuple(k) for k in product(*orders)]
    relations: list[tuple[CellKey, tuple[CellKey, ...]]] = []
    for d, hierarchy in enumerate(hierarchies):
        others = [orders[e] for e in range(len(hierarchies)) if e != d]
        for parent, kids in hierarchy.items():
            for rest in product(*others):

                def with_code(code: str, rest: tuple[str, ...] = rest, d: int = d) -> CellKey:
                    return (*rest[:d], code, *rest[d:])

                relations.append((with_code(str(parent)), tuple(with_code(str(c)) for c in kids)))
    return keys, relations, list(ups)


def build_cross_table(
    counts: Mapping[CellKey, int],
    hierarchies: Sequence[Hierarchy],
) -> Table:
    """Build a hierarchical cross table from leaf counts.

    Parameters
    ----------
    counts
        Count per leaf cell, keyed by one leaf code per dimension; missing leaves count 0.
    hierarchies
        One parent -> children map per dimension, e.g. ``{"GM0855": ["WK085501", ...],
        "WK085501": ["BU08550101", ...]}`` and ``{"totaal": ["wmo", "jeugd"]}``.

    Returns
    -------
    Table
        Every combination of codes as a cell, with one relation per parent code per
        combination of the other dimensions' codes.

    Examples
    --------
    >>> t = build_cross_table({("a", "m"): 2, ("b", "m"): 3}, [{"T": ["a", "b"]}, {"all": ["m"]}])
    >>> t.cells[t.index[("T", "all")]].count
    5
    """
    keys, relations, ups = _cross_structure(hierarchies)
    total: dict[CellKey, int] = defaultdict(int)
    for leaf, n in counts.items():
        leaf = tuple(str(c) for c in leaf)
        if len(leaf) != len(ups) or any(c not in up for c, up in zip(leaf, ups, strict=True)):
            raise ValueError(f"leaf {leaf!r} is not a code combination of the hierarchies")
        for key in product(*(up[c] for c, up in zip(leaf, ups, strict=True))):
            total[key] += int(n)
    cells = tuple(Cell(key=k, count=total.get(k, 0)) for k in keys)
    table = Table.from_relations(cells, relations)
    return _with_links(table, hierarchies)


def build_magnitude_table(
    contributions: Mapping[CellKey, Sequence[tuple[str, float]]],
    hierarchies: Sequence[Hierarchy],
    *,
    top_n: int = 2,
) -> Table:
    """Build a hierarchical amount table from contributions per holding.

    Parameters
    ----------
    contributions
        Per leaf cell, ``(holding id, amount)`` pairs. A holding (e.g. a household) counts as one
        contributor in every cell it contributes to; its amounts are added up.
    hierarchies
        As in :func:`build_cross_table`.
    top_n
        How many of the largest contributions to keep per cell (the p%-rule needs coalition + 1).
    """
    keys, relations, ups = _cross_structure(hierarchies)
    per_cell: dict[CellKey, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for leaf, pairs in contributions.items():
        leaf = tuple(str(c) for c in leaf)
        if len(leaf) != len(ups) or any(c not in up for c, up in zip(leaf, ups, strict=True)):
            raise ValueError(f"leaf {leaf!r} is not a code combination of the hierarchies")
        targets = list(product(*(up[c] for c, up in zip(leaf, ups, strict=True))))
        for holding, amount in pairs:
            for key in targets:
                per_cell[key][holding] += float(amount)
    cells = []
    for key in keys:
        holdings = per_cell.get(key, {})
        amounts = sorted(holdings.values(), reverse=True)
        cells.append(
            Cell(key=key, count=len(amounts), value=float(sum(amounts)), top=tuple(amounts[:top_n]))
        )
    return _with_links(Table.from_relations(cells, relations, kind="magnitude"), hierarchies)


def _with_links(table: Table, hierarchies: Sequence[Hierarchy]) -> Table:
    """Mark the cells of the two top levels of the first (region) dimension as link cells.

    For gemeente > wijk > buurt that is the gemeente and wijk cells (blocks: the buurten of one
    wijk); for NL > gemeente > wijk > buurt the country and gemeente cells (blocks: one gemeente).
    """
    depth = max(len(chain) for chain in _nodes(hierarchies[0])[1].values()) - 1
    if depth < 2:  # no level below the links: nothing to split
        return table
    links = cells_above(table, hierarchies[0], depth=1)
    return Table(table.cells, table.relations, table.kind, frozenset(links), table.inequalities)


def link_tables(*tables: Table) -> Table:
    """Join tables of one delivery into one system; cells with equal keys are the same cell.

    Shared cells must agree in every field. Relations are united, so suppression and audit see
    every way a cell can be derived.
    """
    if not tables:
        raise ValueError("no tables to link")
    kinds = {t.kind for t in tables}
    if len(kinds) != 1:
        raise ValueError("cannot link a count table with an amount table")
    cells: dict[CellKey, Cell] = {}
    relations: dict[tuple[CellKey, frozenset[CellKey]], Relation] = {}
    for table in tables:
        for cell in table.cells:
            if cell.key in cells and cells[cell.key] != cell:
                raise ValueError(f"cell {cell.key!r} differs between the linked tables")
            cells.setdefault(cell.key, cell)
        for rel in table.relations:
            relations.setdefault((rel.total, frozenset(rel.parts)), rel)
    links = frozenset().union(*(t.link_keys for t in tables))
    ineqs = tuple(dict.fromkeys(i for t in tables for i in t.inequalities))
    return Table(tuple(cells.values()), tuple(relations.values()), tables[0].kind, links, ineqs)


def with_inequalities(table: Table, inequalities: Iterable[Inequality]) -> Table:
    """The table with more known inequalities (e.g. between linked tables)."""
    more = tuple(dict.fromkeys((*table.inequalities, *inequalities)))
    return Table(table.cells, table.relations, table.kind, table.link_keys, more)


def cells_above(
    table: Table, hierarchy: Hierarchy, *, depth: int, dimension: int = 0
) -> set[CellKey]:
    """Keys of cells whose code in ``dimension`` is at most ``depth`` levels below a root.

    Use as ``link_cells`` for :func:`~buurtbeeld.protect.protect_table`: with ``depth=1`` on a
    gemeente > wijk > buurt hierarchy these are the gemeente and wijk cells.
    """
    _order, up = _nodes(hierarchy)
    return {
        cell.key
        for cell in table.cells
        if cell.key[dimension] in up and len(up[cell.key[dimension]]) - 1 <= depth
    }
