"""Web benchmark (issue 10, item 13): server time of every page, response sizes, CLI help time.

Usage: python benchmarks/bench_web.py [--werkmap DEMO] [--requests 40]

- server time (in-process ASGI, gzip on as a browser asks for it) p50/p95 of every page and the
  main API calls on the demo workspace (all of NL + the Drechtsteden partner packages), against
  the app's trivial health endpoint in the same run. Profiles rotate over buurten, wijken and
  gemeenten (no request is answered from an earlier one); maps rotate over indicators; the
  stapelkaart is measured cold (first request of a choice) and warm;
- response size on the wire without and with gzip;
- `buurtbeeld --help` and `buurtbeeld bron --help` wall time against `python -c pass`.
Targets: every page p95 ≤ 100 ms server time, CLI help ≤ 1 s.
The demo workspace is built with `buurtbeeld demo --niet-starten` when --werkmap does not exist.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def wall(args: list[str], runs: int = 5) -> tuple[float, float]:
    """Median and best wall time of a command."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    return percentile(times, 0.5), min(times)


def bench_cli() -> None:
    python = sys.executable
    print("\n== CLI start-up (wall time, median / best of 5)")
    base = wall([python, "-c", "pass"])
    print(f"{'python -c pass (baseline)':34s} {base[0]:5.2f} / {base[1]:5.2f} s")
    for label, args in (
        ("buurtbeeld --help", ["--help"]),
        ("buurtbeeld bron --help", ["bron", "--help"]),
        ("buurtbeeld serve --help", ["serve", "--help"]),
    ):
        med, best = wall([python, "-m", "buurtbeeld.cli.main", *args])
        print(f"{label:34s} {med:5.2f} / {best:5.2f} s   (target ≤ 1 s)")


def _rotating(template: str, values: list[str]) -> Callable[[int], str]:
    return lambda n: template.format(values[n % len(values)])


def bench_pages(workspace: Path, requests: int) -> None:
    from fastapi.testclient import TestClient

    from buurtbeeld.catalog.load import builtin_catalog
    from buurtbeeld.store.cube import Cube
    from buurtbeeld.store.workspace import open_workspace
    from buurtbeeld.web.app import create_app

    indicators = [i.id for i in builtin_catalog().indicators]
    cube = Cube(open_workspace(workspace))
    buurten = [b.code for b in cube.children("GM0505", "buurt")]
    buurten += [b.code for b in cube.children("GM0855", "buurt")]
    wijken = [w.code for w in cube.children("GM0505", "wijk")]
    gemeenten = [g.code for g in cube.gemeenten()]
    cube.close()
    stack_sets = [
        ["bijstand_per_1000", "jeugdzorg_pct", "wmo_per_1000"],
        ["bijstand_per_1000", "ww_per_1000"],
        ["huishoudens_laag_inkomen_pct", "jeugdzorg_pct", "ww_per_1000"],
        ["moeite_rondkomen_pct", "wmo_per_1000"],
        ["bijstand_per_1000", "huishoudens_laag_inkomen_pct"],
        ["jeugdzorg_pct", "ww_per_1000", "wmo_per_1000", "bijstand_per_1000"],
    ]
    stacks = ["&".join(f"indicator={i}" for i in s) for s in stack_sets]
    cases: list[tuple[str, Callable[[int], str]]] = [
        ("baseline /gezond", lambda n: "/gezond"),
        ("home (gemeente chooser)", lambda n: "/"),
        ("Dordrecht map page", _rotating("/gemeente/GM0505?indicator={}", indicators)),
        ("Tilburg map page", _rotating("/gemeente/GM0855?indicator={}", indicators)),
        ("NL wijk map page", _rotating("/gemeente/NL00?niveau=wijk&indicator={}", indicators)),
        ("buurt profile", _rotating("/regio/{}", buurten)),
        ("wijk profile", _rotating("/regio/{}", wijken)),
        ("gemeente profile", _rotating("/regio/{}", gemeenten)),
        ("indicator page", _rotating("/indicatoren/{}", indicators)),
        ("indicator list", lambda n: "/indicatoren"),
        ("about page", lambda n: "/over"),
        ("API docs page", lambda n: "/api/v1/docs"),
        ("Dordrecht stapelkaart, warm", lambda n: "/gemeente/GM0505/stapeling"),
        ("NL stapelkaart page 1, warm", lambda n: "/gemeente/NL00/stapeling"),
        ("NL stapelkaart page n, warm", lambda n: f"/gemeente/NL00/stapeling?pagina={1 + n % 29}"),
        (
            "Dordrecht stapelkaart, cold",
            lambda n: f"/gemeente/GM0505/stapeling?referentie=nederland&{stacks[n % len(stacks)]}",
        ),
        (
            "API values Dordrecht",
            _rotating("/api/v1/waarden?gebied=GM0505&indicator={}", indicators),
        ),
        (
            "API GeoJSON Dordrecht",
            _rotating("/api/v1/kaart/GM0505.geojson?indicator={}", indicators),
        ),
        ("API profile buurt", _rotating("/api/v1/regios/{}/profiel", buurten)),
        ("API stapeling Dordrecht", lambda n: "/api/v1/stapeling/GM0505"),
    ]
    sizes = [
        "/gemeente/GM0505",
        "/gemeente/NL00/stapeling",
        "/regio/BU05050101",
        "/api/v1/docs",
        "/api/v1/waarden?gebied=GM0505&indicator=inwoners",
        "/api/v1/kaart/GM0505.geojson?indicator=inwoners",
        "/api/v1/kaart/NL00.geojson?indicator=inwoners",
        "/api/v1/stapeling/NL00.geojson",
        "/gemeente/GM0505/tabel.csv",
        "/static/vendor/maplibre-gl/maplibre-gl.mjs",
    ]
    gzip = {"accept-encoding": "gzip"}
    with TestClient(create_app(workspace), base_url="http://127.0.0.1") as client:
        start = time.perf_counter()
        client.get("/regio/BU05050101", headers=gzip)
        print(
            f"\nfirst profile request (reads the region index): {time.perf_counter() - start:.2f} s"
        )
        client.get("/api/v1/kaart/NL00.geojson?indicator=inwoners")  # geometry layer, once
        print(f"\n== Server time, in-process ASGI with gzip, {requests} requests each (ms)")
        base_p50 = None
        cold_stack = 0
        for name, url_of in cases:
            if "cold" not in name:
                client.get(url_of(0), headers=gzip)  # warm-up: template compile, cache
            times = []
            count = min(requests, len(stacks)) if "cold" in name else requests
            for n in range(count):
                url = url_of(n + 1 + cold_stack)
                start = time.perf_counter()
                response = client.get(url, headers=gzip)
                times.append(time.perf_counter() - start)
                assert response.status_code == 200, (url, response.status_code)
            p50, p95 = percentile(times, 0.5), percentile(times, 0.95)
            base_p50 = base_p50 or p50
            print(
                f"{name:32s} p50 {p50 * 1000:7.1f}  p95 {p95 * 1000:7.1f}  "
                f"({p50 / base_p50:5.1f}× baseline p50)"
            )
        print("\n== Response size on the wire: identity → gzip")
        for url in sizes:
            plain = client.get(url, headers={"accept-encoding": "identity"})
            with client.stream("GET", url, headers=gzip) as packed:
                wire = len(b"".join(packed.iter_raw()))
                encoding = packed.headers.get("content-encoding", "none")
            print(
                f"{url[:60]:60s} {len(plain.content) / 1024:9.1f} KB → {wire / 1024:8.1f} KB "
                f"({encoding}, {len(plain.content) / max(wire, 1):4.1f}×)"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--werkmap", type=Path, default=Path("/tmp/buurtbeeld-bench-demo"))
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    import duckdb

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}; "
        f"{time.strftime('%Y-%m-%d %H:%M')}"
    )
    if not args.werkmap.exists():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "buurtbeeld.cli.main",
                "demo",
                "--werkmap",
                str(args.werkmap),
                "--niet-starten",
            ],
            check=True,
        )
    bench_cli()
    bench_pages(args.werkmap, args.requests)


if __name__ == "__main__":
    main()
