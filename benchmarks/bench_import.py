"""Import into a filled workspace: a national revision and a gemeente extract (issue 10 item 1).

Usage: python benchmarks/bench_import.py [--runs 3]

Per run, on a copy of a workspace holding the bundled KWB 2023 (561,596 observations):
- the first import of the bundled file into an empty workspace (reference, same run);
- a CBS revision of the national file (the converted CSV from ../shared/data: every one of the
  18,116 regions replaced, derived ratios recomputed);
- Utrecht's 122 rows (cut from that CSV), which replace 122 regions and leave the rest.
Prints best-of-runs seconds and the ratio to the first import.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from buurtbeeld.store.importer import BUNDLED_FILES, import_file
from buurtbeeld.store.workspace import create_workspace, open_workspace

ROOT = Path(__file__).resolve().parents[1]
NATIONAL_CSV = ROOT.parent / "shared/data/kwb2023_subset_nl.csv"


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    if not NATIONAL_CSV.exists():
        raise SystemExit(f"{NATIONAL_CSV} ontbreekt (../shared/data)")
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        lines = NATIONAL_CSV.read_text(encoding="utf-8").splitlines(keepends=True)
        utrecht = base / "kwb-2023-utrecht.csv"
        utrecht.write_text(
            lines[0] + "".join(ln for ln in lines[1:] if ln[2:6] == "0344" and ln[:2] != "NL"),
            encoding="utf-8",
        )
        empty = base / "leeg"
        create_workspace(empty)
        filled = base / "gevuld"
        shutil.copytree(empty, filled)
        import_file(open_workspace(filled), BUNDLED_FILES[0])
        results: dict[str, list[float]] = {"first": [], "revision": [], "gemeente": []}
        for i in range(runs):
            for name, template, path in (
                ("first", empty, BUNDLED_FILES[0]),
                ("revision", filled, NATIONAL_CSV),
                ("gemeente", filled, utrecht),
            ):
                target = base / f"{name}{i}"
                shutil.copytree(template, target)
                ws = open_workspace(target)
                results[name].append(timed(lambda ws=ws, p=path: import_file(ws, p, year=2023)))
    best = {k: min(v) for k, v in results.items()}
    print(f"first import, bundled Parquet into an empty workspace: {best['first']:.2f} s")
    for key, label in (
        ("revision", "national revision (18,116 regions)"),
        ("gemeente", "Utrecht extract (122 regions)"),
    ):
        print(
            f"{label} over the filled workspace: {best[key]:.2f} s ({best[key] / best['first']:.1f}×)"
        )


if __name__ == "__main__":
    main()
