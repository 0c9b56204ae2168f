"""Benchmark of linking (stapeling, issue 11) on the four national synthetic registers.

A synthetic Netherlands of 17.8 million persons (KWB 2023 per buurt, ``source.synthetic``) with
the four registers (Wmo, jeugdhulp, bijstand: persons; schuldsignalen: households only) becomes
four pseudonymised extracts in the contract format (one row per unit and period: pseudonyms,
buurt, month; 3 % of the rows a *mover* with another buurt). Pseudonyms here are a seeded
64-bit mix of the id, not the HMAC of ``bron pseudonimiseer`` (that step is measured by its own
benchmark); the linking step cannot tell the difference. Then, each in its own process with its
own peak memory (VmHWM):

1. ``bare``: hand-written DuckDB SQL doing the same join and group-by — one buurt per unit by
   the latest month (ties: smallest code), provisions per unit, every ja/nee/totaal cell at
   buurt, wijk and gemeente (``GROUP BY CUBE``), persons and households, and the mover pairs;
2. ``link``: ``buurtbeeld.source.link.link`` on DuckDB (Ibis; checks, region numbering, movers,
   "k or more" and the report included);
3. ``spark``: the same on Spark local mode (``local[2]``).

Usage::

    python benchmarks/bench_link.py                    # the whole country (17.8 M persons)
    python benchmarks/bench_link.py --persons 120000   # whole gemeenten up to 120,000 persons
    python benchmarks/bench_link.py --zonder-spark
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_source import _area


def _peak_mb(status: Path = Path("/proc/self/status")) -> int:
    """Peak resident memory (VmHWM) of this process or of another one (Spark's JVM)."""
    for line in status.read_text(encoding="ascii").splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return 0


YEAR = 2024
NAMES = ("wmo", "jeugdhulp", "bijstand", "schuldsignalen")
MOVERS = 0.03


def _mix(values: object, salt: int) -> object:
    """A seeded 64-bit mix (splitmix64) of integer ids as signed int64 pseudonyms."""
    import numpy as np

    x = np.asarray(values, dtype=np.uint64) + np.uint64(salt)
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        x = x ^ (x >> np.uint64(31))
    return x.view(np.int64)


def prepare(folder: Path, persons: int, seed: int) -> dict[str, object]:
    """The four extracts and a koppelspec (cached per size and seed)."""
    done = folder / "klaar.json"
    if done.exists():
        return dict(json.loads(done.read_text(encoding="utf-8")))
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

    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    area, scale = _area(persons)
    target = "NL00" if area == ["NL00"] else area
    pop = synthetic_population(target, seed=seed, scale=scale)
    buurten = np.unique(pop.buurt)
    makers = (wmo_records, youth_records, benefit_records, arrears_records)
    rows = {}
    for n, (name, make) in enumerate(zip(NAMES, makers, strict=True)):
        rng = np.random.default_rng([seed, n + 1])
        members = np.unique(make(pop, target, YEAR, rng).columns["i"])
        buurt = pop.buurt[members].copy()
        moved = rng.random(len(members)) < MOVERS
        buurt[moved] = buurten[rng.integers(0, len(buurten), int(moved.sum()))]
        households = _mix(pop.household[members], seed * 7 + 1)
        person = None if name == "schuldsignalen" else _mix(pop.person[members], seed * 7)
        table = pa.table(
            {
                "periode": pa.array(np.full(len(members), str(YEAR))),
                "persoon": pa.nulls(len(members), pa.int64())
                if person is None
                else pa.array(person, pa.int64()),
                "huishouden": pa.array(households, pa.int64()),
                "buurt": pa.array(buurt.astype(str)),
                "maand": pa.array(YEAR * 100 + rng.integers(1, 13, len(members)), pa.int32()),
            }
        )
        if name == "schuldsignalen":  # households only: one row per household
            table = table.group_by("huishouden").aggregate(
                [("periode", "max"), ("buurt", "max"), ("maand", "max")]
            )
            table = pa.table(
                {
                    "periode": table["periode_max"],
                    "persoon": pa.nulls(table.num_rows, pa.int64()),
                    "huishouden": table["huishouden"],
                    "buurt": table["buurt_max"],
                    "maand": table["maand_max"],
                }
            )
        meta = {
            "formaat": "buurtbeeld-pseudoniemen",
            "versie": 1,
            "dataset": name,
            "bron": f"benchmark {name}",
            "eenheid": "huishoudens" if name == "schuldsignalen" else "personen",
            "gemeenten": area,
            "indelingsjaar": 2023,
            "perioden": [str(YEAR)],
            "periodesoort": "gedurende",
            "sleutelcontrole": "0" * 32,
            "project": "benchmark",
            "regels": {
                "gelezen": table.num_rows,
                "geldig": table.num_rows,
                "buiten_de_periode": 0,
                "ongeldig_per_reden": {},
            },
            "spec_sha256": "0" * 64,
            "software": "benchmark",
        }
        table = table.replace_schema_metadata({"buurtbeeld": json.dumps(meta)})
        pq.write_table(table, folder / f"{name}.parquet", row_group_size=1 << 20)
        rows[name] = table.num_rows
    gemeente = "NL00" if area == ["NL00"] else "[" + ", ".join(area) + "]"
    spec = [
        "dataset: stapeling",
        "bron: benchmark",
        f"gemeente: {gemeente}",
        "indelingsjaar: 2023",
        "extracten:",
    ]
    for name in NAMES:
        spec += [f"  - naam: {name}", f"    titel: {name}", f"    pad: {name}.parquet"]
    (folder / "koppel.yaml").write_text("\n".join(spec) + "\n", encoding="utf-8")
    info = {
        "personen": len(pop),
        "gemeenten": len(area) if area != ["NL00"] else 342,
        "regels": rows,
        "seconden": round(time.perf_counter() - start, 1),
    }
    done.write_text(json.dumps(info), encoding="utf-8")
    return info


LEVELS_SQL = "[buurt, 'WK' || substr(buurt, 3, 6), 'GM' || substr(buurt, 3, 4)]"


def _bare_sql(folder: Path, unit: str, members: list[str]) -> list[str]:
    rows = " UNION ALL ".join(
        f"SELECT periode, {unit} AS u, buurt, maand, {NAMES.index(n)} AS src "
        f"FROM read_parquet('{folder / f'{n}.parquet'}') WHERE {unit} IS NOT NULL"
        for n in members
    )
    per_src = (
        f"SELECT periode, u, src, max(maand) AS m, first(buurt ORDER BY maand DESC, buurt) AS b "
        f"FROM ({rows}) GROUP BY ALL"
    )
    flags = ", ".join(
        f"CASE WHEN bool_or(src = {NAMES.index(n)}) THEN 'ja' ELSE 'nee' END AS {n}"
        for n in members
    )
    dims = ", ".join(members)
    return [
        f"CREATE OR REPLACE TEMP TABLE per_src AS {per_src}",
        f"CREATE OR REPLACE TEMP TABLE units AS SELECT periode, u, "
        f"first(b ORDER BY m DESC, b) AS buurt, {flags} FROM per_src GROUP BY ALL",
        f"SELECT periode, region, {dims}, count(*) AS aantal FROM "
        f"(SELECT *, unnest({LEVELS_SQL}) AS region FROM units) "
        f"GROUP BY periode, region, CUBE({dims})",
        "SELECT p.periode, p.src, p.b, u.buurt, count(*) FROM per_src p JOIN units u "
        "USING (periode, u) GROUP BY ALL",
    ]


def run_bare(folder: Path) -> dict[str, object]:
    """Bare DuckDB SQL: the same join and group-by (no checks, no division, no report)."""
    import duckdb

    con = duckdb.connect()
    start = time.perf_counter()
    cells = 0
    for unit, members in (("persoon", list(NAMES[:3])), ("huishouden", list(NAMES))):
        for sql in _bare_sql(folder, unit, members):
            result = con.execute(sql).fetch_arrow_table() if sql.startswith("SELECT") else None
            if result is not None and "aantal" in result.column_names:
                cells += result.num_rows
            elif sql.startswith("CREATE"):
                con.execute(sql)
    return {"seconden": round(time.perf_counter() - start, 2), "cellen": cells}


def _run_link(folder: Path, engine: str) -> dict[str, object]:
    from buurtbeeld.source.engines import connect
    from buurtbeeld.source.link import link
    from buurtbeeld.source.link_spec import load_link_spec
    from buurtbeeld.source.regions import load_division

    spec = load_link_spec(folder / "koppel.yaml")
    # outside the timer, as in bench_source: the engine's start (Spark: 10-20 s) and the
    # bundled division (4 s cold), which every run of the toolkit loads once per process
    connect(engine).disconnect() if engine == "duckdb" else connect("spark")  # type: ignore[arg-type]
    load_division(spec.gemeenten, spec.indelingsjaar)
    steps: list[tuple[str, float]] = []
    start = time.perf_counter()
    counts = link(spec, engine=engine, progress=lambda s: steps.append((s, time.perf_counter())))  # type: ignore[arg-type]
    end = time.perf_counter()
    marks = [*steps, ("einde", end)]
    profile = {a[0]: round(b[1] - a[1], 2) for a, b in itertools.pairwise(marks)}
    out: dict[str, object] = {
        "seconden": round(end - start, 2),
        "cellen": sum(t.data.num_rows for t in counts.tables),
        "stappen": profile,
    }
    if engine == "spark":  # Spark computes in its JVM: its peak memory counts too
        from buurtbeeld.source.engines import spark_session

        pid = spark_session().sparkContext._gateway.proc.pid
        out["jvm_piek_mb"] = _peak_mb(Path(f"/proc/{pid}/status"))
    return out


VARIANTS = {
    "bare": run_bare,
    "link": lambda folder: _run_link(folder, "duckdb"),
    "spark": lambda folder: _run_link(folder, "spark"),
}


def main() -> None:
    """Prepare the extracts, run every variant in its own process, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=18_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--data", type=Path, default=Path("/tmp/buurtbeeld-bench-koppel"))
    parser.add_argument("--zonder-spark", action="store_true")
    parser.add_argument("--run", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.data / f"p{args.persons}-s{args.seed}"
    if args.run:
        result = VARIANTS[args.run](folder)
        result["piek_mb"] = _peak_mb()
        print(json.dumps(result))
        return
    info = prepare(folder, args.persons, args.seed)
    print(f"Extracts: {info}", flush=True)
    results = {}
    for variant in VARIANTS:
        if variant == "spark" and args.zonder_spark:
            continue
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bench_link",
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
        print(f"{variant}: {results[variant]}", flush=True)
    bare = float(results["bare"]["seconden"])
    print("\n| variant | time | ratio to bare SQL | peak memory |\n|---|---|---|---|")
    for variant, r in results.items():
        print(
            f"| {variant} | {r['seconden']:.1f} s | {float(r['seconden']) / bare:.2f} | {r['piek_mb']} MB |"
        )


if __name__ == "__main__":
    main()
