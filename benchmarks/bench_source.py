"""Benchmark of the source toolkit on a national synthetic population.

An 18-million-person synthetic Netherlands (KWB 2023 per buurt) with four registers (Wmo,
jeugdhulp, bijstand, schuldsignalen; typed Parquet, buurtcode per record) goes through

1. the whole toolkit: spec → Ibis aggregation on DuckDB (normalising, deduplicating, bad-row
   classification, units not records, all region levels) → joint protection → package;
2. the bare DuckDB aggregation of the same tables (hand-written SQL: distinct units per buurt
   and category, and per buurt);
3. the platform's intake audit of the four packages from step 1 (LP re-audit without true
   values);
4. a plain pandas implementation of the same bare aggregation (and one with the toolkit's
   checks);
5. steps 1 (aggregation only), 2 and 4 again on the same registers as partners export them:
   cp1252 CSV with semicolons and decimal commas.

Each variant runs in its own process, which reports its own peak memory (VmHWM).

Usage::

    python benchmarks/bench_source.py                  # 18 million persons (about 10 minutes)
    python benchmarks/bench_source.py --persons 500000 # a quick run
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

KWB_INHABITANTS = 17_810_285
REGISTERS = {
    # register: (category column, unit column, has end date, stock)
    "wmo": ("voorziening", "bsn", True, False),
    "jeugdhulp": ("hulpvorm", "bsn", True, False),
    "bijstand": ("regeling", "bsn", True, True),
    "schuldsignalen": ("schuldeiser", "huishoudnr", False, False),
}
YEAR = 2024


def _area(persons: int) -> tuple[list[str], float]:
    """The whole country (scaled) for a national run; else whole gemeenten at real density.

    A quick run keeps realistic counts per buurt (a thinly scaled country would make almost
    every cell small and protection needlessly hard).
    """
    import pyarrow.parquet as pq

    from buurtbeeld.source.synthetic import KWB

    if persons >= 0.95 * KWB_INHABITANTS:
        return ["NL00"], persons / KWB_INHABITANTS
    table = pq.read_table(KWB, columns=["gwb_code_10", "a_inw"]).to_pylist()
    chosen, total = [], 0.0
    for row in sorted(table, key=lambda r: r["gwb_code_10"]):
        if row["gwb_code_10"].startswith("GM") and total < persons:
            chosen.append(row["gwb_code_10"])
            total += float(row["a_inw"] or 0)
    return chosen, 1.0


def _spec(register: str, area: list[str], file: str = "") -> str:
    category, unit, has_end, stock = REGISTERS[register]
    multi = "false" if register == "bijstand" else "true"
    unit_name = "huishoudens" if unit == "huishoudnr" else "personen"
    tables = f"""  - naam: {register}
    titel: {register}
    dimensies: [{category}]
"""
    if register == "schuldsignalen":
        tables += f"""  - naam: achterstand
    titel: achterstand
    maat: som
    kolom: bedrag
    dimensies: [{category}]
"""
    return f"""dataset: {register}
bron: benchmark
gemeente: {area[0] if area == ["NL00"] else "[" + ", ".join(area) + "]"}
indelingsjaar: 2023
profiel: cbs-zorg
bestanden:
  - pad: {file or f"{register}.parquet"}
{"    tekenset: cp1252" if file.endswith(".csv") else ""}
eenheid: {unit_name}
sleutels:
  persoon: bsn
  huishouden: huishoudnr
regio:
  buurtcode: buurtcode
periode:
  soort: {"peildatum" if stock else "gedurende"}
  begin: begin
{"  einde: einde" if has_end else ""}
  jaar: {YEAR}
dimensies:
  - naam: {category}
    kolom: {category}
    meerdere_per_eenheid: {multi}
tabellen:
{tables}"""


def _codes(values: Any) -> Any:
    """Category values as a package may name them (lower case, letters, digits, spaces: the
    manifest refuses "Vervoer (regiotaxi)" since issue 10; the demo maps them in its spec)."""
    import numpy as np

    unique, inverse = np.unique(values, return_inverse=True)
    clean = [re.sub(r"[^a-z0-9 ]+", " ", v.lower()).strip() for v in unique.tolist()]
    return np.asarray([re.sub(r" +", " ", c) for c in clean], dtype=object)[inverse]


def prepare(folder: Path, persons: int, seed: int) -> None:
    """Generate the population and the four register extracts (cached per size and seed)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from buurtbeeld.source.synthetic import (
        arrears_records,
        benefit_records,
        synthetic_population,
        wmo_records,
        youth_records,
    )

    done = folder / "klaar.json"
    if done.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    area, scale = _area(persons)
    target = "NL00" if area == ["NL00"] else area
    pop = synthetic_population(target, seed=seed, scale=scale)
    makers = {
        "wmo": wmo_records,
        "jeugdhulp": youth_records,
        "bijstand": benefit_records,
        "schuldsignalen": arrears_records,
    }
    rows = {}
    for n, (register, make) in enumerate(makers.items()):
        rng = np.random.default_rng([seed, n + 1])
        rec = make(pop, target, YEAR, rng)
        i = rec.columns["i"]
        category = REGISTERS[register][0]
        columns = {
            "bsn": pa.array(pop.person[i], pa.int64()),
            "huishoudnr": pa.array(pop.household[i], pa.int64()),
            "buurtcode": pa.array(pop.buurt[i]).dictionary_encode(),
            category: pa.array(_codes(rec.columns[category].astype(str))).dictionary_encode(),
            "begin": pa.array(rec.columns["start"].astype("datetime64[D]"), pa.date32()),
        }
        if "einde" in rec.columns:
            columns["einde"] = pa.array(rec.columns["einde"].astype("datetime64[D]"), pa.date32())
        if "bedrag" in rec.columns:
            columns["bedrag"] = pa.array(rec.columns["bedrag"], pa.float64())
        table = pa.table(columns)
        pq.write_table(table, folder / f"{register}.parquet", row_group_size=1 << 20)
        (folder / f"{register}.yaml").write_text(_spec(register, area), encoding="utf-8")
        rows[register] = table.num_rows
    (folder / ".buurtbeeld-zaad").write_text("0" * 64 + "\n", encoding="ascii")
    done.write_text(
        json.dumps(
            {
                "personen": len(pop),
                "huishoudens": int(pop.household.max()) + 1,
                "buurten": len(set(pop.lookup.values())),
                "gemeenten": len(area) if area != ["NL00"] else 342,
                "regels": rows,
                "seconden": round(time.perf_counter() - start, 1),
            }
        ),
        encoding="utf-8",
    )


def prepare_csv(folder: Path, persons: int) -> None:
    """The same registers as partners export them: cp1252 CSV with semicolons, ISO dates and
    decimal commas (written once, next to the Parquet files)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    area, _ = _area(persons)
    for register in REGISTERS:
        target = folder / f"{register}.csv"
        if target.exists():
            continue
        table = pq.read_table(folder / f"{register}.parquet")
        columns = {}
        for name in table.column_names:
            col = table[name]
            if pa.types.is_dictionary(col.type):
                col = col.cast(pa.string())
            if name == "bedrag":
                col = pc.replace_substring(col.cast(pa.string()), ".", ",")
            columns[name] = col
        (folder / f"{register}-csv.yaml").write_text(
            _spec(register, area, f"{register}.csv"), encoding="utf-8"
        )
        options = pacsv.WriteOptions(delimiter=";", quoting_style="needed")
        pacsv.write_csv(pa.table(columns), folder / f"{register}.tmp", options)
        (folder / f"{register}.tmp").rename(target)  # the file exists only when complete


# -- variants (each runs in its own process) ------------------------------------------------


def run_toolkit(folder: Path) -> dict[str, object]:
    """The whole toolkit: aggregate (DuckDB via Ibis), then protect and package."""
    import pyarrow.dataset  # noqa: F401  (imports are outside the timers in every variant)

    from buurtbeeld.source.aggregate import aggregate
    from buurtbeeld.source.engines import connect
    from buurtbeeld.source.package import write_delivery
    from buurtbeeld.source.protection import protect_delivery
    from buurtbeeld.source.spec import load_spec

    connect("duckdb").disconnect()
    t_agg = t_protect = 0.0
    cells = hidden = 0
    for register in REGISTERS:
        spec = load_spec(folder / f"{register}.yaml")
        start = time.perf_counter()
        agg = aggregate(spec, engine="duckdb")
        t_agg += time.perf_counter() - start
        start = time.perf_counter()
        delivery = protect_delivery(agg, seed="benchmark")
        write_delivery(delivery, folder / f"{register}.zip")
        t_protect += time.perf_counter() - start
        cells += sum(o.data.num_rows for o in delivery.outputs)
        hidden += sum(delivery.hidden_by_reason().values())
    return {
        "aggregatie_s": round(t_agg, 2),
        "beveiliging_en_pakket_s": round(t_protect, 2),
        "totaal_s": round(t_agg + t_protect, 2),
        "cellen": cells,
        "verborgen": hidden,
    }


def _filter_sql(register: str) -> str:
    _, _, has_end, stock = REGISTERS[register]
    lo, hi = f"DATE '{YEAR}-01-01'", f"DATE '{YEAR}-12-31'"
    if stock:
        return f"begin <= {hi} AND (einde IS NULL OR einde >= {hi})"
    if has_end:
        return f"begin <= {hi} AND (einde IS NULL OR einde >= {lo})"
    return f"begin BETWEEN {lo} AND {hi}"


LEVELS_SQL = "[buurt, 'WK' || substr(buurt, 3, 6), 'GM' || substr(buurt, 3, 4)]"


def _bare_queries(register: str, reader: str) -> list[str]:
    """The same tables as the toolkit, by hand: distinct units per buurt, wijk and gemeente
    (a unit's latest record decides its buurt), per category and in total; amounts with the
    number of households, the sum and the two largest per cell. No validation, no protection."""
    category, unit, _, _ = REGISTERS[register]
    multi = register != "bijstand"
    src = f"(SELECT * FROM {reader} WHERE {_filter_sql(register)})"
    units = f"(SELECT {unit} AS u, arg_max(buurtcode, begin) AS buurt{'' if multi else f', arg_max({category}, begin) AS c'} FROM {src} GROUP BY {unit})"
    regions = f"(SELECT u, {'' if multi else 'c, '}unnest({LEVELS_SQL}) AS region FROM {units})"
    if multi:
        pairs = f"(SELECT DISTINCT {unit} AS u, {category} AS c FROM {src})"
        queries = [
            f"SELECT region, count(*) AS n FROM {regions} GROUP BY region",
            f"SELECT r.region, p.c, count(*) AS n FROM {regions} r JOIN {pairs} p USING (u) GROUP BY ALL",
        ]
    else:
        queries = [
            f"SELECT region, c, count(*) AS n FROM {regions} GROUP BY GROUPING SETS ((region, c), (region))"
        ]
    if register == "schuldsignalen":
        sums = f"(SELECT {unit} AS u, {category} AS c, sum(bedrag) AS s FROM {src} GROUP BY ALL)"
        cells = f"(SELECT x.u, x.c, x.s, unnest({LEVELS_SQL}) AS region FROM {sums} x JOIN {units} USING (u))"
        per_holding = f"(SELECT region, c, u, sum(s) AS s FROM {cells} GROUP BY GROUPING SETS ((region, c, u), (region, u)))"
        queries.append(
            f"SELECT region, c, count(*) AS n, sum(s) AS s, max(s, 2) AS top FROM {per_holding} GROUP BY ALL"
        )
    return queries


def run_duckdb(folder: Path) -> dict[str, object]:
    """Bare DuckDB SQL for the same tables (no validation, no normalising, no protection)."""
    import duckdb

    con = duckdb.connect()
    start = time.perf_counter()
    rows = 0
    for register in REGISTERS:
        reader = f"read_parquet('{folder / f'{register}.parquet'}')"
        for sql in _bare_queries(register, reader):
            rows += con.execute(sql).to_arrow_table().num_rows
    return {"aggregatie_s": round(time.perf_counter() - start, 2), "rijen": rows}


def run_duckdb_csv(folder: Path) -> dict[str, object]:
    """Bare DuckDB SQL on the CSV exports (its own parallel CSV reader, types detected)."""
    import duckdb

    con = duckdb.connect()
    start = time.perf_counter()
    rows = 0
    for register in REGISTERS:
        reader = f"read_csv('{folder / f'{register}.csv'}', delim=';', decimal_separator=',')"
        for sql in _bare_queries(register, reader):
            rows += con.execute(sql).to_arrow_table().num_rows
    return {"aggregatie_s": round(time.perf_counter() - start, 2), "rijen": rows}


def run_toolkit_csv(folder: Path) -> dict[str, object]:
    """The toolkit's aggregation of the CSV exports (staging, checks and all tables; the
    protection that follows is the same as for the Parquet input)."""
    import pyarrow.dataset  # noqa: F401

    from buurtbeeld.source.aggregate import aggregate
    from buurtbeeld.source.engines import connect
    from buurtbeeld.source.spec import load_spec

    connect("duckdb").disconnect()
    start = time.perf_counter()
    rows = 0
    for register in REGISTERS:
        agg = aggregate(load_spec(folder / f"{register}-csv.yaml"), engine="duckdb")
        rows += sum(t.data.num_rows for t in agg.tables)
    return {"aggregatie_s": round(time.perf_counter() - start, 2), "rijen": rows}


def run_pandas_csv(folder: Path) -> dict[str, object]:
    """Plain pandas on the CSV exports (read_csv with the export's conventions), same tables."""
    import pandas as pd

    start = time.perf_counter()
    rows = 0
    for register in REGISTERS:
        has_end = REGISTERS[register][2]
        df = pd.read_csv(
            folder / f"{register}.csv",
            sep=";",
            encoding="cp1252",
            decimal=",",
            parse_dates=["begin", "einde"] if has_end else ["begin"],
        )
        rows += _pandas_tables(df, register, pd)
    return {"aggregatie_s": round(time.perf_counter() - start, 2), "rijen": rows}


def _levels_pd(frame: Any, pd: Any) -> Any:
    """One row per unit and region level (buurt, wijk, gemeente)."""
    buurt = frame["buurt"].astype(str)
    return pd.concat(
        [
            frame.assign(region=buurt),
            frame.assign(region="WK" + buurt.str[2:8]),
            frame.assign(region="GM" + buurt.str[2:6]),
        ],
        ignore_index=True,
    )


def _pandas_tables(df: Any, register: str, pd: Any) -> int:
    """The same tables as the bare SQL from one register's records; returns the row count."""
    category, unit, has_end, stock = REGISTERS[register]
    lo, hi = pd.Timestamp(f"{YEAR}-01-01"), pd.Timestamp(f"{YEAR}-12-31")
    rows = 0
    begin = pd.to_datetime(df["begin"])
    if has_end:
        end = pd.to_datetime(df["einde"])
        if stock:
            mask = (begin <= hi) & (end.isna() | (end >= hi))
        else:
            mask = (begin <= hi) & (end.isna() | (end >= lo))
    else:
        mask = (begin >= lo) & (begin <= hi)
    df = df[mask]
    latest = df.sort_values("begin").groupby(unit, observed=True).tail(1)
    units = latest[[unit, "buurtcode", category]].rename(
        columns={unit: "u", "buurtcode": "buurt", category: "c"}
    )
    if register == "bijstand":
        levels = _levels_pd(units, pd)
        rows += len(levels.groupby(["region", "c"], observed=True).size())
        rows += len(levels.groupby("region").size())
    else:
        levels = _levels_pd(units[["u", "buurt"]], pd)
        rows += len(levels.groupby("region").size())
        pairs = df[[unit, category]].drop_duplicates().rename(columns={unit: "u", category: "c"})
        joined = levels.merge(pairs, on="u")
        rows += len(joined.groupby(["region", "c"], observed=True).size())
    if register == "schuldsignalen":
        sums = (
            df.groupby([unit, category], observed=True)["bedrag"]
            .sum()
            .reset_index()
            .rename(columns={unit: "u", category: "c", "bedrag": "s"})
        )
        cells = _levels_pd(sums.merge(units[["u", "buurt"]], on="u"), pd)
        for keys in (["region", "c"], ["region"]):
            per = cells.groupby([*keys, "u"], observed=True)["s"].sum().reset_index()
            top = per.sort_values("s", ascending=False).groupby(keys, observed=True).head(2)
            agg = per.groupby(keys, observed=True)["s"].agg(["count", "sum"])
            assert len(top) >= len(agg)  # one or two largest per cell
            rows += len(agg)
    return rows


def run_pandas(folder: Path) -> dict[str, object]:
    """Plain pandas for the same tables as the bare SQL (no validation)."""
    import pandas as pd

    start = time.perf_counter()
    rows = sum(_pandas_tables(pd.read_parquet(folder / f"{r}.parquet"), r, pd) for r in REGISTERS)
    return {"aggregatie_s": round(time.perf_counter() - start, 2), "rijen": rows}


def run_pandas_checked(folder: Path) -> dict[str, object]:
    """Plain pandas doing what the toolkit does before it counts: drop duplicate records,
    normalise buurtcodes, classify bad rows per reason (missing key, unknown buurt, missing or
    impossible dates), then the same tables."""
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    from buurtbeeld.source.synthetic import KWB

    buurten = {
        c
        for c in pq.read_table(KWB, columns=["gwb_code_10"])["gwb_code_10"].to_pylist()
        if c.startswith("BU")
    }
    start = time.perf_counter()
    rows = 0
    bad: dict[str, int] = {}
    for register, (_, unit, has_end, _) in REGISTERS.items():
        df = pd.read_parquet(folder / f"{register}.parquet").drop_duplicates()
        code = (
            df["buurtcode"].astype(str).str.strip().str.upper().str.replace(r"\s", "", regex=True)
        )
        code = code.where(~code.str.fullmatch(r"\d{8}"), "BU" + code)
        begin, end = df["begin"], df["einde"] if has_end else None
        checks = [
            (df[unit].isna(), "sleutel ontbreekt"),
            (~code.isin(buurten), "onbekende buurt"),
            (begin.isna(), "datum ontbreekt"),
        ]
        if end is not None:
            checks.append(((end < begin).fillna(False), "einddatum voor begindatum"))
        reason = np.select([c.to_numpy() for c, _ in checks], [r for _, r in checks], default="")
        for r, n in zip(*np.unique(reason, return_counts=True), strict=True):
            if r:
                bad[str(r)] = bad.get(str(r), 0) + int(n)
        df = df.assign(buurtcode=code)[reason == ""]
        rows += _pandas_tables(df, register, pd)
    return {"aggregatie_s": round(time.perf_counter() - start, 2), "rijen": rows}


def run_intake(folder: Path) -> dict[str, object]:
    """The platform's audit of the packages the toolkit variant wrote (no true values)."""
    from buurtbeeld.geo.registry import bundled_regions
    from buurtbeeld.package_format import parse_public_key
    from buurtbeeld.source.keys import key_files
    from buurtbeeld.source.spec import load_spec
    from buurtbeeld.store.intake_audit import audit_package
    from buurtbeeld.store.package_reader import read_package

    out: dict[str, object] = {}
    for register in REGISTERS:
        public = key_files(load_spec(folder / f"{register}.yaml")).public  # signed by the toolkit
        key = parse_public_key(public.read_text(encoding="utf-8"))
        contents = read_package(folder / f"{register}.zip", {key.fingerprint: key})
        year = contents.division_year
        regions = {r.code: r.parent_code for r in bundled_regions(year) if r.division_year == year}
        start = time.perf_counter()
        hidden = audit_package(contents, regions)
        out[f"{register}_s"] = round(time.perf_counter() - start, 1)
        out[f"{register}_verborgen"] = hidden
    return out


VARIANTS = {
    "duckdb": run_duckdb,
    "toolkit": run_toolkit,
    "intake": run_intake,
    "pandas": run_pandas,
    "pandas_checked": run_pandas_checked,
    "duckdb_csv": run_duckdb_csv,
    "toolkit_csv": run_toolkit_csv,
    "pandas_csv": run_pandas_csv,
}


def _peak_mb() -> int:
    """Peak resident memory of this process (VmHWM; unlike ru_maxrss it starts afresh after
    exec, so the parent's population does not count)."""
    for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _child(variant: str, folder: Path) -> None:
    result = VARIANTS[variant](folder)
    result["piek_mb"] = _peak_mb()
    print(json.dumps(result))


def main() -> None:
    """Prepare the data, run every variant in its own process, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=18_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--data", type=Path, default=Path("/tmp/buurtbeeld-bench-bron"))
    parser.add_argument("--run", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.data / f"p{args.persons}-s{args.seed}"
    if args.run:
        _child(args.run, folder)
        return
    prepare(folder, args.persons, args.seed)
    prepare_csv(folder, args.persons)
    info = json.loads((folder / "klaar.json").read_text(encoding="utf-8"))
    print(
        f"Population: {info['personen']:,} persons, {info['huishoudens']:,} households, "
        f"{info['buurten']:,} buurten in {info['gemeenten']} gemeenten (generated in {info['seconden']} s)"
    )
    print("Register rows: " + ", ".join(f"{k} {v:,}" for k, v in info["regels"].items()))
    results = {}
    for variant in VARIANTS:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--run",
                variant,
                "--persons",
                str(args.persons),
                "--seed",
                str(args.seed),
                "--data",
                str(args.data),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        results[variant] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{variant}: {results[variant]}")
    bare = float(results["duckdb"]["aggregatie_s"])
    tk = results["toolkit"]
    print()
    print("| variant | aggregation | protect + package | total | peak memory |")
    print("|---|---|---|---|---|")
    print(
        f"| bare DuckDB SQL | {bare:.1f} s | — | {bare:.1f} s | {results['duckdb']['piek_mb']} MB |"
    )
    print(
        f"| toolkit (Ibis on DuckDB) | {tk['aggregatie_s']:.1f} s | {tk['beveiliging_en_pakket_s']:.1f} s "
        f"| {tk['totaal_s']:.1f} s | {tk['piek_mb']} MB |"
    )
    pd_s = float(results["pandas"]["aggregatie_s"])
    print(f"| plain pandas | {pd_s:.1f} s | — | {pd_s:.1f} s | {results['pandas']['piek_mb']} MB |")
    pc_s = float(results["pandas_checked"]["aggregatie_s"])
    print(
        f"| pandas with the toolkit's checks | {pc_s:.1f} s | — | {pc_s:.1f} s "
        f"| {results['pandas_checked']['piek_mb']} MB |"
    )
    print()
    print(
        f"toolkit aggregation / bare DuckDB: {float(tk['aggregatie_s']) / bare:.2f}x (target <= 1.25x, issue 14)"
    )
    print(
        f"pandas / toolkit aggregation: {pd_s / float(tk['aggregatie_s']):.1f}x (target >= 2.5x, issue 14)"
    )
    print(f"pandas with checks / toolkit aggregation: {pc_s / float(tk['aggregatie_s']):.1f}x")
    print(f"toolkit total / bare DuckDB: {float(tk['totaal_s']) / bare:.1f}x")
    print(
        f"protect + package: {float(tk['beveiliging_en_pakket_s']):.1f} s (target <= 30 s, issue 14)"
    )
    print(f"toolkit peak memory: {tk['piek_mb']} MB (target <= 4096 MB)")
    print(f"cells published: {tk['cellen']:,}, hidden: {tk['verborgen']:,}")
    csv = {v: float(results[f"{v}_csv"]["aggregatie_s"]) for v in ("duckdb", "toolkit", "pandas")}
    print(
        f"CSV exports (cp1252, ';', decimal commas): bare DuckDB {csv['duckdb']:.1f} s, toolkit "
        f"aggregation {csv['toolkit']:.1f} s ({csv['toolkit'] / csv['duckdb']:.2f}x), pandas "
        f"{csv['pandas']:.1f} s (pandas / toolkit {csv['pandas'] / csv['toolkit']:.1f}x, "
        f"pandas / bare DuckDB {csv['pandas'] / csv['duckdb']:.1f}x)"
    )
    intake = results["intake"]
    print(
        "platform intake audit: "
        + ", ".join(
            f"{r} {intake[f'{r}_s']} s ({intake[f'{r}_verborgen']:,} hidden)" for r in REGISTERS
        )
        + " (target <= 15 s each, issue 14)"
    )


if __name__ == "__main__":
    main()
