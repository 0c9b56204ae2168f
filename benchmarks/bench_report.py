"""Report and export benchmark (issue 13 item 3): the printable report of a gemeente as PDF.

Usage: python benchmarks/bench_report.py [--repeat 5]

A fresh workspace with the bundled data (KWB 2023, health monitor 2016/2020), the real web app
(TestClient, no sign-in: the local viewer, who sees everything). Times, per gemeente, the PDF
report (the budget: ≤ 3 s for a gemeente), the same report as HTML, the XLSX and the
GeoPackage of the buurt map view, and as baseline the profile page of the same gemeente in the
same run. The first request of each gemeente is reported separately (cold caches: the choropleth
and the region index); the budget is judged on the median of the next requests, each of which
makes its PDF (the PDF cache is emptied before each); "cached" is a repeated download.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from buurtbeeld.store.importer import BUNDLED_FILES, import_file
from buurtbeeld.store.workspace import create_workspace, open_workspace
from buurtbeeld.web import report_pages
from buurtbeeld.web.app import create_app
from buurtbeeld.web.cache import LRUCache

GEMEENTEN = {"GM0505": "Dordrecht", "GM0363": "Amsterdam"}
BUDGET = 3.0


def timed(
    client: TestClient, url: str, repeat: int, *, uncached: bool = True
) -> tuple[float, float, float, int]:
    """(first, median of the next ``repeat``, median CPU time of those) in seconds, and the
    response size.

    ``uncached``: the PDF cache is emptied before each request, so every one makes the PDF.
    CPU time is the process's (the app runs in this process): on a machine shared by seven
    engineers (load 15+ on 2 cores) wall time is several times the work itself.
    """
    times = []
    cpu = []
    for _ in range(repeat + 1):
        if uncached:
            report_pages.PDF_CACHE = LRUCache(size=16)
        start, start_cpu = time.perf_counter(), time.process_time()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        assert response.status_code == 200, (url, response.status_code)
    return times[0], statistics.median(times[1:]), statistics.median(cpu[1:]), len(response.content)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "werkmap"
        create_workspace(root, name="bench")
        workspace = open_workspace(root)
        for path in BUNDLED_FILES:
            import_file(workspace, path)
        with TestClient(create_app(root), base_url="http://127.0.0.1") as client:
            print("| gemeente | what | first | median of next (wall) | median CPU | size |")
            print("|---|---|---|---|---|---|")
            for code, name in GEMEENTEN.items():
                first, cached, cached_cpu, _ = timed(
                    client, f"/regio/{code}/rapport.pdf", args.repeat, uncached=False
                )
                print(
                    f"| {name} | report PDF, cached | {first:.2f} s | {cached:.3f} s "
                    f"| {cached_cpu:.3f} s | |"
                )
                for label, url in (
                    ("report PDF", f"/regio/{code}/rapport.pdf"),
                    ("report HTML", f"/regio/{code}/rapport"),
                    ("XLSX, buurten", f"/gemeente/{code}/tabel.xlsx"),
                    ("GeoPackage, buurten", f"/gemeente/{code}/tabel.gpkg"),
                    ("profile page (baseline)", f"/regio/{code}"),
                ):
                    first, median, cpu, size = timed(client, url, args.repeat)
                    mark = cpu_mark = ""
                    if label == "report PDF":
                        mark = " ✔" if median <= BUDGET else " ✘"
                        cpu_mark = " ✔" if cpu <= BUDGET else " ✘"
                    print(
                        f"| {name} | {label} | {first:.2f} s | {median:.2f} s{mark} "
                        f"| {cpu:.2f} s{cpu_mark} | {size / 1024:.0f} KB |"
                    )
            print(f"load average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
