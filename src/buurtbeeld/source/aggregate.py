"""Aggregate record-level rows to distinct units per region, period and category — written once
in Ibis, run on DuckDB (default) or Spark.

Steps (every one an Ibis expression, so both engines run the same plan):

1. **Normalise** each input file (:mod:`buurtbeeld.source.normalise`): keys trimmed, BSNs
   without their leading zeros and checked (:mod:`buurtbeeld.source.identifiers`), postcodes as
   ``1234AB``, buurtcodes as ``BU…``, dates as integers ``yyyymmdd`` (declared format, ISO as
   fallback, impossible dates flagged; a snapshot without date column gets its peildatum),
   amounts as integer cents (decimal comma or point), categories recoded.
2. **Deduplicate**: rows equal in every used field count once; their number is reported.
3. **Classify** each row: valid, or the *first* reason it is bad (missing or invalid key,
   unknown region, impossible date, …). Bad rows are counted per reason and never printed.
4. **Place** valid rows in periods (flow: active at some moment of the period; stock: active on
   the reference day).
5. **Units, not records**: every unit (person or household) gets the buurt of its latest record
   in the period, and the category of its latest record for every dimension that has one
   category per unit. For a dimension with several categories per unit
   (``meerdere_per_eenheid``) the unit counts once in each of its categories, and the total —
   a distinct count, not the sum — becomes a separate table ``<tabel>_totaal``.
6. **All levels**: counts per buurt are rolled up to wijk, gemeente (and land) — one join with
   a table of every buurt's regions — and over every one-category-per-unit dimension
   (``totaal``), so protection sees every relation. Buurten travel as integers (their rank in
   the division) until this last step.
   Amount tables carry per cell the number of holdings (households), the sum and the two largest
   holding sums (for the p%-rule), computed at every level by the engine.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from pathlib import Path
from typing import Any, Literal

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.source.engines import EngineName, connect
from buurtbeeld.source.errors import SpecError
from buurtbeeld.source.normalise import (
    amount_columns,
    classify,
    holding_key,
    key_types,
    lookup_table,
    normalise,
    source_columns,
)
from buurtbeeld.source.periods import Period
from buurtbeeld.source.readers import require_columns, stage
from buurtbeeld.source.regions import Division, load_division
from buurtbeeld.source.spec import DeliverySpec, Dimension, InputFile, TableSpec

TOTAL = "totaal"
MAX_CATEGORIES = 60
Progress = Callable[[str], None]


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
    """

    name: str
    spec: TableSpec
    title: str
    dimensions: list[str]
    additive: dict[str, bool]
    measure: Literal["aantal", "som"]
    unit: str
    data: pa.Table


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


# -- periods --------------------------------------------------------------------------------


def _active(rows: ir.Table, spec: DeliverySpec, start: Any, end: Any, ref: Any) -> ir.BooleanValue:
    period = spec.periode
    if period.einde is None:
        return (rows.begin >= start) & (rows.begin <= end)
    if period.soort == "peildatum":
        return (rows.begin <= ref) & (rows.einde.isnull() | (rows.einde >= ref))
    return (rows.begin <= end) & (rows.einde.isnull() | (rows.einde >= start))


def _periods_table(
    con: BaseBackend, spec: DeliverySpec, periods: list[Period], folder: Path
) -> ir.Table:
    # a small Parquet file rather than a memtable: Spark does not see memtables inside cache()
    path = folder / "perioden.parquet"
    pq.write_table(
        pa.table(
            {
                "periode": pa.array([p.label for p in periods], pa.string()),
                "p_start": pa.array([p.start_int for p in periods], pa.int64()),
                "p_end": pa.array([p.end_int for p in periods], pa.int64()),
                "p_ref": pa.array([spec.periode.reference_int(p) for p in periods], pa.int64()),
            }
        ),
        path,
    )
    return con.read_parquet(path)


def _dimension_value(act: ir.Table, dim: Dimension) -> ir.StringValue:
    value = act[f"d_{dim.naam}"]
    if dim.soort == "categorie":
        return value
    labels = dim.band_labels()
    bands = dim.klassen or []
    number = (act.p_ref - value) // 10000 if dim.soort == "leeftijd" else value
    cases = [(number >= lo, label) for lo, label in reversed(list(zip(bands, labels, strict=True)))]
    return ibis.cases(*cases, else_=ibis.null("string"))


def _latest(act: ir.Table, value: ir.StringValue) -> ir.StringValue:
    """The value of the latest record (ties: the largest value) — deterministic on every engine."""
    return (act.begin.cast("string") + value).max().substr(8)


BUURT_NR = 100_000  # buurt numbers (their rank in the division) are below this


def _latest_buurt(act: ir.Table) -> ir.IntegerValue:
    """The buurt number of the unit's latest record (ties: the largest number).

    Integer arithmetic on ``yyyymmdd * BUURT_NR + nr``: as deterministic as :func:`_latest` on
    every engine and much cheaper than building a text per record.
    """
    return (act.begin * BUURT_NR + act.buurt).max() % BUURT_NR


def _region_tables(con: BaseBackend, division: Division, folder: Path) -> tuple[ir.Table, ir.Table]:
    """The buurten as numbers, and every buurt number's regions at every level.

    ``area`` (``a_buurt``, ``a_nr``): buurtcode → its rank among the division's buurten; the
    counting works on these integers. ``levels`` (``l_nr``, ``l_code``): each buurt number
    with its own code, its wijk, its gemeente (and the country): one join rolls a table up to
    every level.
    """
    out = []
    for name, table in _region_arrow(division.area, division.year).items():
        # Parquet rather than memtables: Spark does not see memtables inside cache()
        path = folder / f"{name}.parquet"
        pq.write_table(table, path)
        out.append(con.read_parquet(path))
    return out[0], out[1]


@lru_cache(maxsize=8)
def _region_arrow(area: tuple[str, ...], year: int) -> dict[str, pa.Table]:
    division = load_division(area, year)
    codes = sorted(division.buurten)
    assert len(codes) < BUURT_NR
    top = [COUNTRY_CODE] if division.national else []
    chains = [[code, *division.buurten[code], *top] for code in codes]
    nrs = [nr for nr, chain in enumerate(chains) for _ in chain]
    regions = [region for chain in chains for region in chain]
    return {
        "gebied": pa.table(
            {
                "a_buurt": pa.array(codes, pa.string()),
                "a_nr": pa.array(range(len(codes)), pa.int64()),
            }
        ),
        "niveaus": pa.table(
            {"l_nr": pa.array(nrs, pa.int64()), "l_code": pa.array(regions, pa.string())}
        ),
    }


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


def _two_largest(t: ir.Table, cell: list[str], value: str) -> ir.Table:
    """Per cell the largest and second largest ``value`` (null when there is one value).

    Two aggregations and a join instead of a ranking window: no sort of all holdings.
    """
    first = t.group_by(cell).aggregate(top1_cent=t[value].max())
    j = t.join(first, cell)
    second = j.group_by(cell).aggregate(
        top1_cent=j.top1_cent.max(),
        n_top=j.count(where=j[value] == j.top1_cent),
        below=j[value].max(where=j[value] < j.top1_cent),
    )
    return second.select(
        *cell,
        top1_cent=second.top1_cent,
        top2_cent=ibis.ifelse(second.n_top >= 2, second.top1_cent, second.below),
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
        sums = per_holding.group_by(leaf).aggregate(
            bijdragers=per_holding.count(), som_cent=per_holding.cent.sum()
        )
        best = _two_largest(per_holding, leaf, "cent")
        parts.append(sums.join(best, leaf).select(sums, best.top1_cent, best.top2_cent))
    buurten = parts[0] if len(parts) == 1 else ibis.union(*parts, distinct=False)
    # every level at once, the buurt level included (a buurt is the only buurt of its own code)
    up = buurten.join(levels, buurten.buurt == levels.l_nr).select(
        "periode", *dims, "bijdragers", "som_cent", "top1_cent", "top2_cent", regiocode="l_code"
    )
    cell = ["periode", "regiocode", *dims]
    sums = up.group_by(cell).aggregate(bijdragers=up.bijdragers.sum(), som_cent=up.som_cent.sum())
    tops = ibis.union(
        up.select(*cell, v=up.top1_cent),
        up.filter(up.top2_cent.notnull()).select(*cell, v=up.top2_cent),
        distinct=False,
    )
    best = _two_largest(tops, cell, "v")
    return sums.join(best, cell).select(sums, best.top1_cent, best.top2_cent)


# -- the whole aggregation ------------------------------------------------------------------


@contextmanager
def _workdir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="buurtbeeld-bron-") as tmp:
        yield Path(tmp)


def _say(progress: Progress | None, text: str) -> None:
    if progress is not None:
        progress(text)


def _ordered(con: BaseBackend, expr: ir.Table, keys: list[str]) -> pa.Table:
    return con.to_pyarrow(expr.order_by(keys))


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
    division = load_division(spec.gemeenten, spec.indelingsjaar)
    periods = spec.periode.periods()
    backend = con or connect(engine)
    with _workdir(workdir) as folder:
        _say(progress, "Invoer lezen")
        staged = [
            stage(item, folder, i, decimal=spec.decimaalteken)
            for i, item in enumerate(spec.bestanden)
        ]
        needed = source_columns(spec)
        for s in staged:
            require_columns(s, needed)
        lookup = None
        if spec.regio.koppeltabel is not None:
            lt = spec.regio.koppeltabel
            lookup_staged = stage(lt, folder, len(staged), decimal=spec.decimaalteken)
            require_columns(
                lookup_staged,
                [c for c in (lt.postcode, lt.buurtcode, lt.huisnummer) if c],
                "de koppeltabel",
            )
            lookup = lookup_table(backend, lookup_staged, spec)
        bad: Counter[str] = Counter()
        shape_errors = sum(s.bad_shape_rows for s in staged)
        if shape_errors:
            bad["regel met verkeerd aantal velden"] = shape_errors
        types = key_types(spec, staged)
        files = [
            normalise(backend.read_parquet(s.parquet).select(*needed), spec, types) for s in staged
        ]
        rows = files[0] if len(files) == 1 else ibis.union(*files, distinct=False)
        area, levels = _region_tables(backend, division, folder)
        _say(progress, "Dubbele en ongeldige regels tellen")
        n_rows = sum(pq.ParquetFile(s.parquet).metadata.num_rows for s in staged)
        rows_read = n_rows + shape_errors
        classified = classify(rows.distinct(), spec, lookup, area)
        with classified.cache() as cached:
            valid = cached.filter(cached.reden.isnull())
            in_any = ibis.literal(False)
            for p in periods:
                in_any = in_any | _active(
                    cached, spec, p.start_int, p.end_int, spec.periode.reference_int(p)
                )
            # one pass over the cached rows: rows per reason, and valid rows in no period
            outside_any = (cached.reden.isnull() & ~in_any.fill_null(False)).cast("int64")
            counts = backend.to_pyarrow(
                cached.group_by("reden").aggregate(n=cached.count(), buiten=outside_any.sum())
            ).to_pylist()
            unique = sum(int(row["n"]) for row in counts)
            if n_rows - unique:
                bad["dubbele regel (eenmaal geteld)"] = n_rows - unique
            outside = 0
            for row in counts:
                if row["reden"] is None:
                    outside = int(row["buiten"] or 0)
                else:
                    bad[str(row["reden"])] += int(row["n"])
            periods_t = _periods_table(backend, spec, periods, folder)
            act = valid.cross_join(periods_t)
            act = act.filter(_active(act, spec, act.p_start, act.p_end, act.p_ref))
            dims = {d.naam: d for d in spec.used_dimensions()}
            act = act.mutate(
                **{f"c_{name}": _dimension_value(act, dim) for name, dim in dims.items()}
            )
            tables: list[AggregatedTable] = []
            # several tables read the same active records of several periods: compute them once
            # (for one period they are a cheap filter of the cached rows)
            reuse = len(spec.tabellen) > 1 and len(periods) > 1
            with (
                act.cache() if reuse else nullcontext(act) as active,
                ExitStack() as kept,
            ):
                regions = _SharedRegions(spec, kept)
                # count tables first: an amount table reuses their units' buurt
                for table in sorted(spec.tabellen, key=lambda t: t.maat == "som"):
                    _say(progress, f"Tabel '{table.naam}' tellen")
                    tables += _aggregate_table(backend, active, spec, table, levels, regions)
            order = {t.naam: i for i, t in enumerate(spec.tabellen)}
            tables.sort(key=lambda t: order[t.spec.naam])
    categories = _categories(spec, tables)
    return Aggregation(
        spec=spec,
        division=division,
        periods=periods,
        tables=tables,
        categories=categories,
        rows_read=rows_read,
        bad_rows=bad,
        outside_period=outside,
        engine=engine,
    )


class _SharedRegions:
    """The per-unit tables of count tables (each unit's buurt), kept for an amount table of the
    same delivery whose holdings are the same units: the latest buurt is computed once."""

    def __init__(self, spec: DeliverySpec, stack: ExitStack) -> None:
        self._stack = stack
        self._wanted = {holding_key(spec) for t in spec.tabellen if t.maat == "som"}
        self._units: dict[str, ir.Table] = {}

    def keep(self, unit: str, units: ir.Table, *, reused: bool) -> ir.Table:
        """``units`` (cached when it is read again here or by an amount table)."""
        if unit in self._wanted and unit not in self._units:
            cached = self._stack.enter_context(units.cache())
            self._units[unit] = cached
            return cached
        return self._stack.enter_context(units.cache()) if reused else units

    def region(self, holding: str) -> ir.Table | None:
        """(periode, holding, buurt) from a count table's units, if there was one."""
        units = self._units.get(holding)
        return None if units is None else units.select("periode", holding, "buurt")


def _aggregate_table(
    con: BaseBackend,
    act: ir.Table,
    spec: DeliverySpec,
    table: TableSpec,
    levels: ir.Table,
    regions: _SharedRegions,
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
            region = act.group_by(["periode", holding]).aggregate(buurt=_latest_buurt(act))
        sums = act.group_by(
            ["periode", holding, *[act[f"c_{n}"].name(n) for n in names]]
        ).aggregate(cent=act[f"bedrag_{column}"].sum())
        with sums.join(region, ["periode", holding]).cache() as contrib:
            data = _ordered(
                con,
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
                data,
            )
        ]
    unit = "persoon" if spec.table_unit(table) == "personen" else "huishouden"
    units = act.group_by(["periode", unit]).aggregate(
        buurt=_latest_buurt(act),
        **{n: _latest(act, act[f"c_{n}"]) for n in exclusive},
    )
    # a table with a multi-valued dimension reads the units twice: compute them once
    cached = regions.keep(unit, units, reused=bool(multi))
    return _count_tables(con, act, cached, spec, table, levels, unit, exclusive, multi)


def _count_tables(
    con: BaseBackend,
    act: ir.Table,
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
    totals = _ordered(
        con,
        _rollup_counts(base, exclusive, exclusive, levels),
        ["periode", "regiocode", *exclusive],
    )
    label = spec.table_unit(table)
    if multi:
        m = multi[0]
        incidence = act.select("periode", unit, **{m: act[f"c_{m}"]}).distinct()
        joined = units.join(incidence, ["periode", unit])
        leaf = joined.group_by(["periode", "buurt", *names]).aggregate(aantal=joined.count())
        data = _ordered(
            con,
            _rollup_counts(leaf, names, exclusive, levels),
            ["periode", "regiocode", *names],
        )
        out.append(
            AggregatedTable(
                table.naam,
                table,
                table.titel,
                names,
                {n: n != m for n in names},
                "aantal",
                label,
                data,
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
                totals,
            )
        )
    else:
        out.append(
            AggregatedTable(
                table.naam,
                table,
                table.titel,
                names,
                dict.fromkeys(names, True),
                "aantal",
                label,
                totals,
            )
        )
    return out


def _categories(spec: DeliverySpec, tables: list[AggregatedTable]) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {d.naam: set(d.categories()) for d in spec.used_dimensions()}
    for table in tables:
        for d in table.dimensions:
            found[d] |= {str(v) for v in table.data[d].to_pylist() if v != TOTAL}
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
    "TOTAL",
    "AggregatedTable",
    "Aggregation",
    "InputFile",
    "aggregate",
]
