"""The one place where aggregation meets disclosure control: aggregate → **protect** → package.

All count tables of a delivery become one linked system (every region level, every category
total, every period) and are protected together with the delivery's frequency profile; all
amount tables become a second system protected with the ``bedragen`` profile (p%-rule plus a
minimum number of households). Cells of different tables with the same key are the same
number (e.g. the total of a table by age and the total of a table by voorziening), so
suppression and audit see every way a hidden cell could be derived.

An amount cell is also hidden when its number of contributing households falls in the
frequency profile's hidden range: otherwise a published sum of 0 euro (or the fact that an
amount is published at all) would reveal a count that the count tables hide.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import product

import pyarrow as pa

from buurtbeeld.errors import DisclosureError
from buurtbeeld.package_format import HIDDEN_STATUS
from buurtbeeld.protect import (
    TOTAL,
    Cell,
    CellKey,
    CellStatus,
    Dimension,
    Inequality,
    ProtectedTable,
    Relation,
    ReleaseLedger,
    Table,
    get_profile,
    link_tables,
    protect_table,
    rounding_interval,
    table_relations,
    with_inequalities,
)
from buurtbeeld.source.aggregate import AggregatedTable, Aggregation
from buurtbeeld.source.regions import Division

AMOUNT_PROFILE = "bedragen"
COARSE_REASON = {
    "frequency": "te_klein_aantal",
    "p-percent": "gevoelig_bedrag",
    "min-contributors": "gevoelig_bedrag",
    "manual": "gevoelig_bedrag",
    "secondary": "secundair",
    "singleton": "secundair",
    "interval": "secundair",
}
"""Reasons as published. Secondary sub-reasons are merged: 'singleton' would reveal that some
neighbouring hidden cell has exactly one contributor. In amount tables 'manual' marks cells with
too few contributing households; in count tables it marks cells an earlier delivery hid, which
are secondaries of this one."""


@dataclass
class ProtectedOutput:
    """One protected table ready for the package: only published values and statuses."""

    source: AggregatedTable
    profile: str
    data: pa.Table
    hidden_by_reason: dict[str, int]
    letters: tuple[str, ...] = ()
    """The toolkit's own status per row of ``data`` (sdcTable letters ``s``/``z``/``u``/``x``).
    Internal: the package marks every hidden cell with one status (``HIDDEN_STATUS``)."""

    @property
    def name(self) -> str:
        """Table name in the package."""
        return self.source.name


@dataclass
class ProtectedDelivery:
    """The protected tables of a delivery plus the protect reports (no hidden value)."""

    aggregation: Aggregation
    outputs: list[ProtectedOutput]
    runs: dict[str, ProtectedTable]
    """``"aantallen"`` and/or ``"bedragen"``: the joint protection runs."""

    def hidden_by_reason(self) -> dict[str, int]:
        """Hidden cells per (coarse) reason over all tables."""
        total: dict[str, int] = {}
        for out in self.outputs:
            for reason, n in out.hidden_by_reason.items():
                total[reason] = total.get(reason, 0) + n
        return dict(sorted(total.items()))


@dataclass(frozen=True)
class JointCells:
    """Cells protected jointly with a delivery's counts but never written to its package.

    Issue 11: the partners' published marginals and the mover counts of a linked delivery
    (:mod:`buurtbeeld.source.link_protection`). ``relations`` may name cells of the delivery's
    tables (keys as :func:`_cell_key` makes them).
    """

    cells: tuple[Cell, ...]
    relations: tuple[Relation, ...]
    known: frozenset[CellKey] = frozenset()
    """Cells the attacker knows (a partner's published count, a structural zero)."""
    hidden: frozenset[CellKey] = frozenset()
    """Cells never published and guarded like counts (a partner's hidden count, movers); may
    name cells of the delivery's tables too (hidden whatever their value)."""
    links: frozenset[CellKey] = frozenset()
    """Cells at the link levels (gemeente, wijk): the speed-up hint of ``protect_table``."""
    values: Mapping[CellKey, float] = field(default_factory=dict)
    """Table cells whose true count a partner published: published with that value."""
    intervals: Mapping[CellKey, tuple[float, float]] = field(default_factory=dict)
    """Cells the attacker knows as an interval (a partner's rounded count; a linked marginal
    known to equal it): see ``protect_table(intervals=...)``."""
    omit: frozenset[CellKey] = frozenset()
    """Table cells that are zero by construction (e.g. a linked table's "no provision at all"
    cell): known to the attacker, not written to the package."""


def _levels(division: Division) -> dict[str, str]:
    level: dict[str, str] = {}
    for code in division.all_codes():
        level[code] = {"NL": "land", "GM": "gemeente", "WK": "wijk", "BU": "buurt"}[code[:2]]
    return level


def _table_codes(table: AggregatedTable, categories: dict[str, list[str]]) -> list[list[str]]:
    """Codes per dimension of this table, ``totaal`` first where it is a sum."""
    return [([TOTAL] if table.additive[d] else []) + categories[d] for d in table.dimensions]


def _table_combos(
    table: AggregatedTable, categories: dict[str, list[str]]
) -> list[tuple[str, ...]]:
    """The category combinations of every region: the table's own, or the cross table."""
    if table.combos is not None:
        return list(table.combos)
    return list(product(*_table_codes(table, categories)))


def _cell_key(
    dataset: str, period: str, region: str, table: AggregatedTable, values: tuple[str, ...]
) -> CellKey:
    """The cell's key, the same in every table and every delivery of the dataset.

    ``(dataset, measure, period, region, "dimension=value", …)`` with only the non-total
    dimension values, sorted: the total of a table by age is the same number as the total of a
    table by voorziening, in this delivery and in a later one (the release ledger).
    """
    measure = f"aantal:{table.unit}" if table.measure == "aantal" else f"som:{table.spec.kolom}"
    pairs = sorted(f"{d}={v}" for d, v in zip(table.dimensions, values, strict=True) if v != TOTAL)
    return (dataset, measure, period, region, *pairs)


def table_regions(table: AggregatedTable, division: Division) -> list[str]:
    """The regions with cells in ``table`` (:attr:`AggregatedTable.levels`)."""
    codes = division.all_codes()
    return codes if table.levels is None else [c for c in codes if c[:2] in table.levels]


REGION = 3
"""Position of the region code in a cell key."""


def _build(
    table: AggregatedTable, agg: Aggregation
) -> tuple[Table, dict[tuple[str, str, tuple[str, ...]], CellKey], list[Inequality]]:
    """The table's cells and relations (:func:`buurtbeeld.protect.table_relations`, as the
    platform sees them), and its inequalities (they may name cells of the ``_totaal`` table:
    added once the tables are linked)."""
    division = agg.division
    periods = [p.label for p in agg.periods]
    combos = _table_combos(table, agg.categories)
    regions = table_regions(table, division)
    rows = table.data.to_pylist()
    dims = table.dimensions
    found = {(r["periode"], r["regiocode"], tuple(r[d] for d in dims)): r for r in rows}
    key: dict[tuple[str, str, tuple[str, ...]], CellKey] = {}
    cells: list[Cell] = []
    for period in periods:
        for region in regions:
            for combo in combos:
                k = _cell_key(agg.spec.dataset, period, region, table, combo)
                key[(period, region, combo)] = k
                row = found.get((period, region, combo))
                if table.measure == "aantal":
                    cells.append(Cell(k, int(row["aantal"]) if row else 0))
                elif row:
                    top = tuple(
                        row[c] / 100 for c in ("top1_cent", "top2_cent") if row[c] is not None
                    )
                    cells.append(Cell(k, int(row["bijdragers"]), float(row["som_cent"]) / 100, top))
                else:
                    cells.append(Cell(k, 0, 0.0, ()))
    dimensions = [Dimension(d, table.additive[d]) for d in table.dimensions]
    relations: list[tuple[CellKey, list[CellKey]]] = []
    inequalities: list[Inequality] = []
    for period in periods:

        def at(cell: tuple[str, tuple[str, ...]], period: str = period) -> CellKey:
            return _cell_key(agg.spec.dataset, period, cell[0], table, cell[1])

        relation_set = table_relations(
            division.hierarchy,
            dimensions,
            [(r, c) for r in regions for c in combos],
            exclusive=table.combos is not None,
        )
        relations += [(at(t), [at(p) for p in parts]) for t, parts in relation_set.equal]
        inequalities += [
            Inequality(tuple(at(c) for c in big), tuple(at(c) for c in small))
            for big, small in relation_set.at_least
        ]
    built = Table.from_relations(
        cells, relations, kind="frequency" if table.measure == "aantal" else "magnitude"
    )
    # gemeente + wijk cells (land + gemeente nationally) link the blocks of buurten
    roots = set(division.top_codes)
    linked = roots | {c for p in roots for c in division.hierarchy.get(p, [])}
    if len(regions) > len(linked):
        links = frozenset(c.key for c in cells if c.key[REGION] in linked)
        built = Table(built.cells, built.relations, built.kind, links)
    return built, key, inequalities


def _check_no_revision(joint: Table, ledger: ReleaseLedger | None) -> None:
    """A cell published earlier must still have a true value inside what was published.

    Otherwise this delivery revises an earlier one, and publishing both would let anyone
    subtract the two (a count that dropped from 12 to 5 would re-publish a small number).
    """
    if ledger is None:
        return
    index = joint.index
    changed = 0
    for key, released in ledger.cells().items():
        i = index.get(key)
        if i is None or released.value is None:
            continue
        cell = joint.cells[i]
        true = float(cell.count) if cell.value is None else cell.value
        if released.rounding_base:
            low, up = rounding_interval(released.value, released.rounding_base)
        else:
            low = up = released.value
        if not low - 0.005 <= true <= up + 0.005:
            changed += 1
    if changed:
        raise DisclosureError(
            f"Deze levering wijkt in {changed} cellen af van wat een eerder verzonden pakket van "
            "deze dataset publiceerde: het is een herziening. Twee versies naast elkaar laten "
            "verschillen zien die klein kunnen zijn.",
            code="BB-BRON-002",
            hint="Overleg met de privacyfunctionaris; lever een herziening pas als het eerdere "
            "pakket is ingetrokken, en haal het dan met 'buurtbeeld bron ingetrokken' uit het "
            "logboek.",
        )


def protect_delivery(
    agg: Aggregation,
    *,
    seed: str,
    ledgers: Mapping[str, ReleaseLedger] | None = None,
    joint_cells: JointCells | None = None,
) -> ProtectedDelivery:
    """Protect every table of a delivery jointly (counts together, amounts together).

    Parameters
    ----------
    agg
        The aggregation (all levels, all periods).
    ledgers
        Per protection run (``aantallen``, ``bedragen``) what sent packages of the same
        dataset published (:mod:`buurtbeeld.source.ledger`): protected jointly with them.
    joint_cells
        More cells and relations protected with the counts and never published (a linked
        delivery's partner marginals and movers, :mod:`buurtbeeld.source.link_protection`).
    seed
        Secret rounding seed (never written to the package): the same cell of the same source
        rounds the same way in every delivery, so repeated deliveries cannot be averaged.

    Raises
    ------
    DisclosureError
        When no safe pattern exists (from :func:`buurtbeeld.protect.protect_table`), or
        ``BB-BRON-002`` when the delivery revises what a sent package published.
    """
    spec = agg.spec
    built = {t.name: _build(t, agg) for t in agg.tables}
    runs: dict[str, ProtectedTable] = {}
    counts = [built[t.name][0] for t in agg.tables if t.measure == "aantal"]
    amounts = [built[t.name][0] for t in agg.tables if t.measure == "som"]
    earlier = ledgers or {}
    if counts:
        joint = link_tables(*counts)
        more = [i for t in agg.tables if t.measure == "aantal" for i in built[t.name][2]]
        joint = with_inequalities(joint, more)
        extra = joint_cells or JointCells((), ())
        if extra.cells or extra.relations:
            joint = Table(
                (*joint.cells, *extra.cells),
                (*joint.relations, *extra.relations),
                joint.kind,
                joint.link_keys | extra.links,
                joint.inequalities,
            )
        _check_no_revision(joint, earlier.get("aantallen"))
        runs["aantallen"] = protect_table(
            joint,
            profile=spec.profiel,
            seed=seed,
            ledger=earlier.get("aantallen"),
            suppress=extra.hidden,
            publish=extra.known | extra.omit,
            values=extra.values,
            intervals=extra.intervals,
        )
    if amounts:
        rule = get_profile(spec.profiel).frequency
        joint = link_tables(*amounts)
        _check_no_revision(joint, earlier.get("bedragen"))
        few = {c.key for c in joint.cells if rule is not None and rule.is_sensitive(c.count)}
        runs["bedragen"] = protect_table(
            joint, profile=AMOUNT_PROFILE, seed=seed, suppress=few, ledger=earlier.get("bedragen")
        )
    levels = _levels(agg.division)
    outputs = []
    for table in agg.tables:
        counted = table.measure == "aantal"
        run = runs["aantallen" if counted else "bedragen"]
        keys = built[table.name][1]
        if joint_cells is not None and joint_cells.omit:
            keys = {k: v for k, v in keys.items() if v not in joint_cells.omit}
        outputs.append(_output(table, keys, run, levels, counted))
    return ProtectedDelivery(agg, outputs, runs)


def _output(
    table: AggregatedTable,
    keys: dict[tuple[str, str, tuple[str, ...]], CellKey],
    run: ProtectedTable,
    levels: dict[str, str],
    counted: bool,
) -> ProtectedOutput:
    cols: dict[str, list[object]] = {"periode": [], "regiocode": [], "niveau": [], "categorie": []}
    for d in table.dimensions:
        cols[d] = []
    cols["waarde"], cols["status"] = [], []
    hidden: dict[str, int] = {}
    letters: list[str] = []
    for (period, region, combo), key in keys.items():
        status = run.status(key)
        letters.append(status.value)
        cols["periode"].append(period)
        cols["regiocode"].append(region)
        cols["niveau"].append(levels[region])
        cols["categorie"].append(" | ".join(combo) if combo else TOTAL)
        for d, v in zip(table.dimensions, combo, strict=True):
            cols[d].append(v)
        cols["waarde"].append(run.value(key))
        cols["status"].append(HIDDEN_STATUS if status.suppressed else status.value)
        if status in (CellStatus.PRIMARY_SUPPRESSED, CellStatus.SECONDARY_SUPPRESSED):
            # in a count run only the ledger hides cells by hand: hidden by an earlier delivery;
            # in an amount run the ledger's secondaries are 'manual' too, but not primary
            own = run.reasons[key].value
            secondary = status == CellStatus.SECONDARY_SUPPRESSED or (counted and own == "manual")
            reason = "secundair" if secondary else COARSE_REASON.get(own, "secundair")
            hidden[reason] = hidden.get(reason, 0) + 1
    data = pa.table(
        {
            name: pa.array(values, pa.float64() if name == "waarde" else pa.string())
            for name, values in cols.items()
        }
    )
    profile = run.profile.name
    return ProtectedOutput(table, profile, data, dict(sorted(hidden.items())), tuple(letters))
