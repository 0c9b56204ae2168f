"""Load benchmark (issue 10, item 21): concurrent clients against `buurtbeeld serve`.

Usage: python benchmarks/bench_load.py [--werkmap DEMO] [--clients 50] [--seconds 60]
                                       [--processen 2] [--poort 8790]

Starts `buurtbeeld serve --processen N` on the demo workspace (the production setting: one
process per core) in its own process group, then runs ``--clients`` asynchronous HTTP clients
(httpx) for ``--seconds``. Each client loops over the mix of issue 10: a gemeente map page with
its GeoJSON, a buurt profile, the stapelkaart, the national page, and the API; profiles and maps
rotate over buurten and indicators, every client asks for gzip as browsers do.
Reports requests/s, p50/p95/max latency, errors (status ≥ 400 or connection failures), and the
peak memory of the server processes (sum of RSS sampled every 0.2 s, and the largest VmHWM).
The clients run on the same 2 cores as the server (as in the issue's measurement).
Targets: 0 errors and p95 ≤ 1 s for 50 clients.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx2 as httpx

from buurtbeeld.catalog.load import builtin_catalog

BUURTEN: list[str] = []  # Dordrecht's buurten, read from the API at start


def mix(n: int) -> list[str]:
    """The requests of one round of one client (varied by ``n``)."""
    indicators = [i.id for i in builtin_catalog().indicators if not i.derived][:20]
    ind = indicators[n % len(indicators)]
    gemeente = ("GM0505", "GM0642", "GM0855", "GM0363", "GM0344")[n % 5]
    return [
        f"/gemeente/{gemeente}?indicator={ind}",
        f"/api/v1/kaart/{gemeente}.geojson?indicator={ind}",
        f"/regio/{BUURTEN[n % len(BUURTEN)]}",
        "/gemeente/GM0505/stapeling",
        "/api/v1/stapeling/GM0505.geojson",
        "/gemeente/NL00/stapeling",
        "/gemeente/NL00?niveau=wijk",
        f"/api/v1/waarden?gebied={gemeente}&indicator={ind}",
        f"/api/v1/regios/{BUURTEN[(n + 7) % len(BUURTEN)]}/profiel",
    ]


def server_memory(pgid: int) -> tuple[int, int]:
    """(sum of RSS, largest VmHWM) in kB over the processes of the server's process group."""
    rss = hwm = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.getpgid(int(pid)) != pgid:
                continue
            status = Path(f"/proc/{pid}/status").read_text()
        except (OSError, ProcessLookupError):
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        rss += int(fields.get("VmRSS", "0 kB").split()[0])
        hwm = max(hwm, int(fields.get("VmHWM", "0 kB").split()[0]))
    return rss, hwm


async def client(
    base: str, n: int, until: float, latencies: list[float], errors: list[str]
) -> None:
    async with httpx.AsyncClient(
        base_url=base, timeout=60, headers={"accept-encoding": "gzip"}
    ) as c:
        round_ = n
        while time.perf_counter() < until:
            for url in mix(round_):
                start = time.perf_counter()
                try:
                    r = await c.get(url)
                    await r.aread()
                    if r.status_code >= 400:
                        errors.append(f"{r.status_code} {url}")
                except httpx.HTTPError as err:
                    errors.append(f"{type(err).__name__} {url}")
                latencies.append(time.perf_counter() - start)
                if time.perf_counter() >= until:
                    break
            round_ += 50


async def run(base: str, clients: int, seconds: float, pgid: int) -> None:
    latencies: list[float] = []
    errors: list[str] = []
    peak_rss = peak_hwm = 0
    until = time.perf_counter() + seconds
    start = time.perf_counter()
    tasks = [asyncio.create_task(client(base, n, until, latencies, errors)) for n in range(clients)]
    while not all(t.done() for t in tasks):
        rss, hwm = server_memory(pgid)
        peak_rss, peak_hwm = max(peak_rss, rss), max(peak_hwm, hwm)
        await asyncio.sleep(0.2)
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)

    def q(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    print(
        f"{clients} clients, {elapsed:.0f} s: {len(latencies)} requests, "
        f"{len(latencies) / elapsed:.1f} req/s, p50 {q(0.5) * 1000:.0f} ms, "
        f"p95 {q(0.95) * 1000:.0f} ms, max {ordered[-1] * 1000:.0f} ms, errors {len(errors)}"
    )
    print(
        f"server memory: peak RSS (all processes) {peak_rss / 1024:.0f} MB, "
        f"largest VmHWM {peak_hwm / 1024:.0f} MB"
    )
    if errors:
        print("first errors:", errors[:5])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--werkmap", type=Path, default=Path("/tmp/buurtbeeld-bench-demo"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--processen", type=int, default=2)
    parser.add_argument("--poort", type=int, default=8790)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M')}; "
        f"serve --processen {args.processen}"
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
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "buurtbeeld.cli.main",
            "serve",
            "--werkmap",
            str(args.werkmap),
            "--poort",
            str(args.poort),
            "--processen",
            str(args.processen),
        ],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{args.poort}"
    try:
        deadline = time.time() + 120
        while True:
            try:
                if httpx.get(f"{base}/gezond", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise SystemExit("server did not start")
            time.sleep(0.5)
        values = httpx.get(f"{base}/api/v1/waarden?gebied=GM0505&indicator=inwoners").json()
        BUURTEN.extend(v["code"] for v in values["waarden"])
        # one warm-up round per process: template compile, region index, national caches
        for n in range(2 * args.processen):
            for url in mix(n):
                httpx.get(base + url, timeout=120)
        asyncio.run(run(base, args.clients, args.seconds, os.getpgid(server.pid)))
    finally:
        os.killpg(os.getpgid(server.pid), signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
