"""Link pseudonymised extracts and count every combination of provisions (stapeling).

Written once in Ibis, run on DuckDB (default) or Spark. Per period and per unit (person,
household):

1. **Rows**: every extract's rows ``(periode, persoon, huishouden, buurt, maand)``; each buurt
   code becomes its rank among all codes found (the division's and any other), so "ties →
   smallest buurtcode" is integer arithmetic on both engines.
2. **One buurt per unit** (the *laatste-adres* rule): the buurt of the row with the latest
   ``maand`` over all extracts; ties → the smallest buurtcode. A household has provision P when
   any row of P carries its pseudonym (a person of the household, or the household itself).
3. **Combinations**: units per buurt and ja/nee per provision, rolled up to wijk, gemeente (and
   land): the ``2^k - 1`` exclusive combinations, per provision the marginal (that provision
   ``ja``, the others ``totaal``) and the total (:func:`~.link_results.exclusive_combos`), not
   the ``3^k`` ja/nee/totaal cross table. The universe is "units with at least one provision",
   so the all-``nee`` cell is a structural zero (absent). With three or more provisions, a
   second table ``<unit>_minstens`` counts the units with ``k`` or more provisions
   (:mod:`~.link_at_least`, summed from the exclusive combinations).
4. **Movers**: per provision, units that P's own extract places elsewhere than the link rule
   (``binnen``/``buiten``) — the relations joint protection needs with the partners' marginals.

Units whose linked buurt lies outside the division are counted in the report, not linked.
"""

from __future__ import annotations

import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.protect.published import TOTAL
from buurtbeeld.source.aggregate import AggregatedTable, Aggregation
from buurtbeeld.source.engines import EngineName, connect
from buurtbeeld.source.link_at_least import at_least_ks, at_least_table
from buurtbeeld.source.link_extracts import Extract, read_extracts
from buurtbeeld.source.link_report import LinkReport, build_report
from buurtbeeld.source.link_results import NO, YES, exclusive_combos, movers_table
from buurtbeeld.source.link_results import movers as mover_cells
from buurtbeeld.source.link_spec import ExtractReadError, LinkSpec
from buurtbeeld.source.periods import Period
from buurtbeeld.source.regions import Division, load_division
from buurtbeeld.source.spec import TableSpec

BUURT_NR = 100_000  # buurt numbers (rank among all codes found) are below this
Progress = Callable[[str], None]
UNITS = {"personen": "persoon", "huishoudens": "huishouden"}


@dataclass
class LinkedCounts:
    """The link counts before protection (no pseudonym, no record)."""

    spec: LinkSpec
    division: Division
    periods: list[Period]
    tables: list[AggregatedTable]
    categories: dict[str, list[str]]
    movers: pa.Table
    extracts: list[Extract]
    report: LinkReport
    engine: str = "duckdb"

    def table(self, name: str) -> AggregatedTable:
        """An output table by name (``personen``, ``huishoudens``, ``huishoudens_minstens`` …)."""
        return next(t for t in self.tables if t.name == name)

    def to_aggregation(self) -> Aggregation:
        """The counts in the shape ``source.protection`` takes (``spec`` is the koppelspec)."""
        return Aggregation(
            spec=cast(Any, self.spec),
            division=self.division,
            periods=self.periods,
            tables=self.tables,
            categories=self.categories,
            rows_read=sum(e.rows for e in self.extracts),
            engine=self.engine,
        )


@contextmanager
def _workdir(path: Path | None) -> Iterator[Path]:
    if path is not None:
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    folder = Path(tempfile.mkdtemp(prefix="buurtbeeld-koppel-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _say(progress: Progress | None, text: str) -> None:
    if progress is not None:
        progress(text)


def _region_arrow(division: Division, found: list[str]) -> tuple[pa.Table, pa.Table, list[str]]:
    """Every buurt code (found or in the division) → its rank; the division's levels per rank.

    ``levels`` (``l_nr``, ``l_code``) holds each division buurt's own code, wijk, gemeente (and
    the country); codes outside the division have a rank but no levels, so a roll-up drops them.
    """
    codes = sorted(set(found) | set(division.buurten))
    if len(codes) >= BUURT_NR:  # pragma: no cover - the Netherlands has ~14,000 buurten
        raise ValueError("too many buurt codes")
    top = [COUNTRY_CODE] if division.national else []
    nrs: list[int] = []
    regions: list[str] = []
    for nr, code in enumerate(codes):
        parents = division.buurten.get(code)
        if parents is None:
            continue
        chain = [code, *parents, *top]
        nrs += [nr] * len(chain)
        regions += chain
    area = pa.table(
        {"a_buurt": pa.array(codes, pa.string()), "a_nr": pa.array(range(len(codes)), pa.int64())}
    )
    levels = pa.table({"l_nr": pa.array(nrs, pa.int64()), "l_code": pa.array(regions, pa.string())})
    return area, levels, codes


def _parquet(con: BaseBackend, table: pa.Table, path: Path) -> ir.Table:
    # Parquet rather than memtables: Spark does not see memtables inside cache()
    pq.write_table(table, path)
    return con.read_parquet(path)


def link(
    spec: LinkSpec,
    engine: EngineName | None = None,
    progress: Progress | None = None,
    *,
    con: BaseBackend | None = None,
    workdir: Path | None = None,
) -> LinkedCounts:
    """Link the koppelspec's extracts and count every combination, persons and households.

    Parameters
    ----------
    spec
        The validated koppelspec.
    engine
        ``duckdb`` or ``spark``; default: the spec's ``engine``.
    progress
        Called with a Dutch description of each step.
    con
        An open Ibis backend to use instead (tests share one Spark session).
    workdir
        Folder for intermediate files, DuckDB's spill files included (default: a temporary
        folder, removed afterwards). The caller removes a folder it passes.

    Raises
    ------
    LinkError
        ``BB-KOP-002`` … ``BB-KOP-005``: an extract is unreadable or does not fit the others.
    """
    engine = engine or spec.engine
    _say(progress, "Extracten controleren")
    extracts, periods = read_extracts(spec)
    division = load_division(spec.gemeenten, spec.indelingsjaar)
    with _workdir(workdir) as folder:
        try:
            tables, movers, outside = _link_all(
                con, engine, folder, extracts, division, progress, spec.at_least_levels
            )
        except _engine_errors() as err:
            raise ExtractReadError(
                "De extracten zijn niet volledig te lezen (beschadigd of afgebroken bestand?)."
            ) from err
    used: dict[str, set[str]] = {}
    for t in tables:
        for i, d in enumerate(t.dimensions):
            used.setdefault(d, set()).update(c[i] for c in t.combos or ())
    categories = {d: sorted(v - {TOTAL}, key=lambda c: (len(c), c)) for d, v in used.items()}
    combined = [t for t in tables if t.at_least_of is None]
    report = build_report(spec, division, extracts, combined, outside)
    return LinkedCounts(
        spec,
        division,
        periods,
        tables,
        categories,
        movers_table(movers),
        extracts,
        report,
        engine,
    )


def _engine_errors() -> tuple[type[BaseException], ...]:
    """The engines' own errors for unreadable input (anything else is a bug and surfaces)."""
    import duckdb

    errors: list[type[BaseException]] = [duckdb.Error]
    try:
        from pyspark.errors import PySparkException
    except ImportError:  # pragma: no cover - Spark is an optional extra
        pass
    else:
        errors.append(PySparkException)
    return tuple(errors)


def _link_all(
    con: BaseBackend | None,
    engine: EngineName,
    folder: Path,
    extracts: list[Extract],
    division: Division,
    progress: Progress | None,
    at_least_levels: tuple[str, ...] | None = None,
) -> tuple[list[AggregatedTable], list[dict[str, Any]], Counter[str]]:
    backend = con or connect(engine)
    if con is None and engine == "duckdb":
        # spill files hold pseudonyms: keep them in the folder that is always removed
        backend.raw_sql(f"SET temp_directory = '{folder / 'duckdb'}'")
    _say(progress, "Extracten lezen")
    raw = [
        backend.read_parquet(e.spec.pad).select(
            "periode", "persoon", "huishouden", "buurt", "maand", src=ibis.literal(i)
        )
        for i, e in enumerate(extracts)
    ]
    rows = ibis.union(*raw, distinct=False)
    found = backend.to_pyarrow(rows.select("buurt").distinct())["buurt"].to_pylist()
    area_arrow, levels_arrow, codes = _region_arrow(division, [c for c in found if c])
    area = _parquet(backend, area_arrow, folder / "gebied.parquet")
    levels = _parquet(backend, levels_arrow, folder / "niveaus.parquet")
    j = rows.join(area, rows.buurt == area.a_buurt)
    keyed = j.select(
        "periode",
        "persoon",
        "huishouden",
        "src",
        k=j.maand.cast("int64") * BUURT_NR + (BUURT_NR - 1 - j.a_nr),
    )
    tables: list[AggregatedTable] = []
    movers: list[dict[str, Any]] = []
    outside: Counter[str] = Counter()
    for label, unit in UNITS.items():
        members = [i for i, e in enumerate(extracts) if label == "huishoudens" or e.has_persons]
        if len(members) < 2:
            continue
        _say(progress, f"{label.capitalize()} koppelen en tellen")
        names = [extracts[i].name for i in members]
        table, mover_rows, out = _count_unit(
            backend, keyed, levels, unit, label, members, names, division, codes
        )
        tables.append(table)
        if at_least_ks(len(names)) and at_least_levels != ():
            tables.append(at_least_table(table, names, at_least_levels))
        movers += mover_rows
        outside[label] = out
    return tables, movers, outside


def _exclusive_rollup(leaf: ir.Table, names: list[str], levels: ir.Table) -> ir.Table:
    """Exclusive combinations, per-provision marginals and the total at every level."""
    parts = [
        leaf.select("periode", "buurt", *names, aantal=leaf.aantal),
        *(
            leaf.filter(leaf[p] == YES).select(
                "periode",
                "buurt",
                **{d: leaf[d] if d == p else ibis.literal(TOTAL) for d in names},
                aantal=leaf.aantal,
            )
            for p in names
        ),
        leaf.select(
            "periode", "buurt", **dict.fromkeys(names, ibis.literal(TOTAL)), aantal=leaf.aantal
        ),
    ]
    t = ibis.union(*parts, distinct=False)
    j = t.join(levels, t.buurt == levels.l_nr)
    return j.group_by(["periode", j.l_code.name("regiocode"), *names]).aggregate(
        aantal=j.aantal.sum()
    )


def _count_unit(
    con: BaseBackend,
    keyed: ir.Table,
    levels: ir.Table,
    unit: str,
    label: str,
    members: list[int],
    names: list[str],
    division: Division,
    codes: list[str],
) -> tuple[AggregatedTable, list[dict[str, Any]], int]:
    sel = keyed.filter(keyed[unit].notnull() & keyed.src.isin(members))
    per_src = sel.group_by(["periode", unit, "src"]).aggregate(k=sel.k.max())
    with per_src.cache() as cached:
        flags = {
            name: ibis.ifelse(cached.src == i, 1, 0).max()
            for name, i in zip(names, members, strict=True)
        }
        units = cached.group_by(["periode", unit]).aggregate(k=cached.k.max(), **flags)
        units = units.select(
            "periode",
            unit,
            buurt=BUURT_NR - 1 - units.k % BUURT_NR,
            **{n: ibis.ifelse(units[n] == 1, YES, NO) for n in names},
        )
        with units.cache() as linked:
            leaf = linked.group_by(["periode", "buurt", *names]).aggregate(aantal=linked.count())
            with leaf.cache() as leaf_c:
                per_buurt = con.to_pyarrow(
                    leaf_c.group_by("buurt").aggregate(n=leaf_c.aantal.sum())
                )
                data = con.to_pyarrow(
                    _exclusive_rollup(leaf_c, names, levels).order_by(
                        ["periode", "regiocode", *names]
                    )
                )
            pairs = cached.join(linked.select("periode", unit, lb=linked.buurt), ["periode", unit])
            own = (BUURT_NR - 1 - pairs.k % BUURT_NR).name("pb")
            moved = pairs.group_by(["periode", "src", own, "lb"]).aggregate(n=pairs.count())
            mover_pairs = con.to_pyarrow(moved).to_pylist()
    inside = {nr for nr, code in enumerate(codes) if code in division.buurten}
    out = sum(
        int(n)
        for nr, n in zip(per_buurt["buurt"].to_pylist(), per_buurt["n"].to_pylist(), strict=True)
        if int(nr) not in inside
    )
    table_spec = TableSpec.model_construct(
        naam=label,
        titel=f"Stapeling ({label})",
        dimensies=names,
        maat="aantal",
        kolom=None,
        eenheid=label,
        richting="neutraal",
    )
    table = AggregatedTable(
        name=label,
        spec=table_spec,
        title=f"Stapeling van voorzieningen ({label})",
        dimensions=names,
        additive=dict.fromkeys(names, True),
        measure="aantal",
        unit=label,
        data=data,
        combos=exclusive_combos(names),
    )
    names_by_src = dict(zip(members, names, strict=True))
    movers = mover_cells(mover_pairs, names_by_src, label, division, codes)
    return table, movers, out


__all__ = ["NO", "YES", "LinkedCounts", "link"]
