"""Aggregate record-level rows to distinct units per region, period and category — written once
in Ibis, run on DuckDB (default) or Spark.

Steps (every one an Ibis expression, so both engines run the same plan):

1-5. **Records to units** (:mod:`buurtbeeld.source.units`, shared with pseudonymisation):
   normalise, deduplicate, classify (bad rows counted per reason, never printed), place valid
   rows in periods; every unit (person or household) gets the buurt of its latest record in the
   period, and the category of its latest record for every dimension that has one category per
   unit. For a dimension with several categories per unit (``meerdere_per_eenheid``) the unit
   counts once in each of its categories, and the total — a distinct count, not the sum —
   becomes a separate table ``<tabel>_totaal``.
6. **All levels**: counts per buurt are rolled up to wijk, gemeente (and land) — one join with
   a table of every buurt's regions — and over every one-category-per-unit dimension
   (``totaal``), so protection sees every relation. Buurten travel as integers (their rank in
   the division) until this last step.
   Amount tables carry per cell the number of holdings (households), the sum and the two largest
   holding sums (for the p%-rule), computed at every level by the engine.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from buurtbeeld.protect.published import TOTAL
from buurtbeeld.source.batch import Batch
from buurtbeeld.source.engines import EngineName, connect
from buurtbeeld.source.errors import SpecError
from buurtbeeld.source.normalise import amount_columns, holding_key
from buurtbeeld.source.periods import Period
from buurtbeeld.source.regions import Division
from buurtbeeld.source.shared_tables import ActiveRows, SharedUnits
from buurtbeeld.source.spec import DeliverySpec, InputFile, TableSpec
from buurtbeeld.source.units import (
    BUURT_NR,
    Progress,
    active_records,
    latest,
    latest_buurt,
    say,
)
from buurtbeeld.source.units import workdir as staging_folder

MAX_CATEGORIES = 60
PENDING = pa.table({})  # an aggregated table's data until its batch has run


@dataclass
class AggregatedTable:
    """One output table of a delivery, before protection.

    Attributes
    ----------
    name
        Table name in the package (``<tabel>`` or ``<tabel>_totaal``).
    dimensions
        Dimension columns of this table, in order.
    additive
        Per dimension: whether its ``totaal`` is the sum of its categories (one category per
        unit). A ``meerdere_per_eenheid`` dimension has no ``totaal`` row in this table.
    measure
        ``aantal`` (distinct units) or ``som`` (amount; cells carry holdings, sum, top 2).
    data
        Columns ``periode``, ``regiocode``, one per dimension, then ``aantal`` — or for amounts
        ``bijdragers``, ``som_cent``, ``top1_cent``, ``top2_cent``. Every region level, sorted.
        Regions or categories without units are absent (they are zero).
    combos
        ``None``: the table is the full cross table of its categories (and ``totaal`` for an
        additive dimension). Otherwise exactly these category combinations per region: a
        linked table of exclusive combinations (issue 11), where each cell with totals is the
        sum of the leaves that agree with it elsewhere (``table_relations(exclusive=True)``).
    at_least_of
        A "k or more provisions" table (issue 11): the name of the linked table whose
        exclusive combinations with at least ``k`` times ``ja`` each cell sums (its one
        dimension is ``minstens``, its categories the ``k``).
    """

    name: str
    spec: TableSpec
    title: str
    dimensions: list[str]
    additive: dict[str, bool]
    measure: Literal["aantal", "som"]
    unit: str
    data: pa.Table
    combos: tuple[tuple[str, ...], ...] | None = None
    at_least_of: str | None = None
    levels: tuple[str, ...] | None = None
    """Only regions of these levels (code prefixes ``GM``, ``WK``, ``BU``, ``NL``) have cells;
    ``None``: every region of the division."""


@dataclass
class Aggregation:
    """Everything the protect step needs, plus counts for the report (no record-level data)."""

    spec: DeliverySpec
    division: Division
    periods: list[Period]
    tables: list[AggregatedTable]
    categories: dict[str, list[str]]
    rows_read: int
    bad_rows: Counter[str] = field(default_factory=Counter)
    outside_period: int = 0
    engine: str = "duckdb"

    @property
    def valid_rows(self) -> int:
        """Rows that passed every check (after removing duplicates)."""
        return self.rows_read - sum(self.bad_rows.values())

    def table(self, name: str) -> AggregatedTable:
        """An output table by name."""
        return next(t for t in self.tables if t.name == name)


# -- roll-ups --------------------------------------------------------------------------------


def _subsets(items: list[str]) -> Iterator[set[str]]:
    for r in range(len(items) + 1):
        for combo in combinations(items, r):
            yield set(combo)


def _rollup_counts(
    leaf: ir.Table, dims: list[str], additive: list[str], levels: ir.Table
) -> ir.Table:
    """Counts per buurt number → every level and every total over the ``additive`` dims."""
    parts = [
        leaf.select(
            "periode",
            "buurt",
            **{d: (ibis.literal(TOTAL) if d in totalled else leaf[d]) for d in dims},
            aantal=leaf.aantal,
        )
        for totalled in _subsets(additive)
    ]
    t = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    j = t.join(levels, t.buurt == levels.l_nr)
    return j.group_by(["periode", j.l_code.name("regiocode"), *dims]).aggregate(
        aantal=j.aantal.sum()
    )


def _leaf_cells(per_holding: ir.Table, leaf: list[str]) -> ir.Table:
    """Contributors, sum, largest and second largest holding (null when there is one) per cell.

    Two aggregations and a join instead of a ranking window (no sort of all holdings); the
    second aggregation counts and sums as well.
    """
    first = per_holding.group_by(leaf).aggregate(t1=per_holding.cent.max())
    j = per_holding.join(first, leaf)
    g = j.group_by(leaf).aggregate(
        bijdragers=j.count(),
        som_cent=j.cent.sum(),
        top1_cent=j.t1.max(),
        n_top=j.count(where=j.cent == j.t1),
        below=j.cent.max(where=j.cent < j.t1),
    )
    return g.select(
        *leaf,
        "bijdragers",
        "som_cent",
        "top1_cent",
        top2_cent=ibis.ifelse(g.n_top >= 2, g.top1_cent, g.below),
    )


def _rollup_amounts(contrib: ir.Table, dims: list[str], holding: str, levels: ir.Table) -> ir.Table:
    """Contributors, sum and the two largest contributions per cell at every level.

    Only the buurt level looks at every holding. Every holding lies in exactly one buurt, so a
    wijk's (gemeente's, country's) two largest contributions are the two largest of its
    buurten's two largest: the higher levels compare a few values per buurt.
    """
    leaf = ["periode", "buurt", *dims]
    parts = []
    for totalled in _subsets(dims):
        t = contrib.select(
            "periode",
            "buurt",
            **{d: (ibis.literal(TOTAL) if d in totalled else contrib[d]) for d in dims},
            h=contrib[holding],
            cent=contrib.cent,
        )
        # ``contrib`` has one row per holding and category: only totals add holdings up
        per_holding = t.group_by([*leaf, "h"]).aggregate(cent=t.cent.sum()) if totalled else t
        parts.append(_leaf_cells(per_holding, leaf))
    buurten = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    # every level at once, the buurt level included (a buurt is the only buurt of its own code)
    up = buurten.join(levels, buurten.buurt == levels.l_nr).select(
        "periode", *dims, "bijdragers", "som_cent", "top1_cent", "top2_cent", regiocode="l_code"
    )
    cell = ["periode", "regiocode", *dims]
    # the two largest of the buurten's two largest (``top2_cent`` is null for one holding)
    first = up.group_by(cell).aggregate(t1=up.top1_cent.max())
    j = up.join(first, cell)
    g = j.group_by(cell).aggregate(
        bijdragers=j.bijdragers.sum(),
        som_cent=j.som_cent.sum(),
        top1_cent=j.t1.max(),
        n_top=j.count(where=j.top1_cent == j.t1) + j.count(where=j.top2_cent == j.t1),
        below1=j.top1_cent.max(where=j.top1_cent < j.t1),
        below2=j.top2_cent.max(where=j.top2_cent < j.t1),
    )
    below = ibis.ifelse(
        g.below2.isnull() | (g.below1 >= g.below2), g.below1.fill_null(g.below2), g.below2
    )
    return g.select(
        *cell,
        "bijdragers",
        "som_cent",
        "top1_cent",
        top2_cent=ibis.ifelse(g.n_top >= 2, g.top1_cent, below),
    )


# -- the whole aggregation ------------------------------------------------------------------


def aggregate(
    spec: DeliverySpec,
    *,
    engine: EngineName | None = None,
    con: BaseBackend | None = None,
    progress: Progress | None = None,
    workdir: Path | None = None,
) -> Aggregation:
    """Read, validate and aggregate a delivery on DuckDB or Spark.

    Parameters
    ----------
    spec
        The validated delivery spec.
    engine
        ``duckdb`` or ``spark``; default: the spec's ``engine``.
    con
        An open Ibis backend to use instead (tests share one Spark session).
    progress
        Called with a Dutch description of each step.
    workdir
        Folder for staged inputs (default: a temporary folder, removed afterwards).

    Raises
    ------
    SpecError
        ``BB-SPEC-002`` unreadable input, ``BB-SPEC-003`` missing columns, ``BB-SPEC-001``
        too many categories (a free-text or identifier column used as a dimension).
    """
    engine = engine or spec.engine
    backend = con or connect(engine)
    batch = Batch(backend)
    with (
        staging_folder(workdir) as folder,
        active_records(spec, backend, folder, progress=progress, batch=batch) as records,
    ):
        dims = {d.naam: d for d in spec.used_dimensions()}
        tables: list[AggregatedTable] = []
        # several tables read the same active records of several periods: compute them once
        # (for one period they are a cheap filter of the shared rows)
        reuse = len(spec.tabellen) > 1 and len(records.periods) > 1
        with (
            batch.shared(ActiveRows(records, dims, None)(records.valid.columns, list(dims)))
            if reuse
            else nullcontext(None) as shared,
            ExitStack() as kept,
        ):
            rows = ActiveRows(records, dims, shared)
            regions = SharedUnits(spec, kept, batch, rows)
            # count tables first: an amount table reuses their units' buurt
            for table in sorted(spec.tabellen, key=lambda t: t.maat == "som"):
                say(progress, f"Tabel '{table.naam}' tellen")
                tables += _aggregate_table(batch, rows, spec, table, records.levels, regions)
        batch.run()
        for t in tables:
            t.data = batch.result(t.name)
        order = {t.naam: i for i, t in enumerate(spec.tabellen)}
        tables.sort(key=lambda t: order[t.spec.naam])
        counts = records.counts
    categories = _categories(spec, tables)
    return Aggregation(
        spec=spec,
        division=records.division,
        periods=records.periods,
        tables=tables,
        categories=categories,
        rows_read=counts.rows_read,
        bad_rows=counts.bad_rows,
        outside_period=counts.outside_period,
        engine=engine,
    )


def _aggregate_table(
    batch: Batch,
    rows: ActiveRows,
    spec: DeliverySpec,
    table: TableSpec,
    levels: ir.Table,
    regions: SharedUnits,
) -> list[AggregatedTable]:
    dims = [spec.dimension(d) for d in table.dimensies]
    names = [d.naam for d in dims]
    exclusive = [d.naam for d in dims if not d.meerdere_per_eenheid]
    multi = [d.naam for d in dims if d.meerdere_per_eenheid]
    if table.maat == "som":
        holding = holding_key(spec)
        column = amount_columns(spec).index(table.kolom or "")
        region = regions.region(holding)
        if region is None:
            located = rows([holding, "buurt"], [])
            region = located.group_by(["periode", holding]).aggregate(buurt=latest_buurt(located))
        sums = regions.sums(holding, names, f"bedrag_{column}")
        if sums is None:
            act = rows([holding, f"bedrag_{column}"], names)
            sums = act.group_by(
                ["periode", holding, *[act[f"c_{n}"].name(n) for n in names]]
            ).aggregate(cent=act[f"bedrag_{column}"].sum())
        with batch.shared(sums.join(region, ["periode", holding])) as contrib:
            batch.add(
                table.naam,
                _rollup_amounts(contrib, names, holding, levels),
                ["periode", "regiocode", *names],
            )
        return [
            AggregatedTable(
                table.naam,
                table,
                table.titel,
                names,
                dict.fromkeys(names, True),
                "som",
                "huishoudens" if holding == "huishouden" else "personen",
                PENDING,
            )
        ]
    unit = "persoon" if spec.table_unit(table) == "personen" else "huishouden"
    act = rows([unit, "buurt"], exclusive)
    units = act.group_by(["periode", unit]).aggregate(
        buurt=latest_buurt(act),
        **{n: latest(act, act[f"c_{n}"]) for n in exclusive},
    )
    # a table with a multi-valued dimension reads the units twice: compute them once
    cached = regions.keep(unit, units, reused=bool(multi))
    return _count_tables(batch, regions, cached, spec, table, levels, unit, exclusive, multi)


def _count_tables(
    batch: Batch,
    regions: SharedUnits,
    units: ir.Table,
    spec: DeliverySpec,
    table: TableSpec,
    levels: ir.Table,
    unit: str,
    exclusive: list[str],
    multi: list[str],
) -> list[AggregatedTable]:
    names = list(table.dimensies)
    out: list[AggregatedTable] = []
    base = units.group_by(["periode", "buurt", *exclusive]).aggregate(aantal=units.count())
    totals = _rollup_counts(base, exclusive, exclusive, levels)
    totals_order = ["periode", "regiocode", *exclusive]
    label = spec.table_unit(table)
    if multi:
        m = multi[0]
        incidence = regions.incidence(unit, m)
        joined = units.join(incidence, ["periode", unit])
        leaf = joined.group_by(["periode", "buurt", *names]).aggregate(aantal=joined.count())
        batch.add(
            table.naam,
            _rollup_counts(leaf, names, exclusive, levels),
            ["periode", "regiocode", *names],
        )
        batch.add(f"{table.naam}_totaal", totals, totals_order)
        out.append(
            AggregatedTable(
                table.naam,
                table,
                table.titel,
                names,
                {n: n != m for n in names},
                "aantal",
                label,
                PENDING,
            )
        )
        out.append(
            AggregatedTable(
                f"{table.naam}_totaal",
                table,
                f"{table.titel} (totaal)",
                exclusive,
                dict.fromkeys(exclusive, True),
                "aantal",
                label,
                PENDING,
            )
        )
    else:
        batch.add(table.naam, totals, totals_order)
        out.append(
            AggregatedTable(
                table.naam,
                table,
                table.titel,
                names,
                dict.fromkeys(names, True),
                "aantal",
                label,
                PENDING,
            )
        )
    return out


def _categories(spec: DeliverySpec, tables: list[AggregatedTable]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {d.naam: set(d.categories()) for d in spec.used_dimensions()}
    for table in tables:
        for d in table.dimensions:
            found[d] |= {str(v) for v in pc.unique(table.data[d]).to_pylist() if v != TOTAL}
    for name, values in found.items():
        if len(values) > MAX_CATEGORIES:
            raise SpecError(
                f"Dimensie '{name}' heeft meer dan {MAX_CATEGORIES} verschillende waarden.",
                hint="Gebruik 'waarden' om de waarden in te delen in categorieën (met 'overig'), "
                "of kies een andere kolom: een dimensie is geen vrije tekst of nummer.",
            )
    order = {d.naam: d.categories() for d in spec.used_dimensions()}
    return {
        name: [c for c in order[name] if c in values] + sorted(values - set(order[name]))
        for name, values in found.items()
    }


def read_staged_table(path: Path) -> pa.Table:
    """Read a staged Parquet file (tests and debugging)."""
    return pq.read_table(path)


__all__ = [
    "BUURT_NR",
    "TOTAL",
    "AggregatedTable",
    "Aggregation",
    "InputFile",
    "aggregate",
]
