"""Map render benchmark: navigation → map idle in headless Chromium, median of N.

Usage: python benchmarks/bench_map.py [--runs 5] [--werkmap DIR]

Measures, in one run against one live server, the Dordrecht buurt map and the national buurt
map (13,594 polygons) drawn from GeoJSON as before issue 13 (``?tegels=nee``) and from the
vector tiles, interleaved so that load changes hit all three alike. Target (issue 13 item 5): national map
idle ≤ 1.5 s, median of 5. Besides the wall time it prints the CPU seconds of Chromium's process
tree per page load, which varies less than the wall time when other work shares the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import threading
import time
from pathlib import Path

import uvicorn

from buurtbeeld.store.importer import BUNDLED_FILES, import_file
from buurtbeeld.store.workspace import create_workspace, open_workspace
from buurtbeeld.testing import CHROMIUM_ARGS, chromium_path
from buurtbeeld.web.app import create_app

PAGES = (
    ("Dordrecht buurt map", "/gemeente/GM0505?indicator=bijstand_per_1000"),
    ("national, GeoJSON (before)", "/gemeente/NL00?indicator=bijstand_per_1000&tegels=nee"),
    ("national, vector tiles", "/gemeente/NL00?indicator=bijstand_per_1000"),
)


def workspace(path: Path) -> Path:
    if not any(path.glob("*")):
        create_workspace(path)
        for bundled in BUNDLED_FILES:
            import_file(open_workspace(path), bundled)
    return path


def chromium_cpu() -> float:
    """CPU seconds (user + system) of this process's descendants: Playwright's Chromium."""
    parents: dict[int, list[int]] = {}
    cpu: dict[int, float] = {}
    tick = os.sysconf("SC_CLK_TCK")
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents.setdefault(int(fields[1]), []).append(int(entry))
        cpu[int(entry)] = (int(fields[11]) + int(fields[12])) / tick
    total, todo = 0.0, list(parents.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        total += cpu.get(pid, 0.0)
        todo.extend(parents.get(pid, []))
    return total


def render(root: Path, runs: int) -> dict[str, list[tuple[float, float]]]:
    from playwright.sync_api import sync_playwright

    chromium = chromium_path()
    if chromium is None:
        raise SystemExit("chromium not installed")
    server = uvicorn.Server(
        uvicorn.Config(create_app(root), host="127.0.0.1", port=8766, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    results: dict[str, list[tuple[float, float]]] = {name: [] for name, _ in PAGES}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))
        for _name, url in PAGES:  # warm-up: server caches and the browser's compile cache
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:8766{url}")
            page.wait_for_selector("#kaart[data-gerenderd]", timeout=120000)
            page.close()
        for _ in range(runs):  # interleaved, so load changes hit both maps alike
            for name, url in PAGES:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                cpu = chromium_cpu()
                start = time.perf_counter()
                page.goto(f"http://127.0.0.1:8766{url}")
                page.wait_for_selector("#kaart[data-gerenderd]", timeout=120000)
                results[name].append((time.perf_counter() - start, chromium_cpu() - cpu))
                page.close()
        browser.close()
    server.should_exit = True
    thread.join(timeout=10)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--werkmap", type=Path, default=None)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"{time.strftime('%Y-%m-%d %H:%M')} UTC, load average {os.getloadavg()[0]:.1f}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = args.werkmap or Path(tmp) / "werkmap"
        root.mkdir(parents=True, exist_ok=True)
        results = render(workspace(root), args.runs)
    base = statistics.median(t for t, _ in results[PAGES[0][0]])
    print(f"\n== navigation → map idle in headless Chromium, median of {args.runs}")
    for name, measured in results.items():
        median = statistics.median(t for t, _ in measured)
        cpu = statistics.median(c for _, c in measured)
        runs = " / ".join(f"{t:.2f}" for t, _ in measured)
        print(
            f"{name:28s} median {median:.2f} s  ({median / base:.2f}× Dordrecht)  "
            f"Chromium CPU {cpu:.2f} s  runs {runs}"
        )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
