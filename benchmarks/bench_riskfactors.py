"""Benchmark of ``bron risicofactoren`` on a national synthetic population (issue 15 item 4).

A synthetic Netherlands (KWB 2023 per buurt, ~17 million persons) gets household risk factors
and a jeugdhulp outcome with known effects (:mod:`buurtbeeld.source.synthetic_risk`); its
children (~3.5 million rows: id, household, buurtcode, five factors, outcome) are written as
one Parquet research table. Then, each in its own process (peak memory = its own VmHWM):

1. **toolkit**: the whole run — read and validate (0/1 values, bad rows per reason), children
   and households, model groups, cells with households and the two largest households,
   estimates and output checks, the protected wijk table, the signed package;
2. **bare**: hand-written DuckDB SQL for the same tables (children per household, the model
   groups, the 2×2 table per factor, children per wijk by number of factors) without any
   validation, plus the same model fits (one multivariable, one crude per factor).

Target: toolkit ≤ 2× bare, peak memory ≤ 4 GB.

Usage::

    python benchmarks/bench_riskfactors.py                   # 17.3 million persons
    python benchmarks/bench_riskfactors.py --persons 500000  # a quick run (whole gemeenten)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.bench_source import KWB_INHABITANTS, _area, _peak_mb

YEAR = 2024


def prepare(folder: Path, persons: int, seed: int) -> None:
    """Generate the research table and its spec (cached per size and seed)."""
    import pyarrow.parquet as pq

    from buurtbeeld.source.synthetic import synthetic_population
    from buurtbeeld.source.synthetic_risk import research_table, risk_spec

    done = folder / "klaar.json"
    if done.exists():
        return
    folder.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    area, scale = _area(persons)
    target = "NL00" if area == ["NL00"] else area
    pop = synthetic_population(target, seed=seed, scale=scale)
    n_persons = len(pop)
    table = research_table(pop, seed=seed)
    del pop
    pq.write_table(table, folder / "kinderen.parquet", row_group_size=1 << 20)
    gemeente = "NL00" if area == ["NL00"] else "[" + ", ".join(area) + "]"
    (folder / "risicofactoren.yaml").write_text(risk_spec(gemeente, year=YEAR), encoding="utf-8")
    (folder / ".buurtbeeld-zaad").write_text("0" * 64 + "\n", encoding="ascii")
    done.write_text(
        json.dumps(
            {
                "personen": n_persons,
                "kinderen": table.num_rows,
                "gemeenten": len(area) if area != ["NL00"] else 342,
                "seconden": round(time.perf_counter() - start, 1),
            }
        ),
        encoding="utf-8",
    )


def run_toolkit(folder: Path) -> dict[str, object]:
    """The whole ``bron risicofactoren`` run (what the CLI does, without printing)."""
    from buurtbeeld.source.riskfactors_package import run_risk
    from buurtbeeld.source.riskfactors_spec import load_risk_spec

    steps: dict[str, float] = {}
    start = time.perf_counter()
    last: list[tuple[str, float]] = [("voorbereiden (sleutel, indeling)", start)]

    def step(text: str) -> None:
        now = time.perf_counter()
        name, since = last[0]
        steps[name] = round(now - since, 2)
        last[0] = (text, now)

    spec = load_risk_spec(folder / "risicofactoren.yaml")
    run = run_risk(spec, folder / "pakket.zip", progress=step)
    step("klaar")
    total = time.perf_counter() - start
    return {
        "totaal_s": round(total, 2),
        "stappen": steps,
        "kinderen": run.aggregation.children,
        "verborgen": sum(run.delivery.hidden_by_reason().values()),
        "cellen": sum(o.data.num_rows for o in run.delivery.outputs),
    }


def run_bare(folder: Path) -> dict[str, object]:
    """Hand-written DuckDB SQL for the same tables, then the same model fits."""
    import duckdb
    import numpy as np

    from buurtbeeld.source.regions import load_division
    from buurtbeeld.source.riskfactors_model import Groups, crude, fit_poisson
    from buurtbeeld.source.synthetic_risk import FACTORS

    start = time.perf_counter()
    info = json.loads((folder / "klaar.json").read_text(encoding="utf-8"))
    area, _ = _area(int(info["personen"]))
    division = load_division(tuple(area), 2023)
    con = duckdb.connect()
    con.execute("SET memory_limit = '3GB'")
    con.execute(f"SET temp_directory = '{folder / 'duckdb-tmp'}'")
    codes = sorted(division.buurten)
    con.execute("CREATE TABLE regio (buurt VARCHAR, wijk VARCHAR)")
    con.executemany("INSERT INTO regio VALUES (?, ?)", [(c, division.buurten[c][0]) for c in codes])
    fs = ", ".join(FACTORS)
    maxes = ", ".join(f"max({f}) AS {f}" for f in FACTORS)
    path = folder / "kinderen.parquet"
    con.execute(
        f"""CREATE TABLE kind AS SELECT k.kind, k.huishouden, r.wijk, {fs}, jeugdhulp
        FROM read_parquet('{path}') k JOIN regio r ON k.buurtcode = r.buurt"""
    )
    con.execute(
        f"""CREATE TABLE hh AS SELECT huishouden, {maxes}, count(*) AS m, sum(jeugdhulp) AS y
        FROM kind GROUP BY huishouden"""
    )
    rows = con.execute(f"SELECT {fs}, m, y, count(*) AS w FROM hh GROUP BY ALL").fetchnumpy()
    for f in FACTORS:
        con.execute(f"SELECT {f}, jeugdhulp, count(*) FROM kind GROUP BY ALL").fetchall()
    total = " + ".join(FACTORS)
    con.execute(f"SELECT wijk, least({total}, 3) AS nf, count(*) FROM kind GROUP BY ALL").fetchall()
    aggregation = time.perf_counter() - start
    groups = Groups(np.column_stack([rows[f] for f in FACTORS]), rows["m"], rows["y"], rows["w"])
    fit_poisson(groups)
    for k in range(len(FACTORS)):
        crude(groups, k)
    return {
        "aggregatie_s": round(aggregation, 2),
        "totaal_s": round(time.perf_counter() - start, 2),
    }


VARIANTS = {"toolkit": run_toolkit, "bare": run_bare}


def main() -> None:
    """Prepare the data, run both variants in their own process, print the comparison."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=KWB_INHABITANTS)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--data", type=Path, default=Path("/tmp/buurtbeeld-bench-risico"))
    parser.add_argument("--run", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.data / f"p{args.persons}-s{args.seed}"
    if args.run:
        result = VARIANTS[args.run](folder)
        result["piek_mb"] = _peak_mb()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        result["cpu_s"] = round(usage.ru_utime + usage.ru_stime, 2)
        print(json.dumps(result))
        return
    prepare(folder, args.persons, args.seed)
    info = json.loads((folder / "klaar.json").read_text(encoding="utf-8"))
    print(
        f"Population: {info['personen']:,} persons, {info['kinderen']:,} children in "
        f"{info['gemeenten']} gemeenten (generated in {info['seconden']} s)"
    )
    results = {}
    for variant in VARIANTS:
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.bench_riskfactors",
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
    bare, tk = results["bare"], results["toolkit"]
    ratio = float(tk["totaal_s"]) / float(bare["totaal_s"])
    cpu = float(tk["cpu_s"]) / float(bare["cpu_s"])
    steps = tk["stappen"]
    assert isinstance(steps, dict)
    protect = float(steps.get("Uitvoercontrole en beveiliging van de tabel per wijk", 0.0))
    analysis = float(tk["totaal_s"]) - protect
    print()
    print("| variant | wall time | CPU time (process) | peak memory |")
    print("|---|---|---|---|")
    print(
        f"| bare DuckDB SQL + model fits | {bare['totaal_s']} s | {bare['cpu_s']} s "
        f"| {bare['piek_mb']} MB |"
    )
    print(
        f"| bron risicofactoren (whole run) | {tk['totaal_s']} s | {tk['cpu_s']} s "
        f"| {tk['piek_mb']} MB |"
    )
    print(
        f"toolkit / bare: wall {ratio:.2f}x, CPU {cpu:.2f}x (target <= 2x); without the "
        f"protection of the wijk table {analysis / float(bare['totaal_s']):.2f}x (wall); "
        f"peak {tk['piek_mb']} MB (target <= 4096 MB)"
    )


if __name__ == "__main__":
    main()
