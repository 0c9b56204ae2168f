"""Foundation benchmark: KWB import, page/API server time, national map render in Chromium.

Usage: python benchmarks/bench_foundation.py [--runs 3] [--requests 60]

Prints figures and ratios against baselines measured in the same run:
- import of the full KWB 2023 (18,116 regions) vs. DuckDB bare load+unpivot of the same file;
- server time (in-process ASGI) of the gemeente map page and the API for Dordrecht and Tilburg,
  p50/p95, vs. the app's trivial health endpoint;
- first render of the national buurt map (13,594 polygons) in Debian's headless Chromium vs. the
  Dordrecht map.
Targets (issue 2): import ≤ 3 s, page p95 ≤ 100 ms, national render ≤ 2 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import tempfile
import threading
import time
from pathlib import Path

import duckdb
import uvicorn
from fastapi.testclient import TestClient

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.store.importer import BUNDLED_FILES, import_file
from buurtbeeld.store.workspace import create_workspace, open_workspace
from buurtbeeld.testing import CHROMIUM_ARGS, chromium_path
from buurtbeeld.web.app import create_app

ROOT = Path(__file__).resolve().parents[1]
RAW_XLSX = ROOT.parent / "shared/data/raw/inmindaen-kwb2023/kwb-2023-transformed.xlsx"


def timed(fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench_import(base: Path, runs: int) -> dict[str, float]:
    template = base / "leeg"
    create_workspace(template)
    results: dict[str, list[float]] = {"import_parquet": [], "import_xlsx": [], "baseline": []}
    for i in range(runs):
        target = base / f"w{i}"
        shutil.copytree(template, target)
        results["import_parquet"].append(
            timed(lambda t=target: import_file(open_workspace(t), BUNDLED_FILES[0]))
        )
        if RAW_XLSX.exists():
            target2 = base / f"x{i}"
            shutil.copytree(template, target2)
            results["import_xlsx"].append(
                timed(lambda t=target2: import_file(open_workspace(t), RAW_XLSX, year=2023))
            )
        db = base / f"bare{i}.duckdb"

        def bare(db: Path = db) -> None:
            con = duckdb.connect(str(db))
            con.execute(
                f"CREATE TABLE o AS UNPIVOT (SELECT * FROM read_parquet('{BUNDLED_FILES[0]}')) "
                "ON COLUMNS(* EXCLUDE (gwb_code_10, gm_naam)) INTO NAME k VALUE v"
            )
            con.close()

        results["baseline"].append(timed(bare))
    return {k: min(v) for k, v in results.items() if v}


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_server(workspace: Path, requests: int) -> list[tuple[str, float, float]]:
    """Each request asks for the next indicator of the catalogue (41), so the app's map-view
    LRU cache (32 entries) never hits: these are cold server times, not cached ones."""
    indicators = [i.id for i in builtin_catalog().indicators]
    urls = {
        "baseline /gezond": "/gezond?{}",
        "Dordrecht page": "/gemeente/GM0505?indicator={}",
        "Dordrecht API geojson": "/api/v1/kaart/GM0505.geojson?indicator={}",
        "Dordrecht API waarden": "/api/v1/waarden?gebied=GM0505&indicator={}",
        "Tilburg page": "/gemeente/GM0855?indicator={}",
        "Tilburg API geojson": "/api/v1/kaart/GM0855.geojson?indicator={}",
        "Tilburg API waarden": "/api/v1/waarden?gebied=GM0855&indicator={}",
        "Tilburg stapelkaart page": "/gemeente/GM0855/stapeling?{}",
    }
    out = []
    with TestClient(create_app(workspace), base_url="http://127.0.0.1") as client:
        client.get("/api/v1/kaart/NL00.geojson?indicator=inwoners")  # loads the geometry layer once
        for name, template in urls.items():
            client.get(template.format(indicators[0]))  # warm-up: template compile
            times = []
            for n in range(requests):
                url = template.format(indicators[(n + 1) % len(indicators)])
                start = time.perf_counter()
                response = client.get(url)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200, url
            out.append((name, percentile(times, 0.5), percentile(times, 0.95)))
    return out


def bench_render(workspace: Path) -> dict[str, float]:
    from playwright.sync_api import sync_playwright

    chromium = chromium_path()
    if chromium is None:
        return {}
    server = uvicorn.Server(
        uvicorn.Config(create_app(workspace), host="127.0.0.1", port=8765, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
        for name, url in (
            ("Dordrecht map", "/gemeente/GM0505"),
            ("national buurt map", "/gemeente/NL00"),
        ):
            best = float("inf")
            for _ in range(3):
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                start = time.perf_counter()
                page.goto(f"http://127.0.0.1:8765{url}?indicator=bijstand_per_1000")
                page.wait_for_selector("#kaart[data-gerenderd]", timeout=60000)
                best = min(best, time.perf_counter() - start)
                page.close()
            results[name] = best
        browser.close()
    server.should_exit = True
    thread.join(timeout=10)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}; {time.strftime('%Y-%m-%d %H:%M')}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        imp = bench_import(base, args.runs)
        print(
            "\n== Import of the full KWB 2023 (18,116 regions, 41 indicators incl. derived), best of",
            args.runs,
        )
        print(f"bare DuckDB load+unpivot (baseline): {imp['baseline']:.2f} s")
        print(
            f"buurtbeeld import, bundled Parquet : {imp['import_parquet']:.2f} s  "
            f"({imp['import_parquet'] / imp['baseline']:.1f}× baseline; target ≤ 3 s)"
        )
        if "import_xlsx" in imp:
            print(
                f"buurtbeeld import, CBS xlsx        : {imp['import_xlsx']:.2f} s  "
                f"({imp['import_xlsx'] / imp['baseline']:.1f}× baseline)"
            )
        workspace = base / "vol"
        create_workspace(workspace)
        for path in BUNDLED_FILES:
            import_file(open_workspace(workspace), path)
        print(
            f"\n== Server time, in-process ASGI, {args.requests} requests each, no cache hits (ms)"
        )
        rows = bench_server(workspace, args.requests)
        base_p50 = rows[0][1]
        for name, p50, p95 in rows:
            print(
                f"{name:28s} p50 {p50 * 1000:6.1f}  p95 {p95 * 1000:6.1f}  ({p50 / base_p50:5.1f}× baseline p50)"
            )
        render = bench_render(workspace)
        if render:
            print("\n== First render in headless Chromium (navigation → map idle), best of 3")
            for name, seconds in render.items():
                print(
                    f"{name:28s} {seconds:.2f} s  ({seconds / render['Dordrecht map']:.1f}× Dordrecht)"
                )
        else:
            print("\n(chromium not installed: render benchmark skipped)")


if __name__ == "__main__":
    main()
