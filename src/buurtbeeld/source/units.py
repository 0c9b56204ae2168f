"""From a delivery spec to the valid records of each period and each unit's buurt (steps 1-5).

Aggregation (:mod:`buurtbeeld.source.aggregate`) and pseudonymisation
(:mod:`buurtbeeld.source.pseudonym`) share these steps exactly — same spec, same readers and
normalisers, same bad-row counts — so a pseudonymised extract holds the units the package counts.
Every step is an Ibis expression, so DuckDB and Spark run the same plan:

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
   in the period (:func:`latest_buurt`; ties: the largest buurt number).

Buurten travel as integers (their rank in the division, :func:`region_tables`) until the end.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.source.batch import Batch
from buurtbeeld.source.normalise import (
    classify,
    key_types,
    lookup_table,
    needed_keys,
    normalise,
    source_columns,
)
from buurtbeeld.source.periods import Period
from buurtbeeld.source.readers import require_columns, stage
from buurtbeeld.source.regions import Division, load_division
from buurtbeeld.source.spec import DeliverySpec

Progress = Callable[[str], None]
BUURT_NR = 100_000  # buurt numbers (their rank in the division) are below this


@dataclass
class RowCounts:
    """What happened to the rows of a delivery (counts only; no record content)."""

    rows_read: int
    bad_rows: Counter[str] = field(default_factory=Counter)
    outside_period: int = 0

    @property
    def valid_rows(self) -> int:
        """Rows that passed every check (after removing duplicates)."""
        return self.rows_read - sum(self.bad_rows.values())


_PER_REASON = "rijen_per_reden"


@dataclass
class _Tally:
    """Rows per reason (from the engine, directly or through a batch) → :class:`RowCounts`."""

    file_rows: int
    rows_read: int
    bad: Counter[str]
    rows: list[dict[str, Any]] | None = None
    batch: Batch | None = None

    def counts(self) -> RowCounts:
        rows = self.rows
        if rows is None:
            assert self.batch is not None
            rows = self.rows = self.batch.result(_PER_REASON).to_pylist()
        bad = Counter(self.bad)
        unique = sum(int(row["n"]) for row in rows)
        if self.file_rows - unique:
            bad["dubbele regel (eenmaal geteld)"] = self.file_rows - unique
        outside = 0
        for row in rows:
            if row["reden"] is None:
                outside = int(row["buiten"] or 0)
            else:
                bad[str(row["reden"])] += int(row["n"])
        return RowCounts(self.rows_read, bad, outside)


@dataclass
class ActiveRecords:
    """The valid records of a delivery in each period they are active in (steps 1-4).

    ``active`` has the normalised columns (``persoon``, ``huishouden``, ``begin``, ``einde``,
    ``d_<dimensie>``, ``bedrag_<i>``, ``buurt`` as a number), plus ``periode``, ``p_start``,
    ``p_end`` and ``p_ref``; one row per record and period (:meth:`narrow`: only some of
    these columns). It is valid only inside :func:`active_records`.
    """

    backend: BaseBackend
    division: Division
    periods: list[Period]
    tally: _Tally
    valid: ir.Table
    periods_table: ir.Table
    spec: DeliverySpec
    levels: ir.Table
    buurt_codes: list[str]

    @property
    def active(self) -> ir.Table:
        """Every valid record with all its columns, in each period it is active in."""
        return self.narrow(self.valid.columns)

    def narrow(self, columns: list[str]) -> ir.Table:
        """The valid records with only these columns (and their dates), in each period they are
        active in. Selections of different columns are different expressions: read by one
        consumer each, they are not shared (on DuckDB a shared one is written out in full)."""
        wanted = {*columns, "begin", "einde"}
        rows = self.valid.select(*[c for c in self.valid.columns if c in wanted])
        act = rows.cross_join(self.periods_table)
        return act.filter(active(act, self.spec, act.p_start, act.p_end, act.p_ref))

    @property
    def counts(self) -> RowCounts:
        """What happened to the rows (with a batch: once the batch has run)."""
        return self.tally.counts()


def active(rows: ir.Table, spec: DeliverySpec, start: Any, end: Any, ref: Any) -> ir.BooleanValue:
    """Whether a record counts in the period ``start``..``end`` (reference day ``ref``)."""
    period = spec.periode
    if period.einde is None:
        return (rows.begin >= start) & (rows.begin <= end)
    if period.soort == "peildatum":
        return (rows.begin <= ref) & (rows.einde.isnull() | (rows.einde >= ref))
    return (rows.begin <= end) & (rows.einde.isnull() | (rows.einde >= start))


def _periods_table(
    con: BaseBackend, spec: DeliverySpec, periods: list[Period], folder: Path
) -> ir.Table:
    table = pa.table(
        {
            "periode": pa.array([p.label for p in periods], pa.string()),
            "p_start": pa.array([p.start_int for p in periods], pa.int64()),
            "p_end": pa.array([p.end_int for p in periods], pa.int64()),
            "p_ref": pa.array([spec.periode.reference_int(p) for p in periods], pa.int64()),
        }
    )
    return _small_table(con, table, folder / "perioden.parquet")


def _small_table(con: BaseBackend, table: pa.Table, path: Path) -> ir.Table:
    """A small table for the engine: an Arrow table DuckDB reads in place, a Parquet file for
    Spark (which does not see memtables inside ``cache()``)."""
    if con.name == "duckdb":
        return ibis.memtable(table)
    pq.write_table(table, path)
    return con.read_parquet(path)


def latest(act: ir.Table, value: ir.StringValue) -> ir.StringValue:
    """The value of the latest record (ties: the largest value) — deterministic on every engine."""
    return (act.begin.cast("string") + value).max().substr(8)


def latest_buurt(act: ir.Table) -> ir.IntegerValue:
    """The buurt number of the unit's latest record (ties: the largest number).

    Integer arithmetic on ``yyyymmdd * BUURT_NR + nr``: as deterministic as :func:`latest` on
    every engine and much cheaper than building a text per record.
    """
    return (act.begin * BUURT_NR + act.buurt).max() % BUURT_NR


def region_tables(con: BaseBackend, division: Division, folder: Path) -> tuple[ir.Table, ir.Table]:
    """The buurten as numbers, and every buurt number's regions at every level.

    ``area`` (``a_buurt``, ``a_nr``): buurtcode → its rank among the division's buurten; the
    counting works on these integers. ``levels`` (``l_nr``, ``l_code``): each buurt number
    with its own code, its wijk, its gemeente (and the country): one join rolls a table up to
    every level.
    """
    out = [
        _small_table(con, table, folder / f"{name}.parquet")
        for name, table in _region_arrow(division.area, division.year).items()
    ]
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


@contextmanager
def workdir(path: Path | None) -> Iterator[Path]:
    """``path`` (created), or a temporary folder removed afterwards."""
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="buurtbeeld-bron-") as tmp:
        yield Path(tmp)


def say(progress: Progress | None, text: str) -> None:
    """Report a step (a Dutch description) when someone listens."""
    if progress is not None:
        progress(text)


def _deduplicated(rows: ir.Table, carry: frozenset[str]) -> ir.Table:
    """Rows equal in every used field once; a carried key (not used by the counting) takes the
    largest value among such rows, so it never changes what counts as a duplicate."""
    if not carry:
        return rows.distinct()
    used = [c for c in rows.columns if c not in carry]
    return rows.group_by(used).aggregate(**{k: rows[k].max() for k in sorted(carry)})


@contextmanager
def active_records(
    spec: DeliverySpec,
    backend: BaseBackend,
    folder: Path,
    *,
    progress: Progress | None = None,
    carry: frozenset[str] = frozenset(),
    batch: Batch | None = None,
) -> Iterator[ActiveRecords]:
    """Read, normalise, deduplicate and classify a delivery; the valid records per period.

    Parameters
    ----------
    carry
        Keys (``persoon``, ``huishouden``) to carry along although no table counts them (the
        household of a person extract). They do not change which rows are duplicates or bad;
        a carried BSN that is not a valid one is empty.
    batch
        Count the rows per reason in this batch, with the results that read the records
        (:attr:`ActiveRecords.counts` is known once it has run); without one the classified
        rows are cached and counted right away.

    Raises
    ------
    SpecError
        ``BB-SPEC-002`` unreadable input, ``BB-SPEC-003`` missing columns.
    """
    division = load_division(spec.gemeenten, spec.indelingsjaar)
    periods = spec.periode.periods()
    carry = frozenset(carry) - needed_keys(spec)
    say(progress, "Invoer lezen")
    staged = [
        stage(item, folder, i, decimal=spec.decimaalteken) for i, item in enumerate(spec.bestanden)
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
        normalise(backend.read_parquet(s.parquet).select(*needed), spec, types, carry=carry)
        for s in staged
    ]
    rows = files[0] if len(files) == 1 else ibis.union(*files, distinct=False)
    area, levels = region_tables(backend, division, folder)
    say(progress, "Dubbele en ongeldige regels tellen")
    n_rows = sum(pq.ParquetFile(s.parquet).metadata.num_rows for s in staged)
    rows_read = n_rows + shape_errors
    classified = classify(_deduplicated(rows, carry), spec, lookup, area)
    shared = batch.shared(classified) if batch is not None else classified.cache()
    with shared as cached:
        in_any = ibis.literal(False)
        for p in periods:
            in_any = in_any | active(
                cached, spec, p.start_int, p.end_int, spec.periode.reference_int(p)
            )
        # one pass over the classified rows: rows per reason, and valid rows in no period
        outside_any = (cached.reden.isnull() & ~in_any.fill_null(False)).cast("int64")
        per_reason = cached.group_by("reden").aggregate(n=cached.count(), buiten=outside_any.sum())
        tally = _Tally(n_rows, rows_read, bad)
        if batch is None:
            tally.rows = backend.to_pyarrow(per_reason).to_pylist()
        else:
            batch.add(_PER_REASON, per_reason)
            tally.batch = batch
        yield ActiveRecords(
            backend=backend,
            division=division,
            periods=periods,
            tally=tally,
            valid=cached.filter(cached.reden.isnull()).drop("reden"),
            periods_table=_periods_table(backend, spec, periods, folder),
            spec=spec,
            levels=levels,
            buurt_codes=sorted(division.buurten),
        )
