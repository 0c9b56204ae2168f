"""Benchmark of pseudonymisation for stapeling (issue 11 item 1) at national size.

The synthetic Netherlands of ``bench_source.py`` (KWB 2023 per buurt, 17.3 million persons) gives

1. ``bevolking``: one record per person (a national person register, 17.3 M distinct BSNs):
   the toolkit's aggregation of it (the same records → units steps, then counting) and
   ``pseudonymise`` of it, with the time per step (records → units on DuckDB, HMAC, writing);
2. the four national registers (Wmo, jeugdhulp, bijstand, schuldsignalen) pseudonymised;
3. the HMAC alone: :meth:`LinkKey.pseudonyms` over 17.3 M distinct nine-digit texts.

Each variant runs in its own process, which reports its own peak memory (VmHWM).

Usage::

    python benchmarks/bench_pseudonym.py                   # national (about 10 minutes)
    python benchmarks/bench_pseudonym.py --persons 500000  # a quick run
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

from bench_source import REGISTERS, YEAR, _area, _peak_mb, prepare

POPULATION_SPEC = """dataset: bevolking
bron: benchmark
gemeente: {gemeente}
indelingsjaar: 2023
bestanden: [{{pad: bevolking.parquet}}]
sleutels:
  persoon: {{kolom: bsn, soort: bsn}}
  huishouden: huishoudnr
regio: {{buurtcode: buurtcode}}
periode: {{soort: gedurende, begin: begin, jaar: {year}}}
tabellen: [{{naam: personen, titel: personen}}]
"""


def prepare_population(folder: Path, persons: int, seed: int) -> None:
    """One record per person, with BSNs that pass the elfproef (cached)."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from buurtbeeld.source.synthetic import synthetic_population

    path = folder / "bevolking.parquet"
    if path.exists():
        return
    area, scale = _area(persons)
    pop = synthetic_population("NL00" if area == ["NL00"] else area, seed=seed, scale=scale)
    n = len(pop)
    # valid BSNs: eight digits, then the check digit that passes (skipping remainder 10)
    n8 = np.arange(n + n // 9 + 100, dtype=np.int64) * 5 + 10_000_000
    digits = np.stack([(n8 // 10 ** (7 - i)) % 10 for i in range(8)])
    check = (digits * np.arange(9, 1, -1)[:, None]).sum(axis=0) % 11
    n8 = n8[check < 10][:n]
    bsn = n8 * 10 + check[check < 10][:n]
    assert len(bsn) == n
    days = np.datetime64(f"{YEAR}-01-01") + (np.arange(n) % 365).astype("timedelta64[D]")
    table = pa.table(
        {
            "bsn": pa.array(bsn, pa.int64()),
            "huishoudnr": pa.array(pop.household, pa.int64()),
            "buurtcode": pa.array(pop.buurt).dictionary_encode(),
            "begin": pa.array(days.astype("datetime64[D]"), pa.date32()),
        }
    )
    pq.write_table(table, path, row_group_size=1 << 20)
    gemeente = "NL00" if area == ["NL00"] else "[" + ", ".join(area) + "]"
    (folder / "bevolking.yaml").write_text(
        POPULATION_SPEC.format(gemeente=gemeente, year=YEAR), encoding="utf-8"
    )


def _key(folder: Path):  # type: ignore[no-untyped-def]
    from buurtbeeld.source.link_key import LinkKey, create_key_file

    path = folder / "bench.sleutel"
    return LinkKey.load(path) if path.exists() else create_key_file(path, "benchmark")


def _timed_pseudonymise(folder: Path, name: str) -> dict[str, object]:
    from buurtbeeld.source.pseudonym import pseudonymise
    from buurtbeeld.source.spec import load_spec

    spec = load_spec(folder / f"{name}.yaml")
    key = _key(folder)
    marks: list[tuple[str, float]] = []
    start = time.perf_counter()
    extract = pseudonymise(
        spec,
        key,
        folder / f"{name}-pseudoniemen.parquet",
        progress=lambda step: marks.append((step, time.perf_counter())),
    )
    end = time.perf_counter()
    steps = {}
    for (step, t), nxt in zip(marks, [*(m[1] for m in marks[1:]), end], strict=True):
        steps[step] = round(nxt - t, 2)
    return {
        "eenheden": sum(extract.units_per_period.values()),
        "totaal_s": round(end - start, 2),
        "stappen_s": steps,
        "bestand_mb": round(extract.path.stat().st_size / 1e6, 1),
    }


def run_aggregate_population(folder: Path) -> dict[str, object]:
    from buurtbeeld.source.aggregate import aggregate
    from buurtbeeld.source.spec import load_spec

    spec = load_spec(folder / "bevolking.yaml")
    start = time.perf_counter()
    agg = aggregate(spec)
    return {
        "totaal_s": round(time.perf_counter() - start, 2),
        "cellen": agg.tables[0].data.num_rows,
    }


def run_pseudo_population(folder: Path) -> dict[str, object]:
    return _timed_pseudonymise(folder, "bevolking")


def run_pseudo_registers(folder: Path) -> dict[str, object]:
    return {register: _timed_pseudonymise(folder, register) for register in REGISTERS}


def run_hmac(folder: Path) -> dict[str, object]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    bsn = pq.read_table(folder / "bevolking.parquet", columns=["bsn"])["bsn"]
    text = pc.utf8_lpad(pc.cast(bsn, "string"), 9, "0").combine_chunks()
    key = _key(folder)
    start = time.perf_counter()
    out = key.pseudonyms(text)
    seconds = time.perf_counter() - start
    return {
        "waarden": len(out),
        "seconden": round(seconds, 2),
        "us_per_waarde": round(seconds / len(out) * 1e6, 2),
    }


VARIANTS = {
    "aggregatie-bevolking": run_aggregate_population,
    "pseudo-bevolking": run_pseudo_population,
    "pseudo-registers": run_pseudo_registers,
    "hmac": run_hmac,
}


def main() -> None:
    """Prepare the data, run every variant in its own process, print the results as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=18_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--data", type=Path, default=Path("/tmp/buurtbeeld-bench-bron"))
    parser.add_argument("--run", choices=sorted(VARIANTS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    folder = args.data / f"p{args.persons}-s{args.seed}"
    if args.run:
        result = VARIANTS[args.run](folder)
        result["piek_mb"] = _peak_mb()
        print(json.dumps(result))
        return
    prepare(folder, args.persons, args.seed)
    prepare_population(folder, args.persons, args.seed)
    for variant in VARIANTS:
        out = subprocess.run(
            [
                *(sys.executable, __file__, "--run", variant, "--persons", str(args.persons)),
                *("--seed", str(args.seed), "--data", str(args.data)),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"{variant}: {out.stdout.strip().splitlines()[-1]}", flush=True)


if __name__ == "__main__":
    main()
