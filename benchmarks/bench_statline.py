"""StatLine import benchmark (issue 17): a whole KWB-size table of all regions.

Usage: python benchmarks/bench_statline.py [--runs 3]

Builds an OData v3 download of 85984NED at full size from the real metadata: CBS's
TableInfos and DataProperties (128 topics, 124 of them figures), every region of the 2024
division (NL00, 342 gemeenten, 3,393 wijken, 14,574 buurten from gwb_namen_2024), CBS's real
values where the snapshot has them (8 topics of gemeenten and wijken) and plausible random
values elsewhere (about 10 % null, CBS's '.'), codes padded to 10 characters as CBS serves
them. Times ``import_statline`` into an empty workspace (read, definitions, validation, one
transaction) against DuckDB's bare ``read_json`` + UNPIVOT of the same file.
Target (issue 17): ≤ 5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from buurtbeeld.store.statline_import import definitions, import_statline, read_any
from buurtbeeld.store.workspace import create_workspace, open_workspace

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"
RAW = SHARED / "raw" / "kwb2024-metadata"
INHABITANTS = "AantalInwoners_5"
URBANITY = "MateVanStedelijkheid_127"
# Counts the plausibility checks bound (catalog relations.yaml): households, one-person
# households, households with children, benefits, youth care and Wmo clients at most a third of
# the inhabitants (households at least that, so one-person households ≤ households holds too).
BELOW_INHABITANTS = {
    "Eenpersoonshuishoudens_30",
    "HuishoudensMetKinderen_32",
    "PersonenPerSoortUitkeringBijstand_94",
    "PersonenPerSoortUitkeringWW_96",
    "JongerenMetJeugdzorgInNatura_98",
    "WmoClienten_100",
}
HOUSEHOLDS = "HuishoudensTotaal_29"


def build_table(folder: Path) -> tuple[int, int]:
    """Write the full-size download; returns (rows, figure columns)."""
    folder.mkdir(parents=True)
    for name in ("TableInfos.json", "DataProperties.json"):
        shutil.copy(RAW / name, folder / name)
    props = json.loads((RAW / "DataProperties.json").read_text(encoding="utf-8"))
    topics = [p for p in props if p["Type"] == "Topic"]
    real = json.loads((RAW / "stripped_filtered_data_2024.json").read_text(encoding="utf-8"))
    names = pq.read_table(SHARED / "gwb_namen_2024.parquet", columns=["code", "name"])
    codes = ["NL00", *names["code"].to_pylist()]
    titles = dict(zip(names["code"].to_pylist(), names["name"].to_pylist(), strict=True))
    rng = random.Random(2024)
    rows = []
    for number, code in enumerate(codes):
        row: dict[str, object] = {"ID": number, "WijkenEnBuurten": f"{code:<10}"}
        known = real.get(code, {})
        people = int(known.get(INHABITANTS, rng.randint(100, 5000)))
        for topic in topics:
            key = topic["Key"]
            if topic["Datatype"] == "String":
                row[key] = f"{titles.get(code, 'Nederland')[:30]:<30}"
            elif key in known:
                row[key] = known[key]
            elif key == INHABITANTS:
                row[key] = people
            elif key == HOUSEHOLDS:
                row[key] = rng.randint(people // 3, people)
            elif rng.random() < 0.1:
                row[key] = None
            elif key == URBANITY:  # a class 1-5 (the catalogue's range)
                row[key] = rng.randint(1, 5)
            elif key in BELOW_INHABITANTS:  # the catalogue's relations (relations.yaml)
                row[key] = rng.randint(0, people // 3)
            elif topic["Unit"].startswith("per 1 000"):
                row[key] = rng.randint(0, 30)
            elif topic["Unit"] == "%":
                row[key] = round(rng.uniform(0, 100), topic["Decimals"])
            elif topic["Datatype"] == "Double":
                row[key] = round(rng.uniform(0, 50), topic["Decimals"])
            else:
                row[key] = rng.randint(0, 5000)
        rows.append(row)
    (folder / "TypedDataSet.json").write_text(json.dumps({"value": rows}), encoding="utf-8")
    regions = [{"Key": f"{c:<10}", "Title": titles.get(c, "Nederland")} for c in codes]
    (folder / "WijkenEnBuurten.json").write_text(json.dumps({"value": regions}), encoding="utf-8")
    return len(rows), sum(1 for t in topics if t["Datatype"] != "String")


def baseline(folder: Path, figures: list[str]) -> float:
    start = time.perf_counter()
    con = duckdb.connect()
    con.execute(
        f"""CREATE TABLE t AS UNPIVOT (
              SELECT * FROM (SELECT unnest(value, recursive := true)
                             FROM read_json('{folder / "TypedDataSet.json"}', maximum_object_size=1000000000)))
            ON {", ".join(figures)} INTO NAME k VALUE v"""
    )
    con.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        rows, figures = build_table(base / "85984NED")
        props = json.loads((RAW / "DataProperties.json").read_text(encoding="utf-8"))
        keys = [p["Key"] for p in props if p["Type"] == "Topic" and p["Datatype"] != "String"]
        size = (base / "85984NED" / "TypedDataSet.json").stat().st_size / 1e6
        template = base / "leeg"
        create_workspace(template)
        times, cpu, observations = [], [], 0
        for run in range(args.runs):
            target = base / f"w{run}"
            shutil.copytree(template, target)
            start, start_cpu = time.perf_counter(), time.process_time()
            report = import_statline(open_workspace(target), base / "85984NED")
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            observations = report.observations
        read_times = []
        for _ in range(args.runs):
            start = time.perf_counter()
            definitions(read_any(base / "85984NED"))
            read_times.append(time.perf_counter() - start)
        bare = min(baseline(base / "85984NED", keys) for _ in range(args.runs))
    best = min(times)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
    print(
        f"table: {rows:,} regions × {figures} figures = {observations:,} observations, {size:.0f} MB JSON"
    )
    print(f"import_statline: best {best:.2f} s, runs {', '.join(f'{t:.2f}' for t in times)}")
    print(
        f"CPU time of the process (all threads; load-independent): best {min(cpu):.2f} s, "
        f"runs {', '.join(f'{t:.2f}' for t in cpu)}"
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")
    print(f"of which reading, parsing and definitions: best {min(read_times):.2f} s")
    print(f"DuckDB read_json + UNPIVOT baseline: {bare:.2f} s (ratio {best / bare:.1f}×)")
    print(f"target ≤ 5 s: {'met' if best <= 5 else 'NOT met'}")


if __name__ == "__main__":
    main()
