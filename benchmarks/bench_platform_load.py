"""Load while importing (issue 12, done-means): signed-in users while a KWB import runs via the web.

Usage (from the repository root)::

    python -m benchmarks.bench_platform_load [--werkmap DIR] [--clients 50] [--seconds 60]
                                             [--processen 2] [--poort 8791]

Builds (once) a national workspace (bundled KWB 2023 + health monitor), creates 50 *lezer*
accounts and a *beheerder* with server-side sessions, and starts ``buurtbeeld serve --processen N
--logformaat json`` with local sign-in (``BUURTBEELD_AANMELDEN=lokaal``). Then two phases of
``--seconds`` each, in the same run:

1. *baseline*: ``--clients`` signed-in users (asyncio + httpx, one session each) loop over the
   gemeente map page and its GeoJSON, a buurt profile (page and API), the stapelkaart (page and
   GeoJSON) and the values API, over five gemeenten and 20 indicators;
2. *import*: the same load while the beheerder uploads national KWB 2023 files (one value changed
   per file, so each is a real import of 18,116 regions) through Beheer → Imports, one after the
   other: each runs in its runner process, makes a new cube generation, and every worker switches.

Reported per phase: requests, errors (status ≥ 400 or connection failure; target 0), client
p50/p95, server-side p95 from the JSON access log (``duur_ms``; target ≤ 300 ms), peak memory
(sum of RSS of the server, its workers and the import runners, sampled every 0.2 s), and the
imports completed with their duration.

Load tool: a small asyncio + httpx driver (httpx2 is already a dependency; the driver is the
same as ``bench_load.py``'s), not locust: no new dependency, and the server-side p95 comes from
the server's own log anyway.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx2 as httpx
import pyarrow.compute as pc
import pyarrow.parquet as pq

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.platform.db import open_platform
from buurtbeeld.platform.sessions import SessionStore
from buurtbeeld.platform.users import UserStore
from buurtbeeld.store.importer import BUNDLED_FILES

PASSWORD = "benchmark-wachtwoord-2026"
GEMEENTEN = ("GM0505", "GM0642", "GM0855", "GM0363", "GM0344")
BUURTEN: list[str] = []


def mix(n: int) -> list[str]:
    """One round of one user: map (+ GeoJSON), profile (page + API), stapelkaart (+ GeoJSON), API."""
    indicators = [i.id for i in builtin_catalog().indicators if not i.derived][:20]
    ind = indicators[n % len(indicators)]
    gemeente = GEMEENTEN[n % len(GEMEENTEN)]
    buurt = BUURTEN[n % len(BUURTEN)]
    return [
        f"/gemeente/{gemeente}?indicator={ind}",
        f"/api/v1/kaart/{gemeente}.geojson?indicator={ind}",
        f"/regio/{buurt}",
        f"/api/v1/regios/{buurt}/profiel",
        f"/gemeente/{gemeente}/stapeling",
        f"/api/v1/stapeling/{gemeente}.geojson",
        f"/api/v1/waarden?gebied={gemeente}&indicator={ind}",
    ]


def tree_memory(root_pid: int) -> int:
    """Sum of RSS (kB) of ``root_pid`` and all its descendants (workers, import runners)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        pid = int(entry)
        parents[pid] = int(fields.get("PPid", "0").strip())
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total = 0
    for pid in rss:
        p = pid
        while p and p != root_pid:
            p = parents.get(p, 0)
        if p == root_pid:
            total += rss[pid]
    return total


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    peak_rss_kb: int = 0
    imports: list[tuple[str, float]] = field(default_factory=list)  # (status, seconds)
    server_ms: list[float] = field(default_factory=list)


async def user(base: str, cookie: dict[str, str], n: int, until: float, phase: Phase) -> None:
    async with httpx.AsyncClient(
        base_url=base, timeout=60, headers={"accept-encoding": "gzip"}, cookies=cookie
    ) as c:
        round_ = n
        while time.perf_counter() < until:
            for url in mix(round_):
                start = time.perf_counter()
                try:
                    r = await c.get(url)
                    await r.aread()
                    if r.status_code >= 400:
                        phase.errors.append(f"{r.status_code} {url}")
                except httpx.HTTPError as err:
                    phase.errors.append(f"{type(err).__name__} {url}")
                phase.latencies.append(time.perf_counter() - start)
                if time.perf_counter() >= until:
                    break
            round_ += 50


def variant(folder: Path, n: int) -> Path:
    """The bundled national KWB 2023 with NL00's inhabitants raised by ``n`` (a new file)."""
    table = pq.read_table(BUNDLED_FILES[0])
    codes = table["gwb_code_10"]
    column = table["a_inw"]
    raised = pc.if_else(pc.equal(codes, "NL00"), pc.add(column, n), column)
    path = folder / f"kwb-2023-landelijk-{n}.parquet"
    pq.write_table(table.set_column(table.column_names.index("a_inw"), "a_inw", raised), path)
    return path


async def importer(
    base: str, cookie: dict[str, str], csrf: str, until: float, phase: Phase, folder: Path
) -> None:
    n = int(time.time()) % 100_000  # a new file per upload, also across runs
    async with httpx.AsyncClient(base_url=base, timeout=300, cookies=cookie) as c:
        while time.perf_counter() < until - 5:
            n += 1
            path = await asyncio.to_thread(variant, folder, n)
            start = time.perf_counter()
            r = await c.post(
                "/beheer/imports",
                data={"csrf": csrf, "soort": "cbs"},
                files={"bestand": (path.name, path.read_bytes())},
            )
            if r.status_code != 303:
                phase.imports.append((f"upload {r.status_code}", 0.0))
                await asyncio.sleep(1)
                continue
            status_url = r.headers["location"] + "/status"
            while True:
                state = (await c.get(status_url)).json()
                if state["klaar"]:
                    break
                await asyncio.sleep(0.5)
            phase.imports.append((state["status"], time.perf_counter() - start))
            path.unlink()


async def run_phase(
    phase: Phase,
    base: str,
    cookies: list[dict[str, str]],
    seconds: float,
    server_pid: int,
    admin: tuple[dict[str, str], str] | None,
    folder: Path,
) -> None:
    until = time.perf_counter() + seconds
    tasks = [asyncio.create_task(user(base, c, n, until, phase)) for n, c in enumerate(cookies)]
    if admin is not None:
        tasks.append(asyncio.create_task(importer(base, *admin, until, phase, folder)))
    while not all(t.done() for t in tasks):
        phase.peak_rss_kb = max(phase.peak_rss_kb, tree_memory(server_pid))
        await asyncio.sleep(0.2)
    await asyncio.gather(*tasks)


def quantile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))] if ordered else 0.0


def server_times(log: Path, start: int, end: int) -> list[float]:
    """``duur_ms`` of the page/API requests logged between two byte offsets of the JSON log."""
    with log.open("rb") as fh:
        fh.seek(start)
        chunk = fh.read(end - start).decode("utf-8", "replace")
    out = []
    for line in chunk.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if "duur_ms" in record and not str(record.get("route", "")).startswith("/beheer"):
            out.append(float(record["duur_ms"]))
    return out


def prepare(root: Path, clients: int) -> tuple[list[str], str, str]:
    """The national workspace and accounts: (lezer session tokens, beheerder token, its CSRF)."""
    if not root.exists():
        subprocess.run([sys.executable, "-m", "buurtbeeld.cli.main", "init", str(root)], check=True)
    with open_platform(root) as db:
        users, sessions = UserStore(db), SessionStore(db)
        tokens = []
        for n in range(clients + 1):
            role = "beheerder" if n == clients else "lezer"
            name = f"bench-{role}-{n}"
            user = users.get(name) or users.create(name, role, PASSWORD, actor="benchmark")
            tokens.append(sessions.create(user, timedelta(hours=2)))
        admin = sessions.get(tokens[-1])
        assert admin is not None
        return tokens[:-1], tokens[-1], admin.csrf_token


def report(phase: Phase, seconds: float) -> dict[str, object]:
    done = [t for s, t in phase.imports if s == "klaar"]
    return {
        "fase": phase.name,
        "verzoeken": len(phase.latencies),
        "per_s": round(len(phase.latencies) / seconds, 1),
        "fouten": len(phase.errors),
        "eerste_fouten": phase.errors[:5],
        "client_p50_ms": round(quantile(phase.latencies, 0.5) * 1000),
        "client_p95_ms": round(quantile(phase.latencies, 0.95) * 1000),
        "server_p50_ms": round(quantile(phase.server_ms, 0.5)),
        "server_p95_ms": round(quantile(phase.server_ms, 0.95)),
        "server_max_ms": round(max(phase.server_ms, default=0)),
        "piek_rss_mb": round(phase.peak_rss_kb / 1024),
        "imports": [(s, round(t, 1)) for s, t in phase.imports],
        "import_gemiddeld_s": round(sum(done) / len(done), 1) if done else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--werkmap", type=Path, default=Path("/tmp/buurtbeeld-bench-platform"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--processen", type=int, default=2)
    parser.add_argument("--poort", type=int, default=8791)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}, "
        f"Python {platform.python_version()}; {time.strftime('%Y-%m-%d %H:%M')}; "
        f"serve --processen {args.processen}, {args.clients} users × {args.seconds:.0f} s",
        flush=True,
    )
    tokens, admin_token, admin_csrf = prepare(args.werkmap, args.clients)
    base = f"http://127.0.0.1:{args.poort}"
    env = {
        **os.environ,
        "BUURTBEELD_AANMELDEN": "lokaal",
        "BUURTBEELD_SESSIE_GEHEIM": secrets.token_urlsafe(48),
        "BUURTBEELD_ADRES": base,
    }
    log = args.werkmap.parent / "bench-platform-serve.log"
    with log.open("wb") as log_file:
        server = subprocess.Popen(
            [sys.executable, "-m", "buurtbeeld.cli.main", "serve", "--werkmap", str(args.werkmap),
             "--poort", str(args.poort), "--processen", str(args.processen),
             "--logformaat", "json"],
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=log_file, env=env,
        )  # fmt: skip
    name = "bb_sessie"
    cookies = [{name: t} for t in tokens]
    try:
        deadline = time.time() + 180
        while True:
            try:
                if httpx.get(f"{base}/gezond", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.time() > deadline or server.poll() is not None:
                raise SystemExit("server did not start")
            time.sleep(0.5)
        values = httpx.get(
            f"{base}/api/v1/waarden?gebied=GM0505&indicator=inwoners", cookies=cookies[0]
        ).json()
        BUURTEN.extend(v["code"] for v in values["waarden"] if v["code"].startswith("BU"))
        for n in range(2 * args.processen):  # warm-up: templates, region index, caches
            for url in mix(n):
                httpx.get(base + url, timeout=120, cookies=cookies[0])
        results = []
        for phase, admin in (
            (Phase("zonder import"), None),
            (Phase("met import via de web"), ({name: admin_token}, admin_csrf)),
        ):
            start = log.stat().st_size
            asyncio.run(
                run_phase(
                    phase, base, cookies, args.seconds, server.pid, admin, args.werkmap.parent
                )
            )
            time.sleep(1)  # the last log lines
            phase.server_ms = server_times(log, start, log.stat().st_size)
            results.append(report(phase, args.seconds))
            print(json.dumps(results[-1], ensure_ascii=False), flush=True)
    finally:
        os.killpg(os.getpgid(server.pid), signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
