"""A/B of the map pages of two code trees: navigation → map idle, interleaved, and screenshots.

Usage: python benchmarks/bench_map_ab.py --a SRC --b SRC --werkmap DIR [--runs 5] [--shots DIR]

One server per code tree (``SRC`` is a ``src`` directory, e.g. of ``git archive main src``),
both on the same workspace, one headless Chromium; per round the pages of both trees in
shuffled order, so that load changes hit A and B alike (the machine is shared: only ratios
within one run compare). Per page: wall time to ``#kaart[data-gerenderd]``, Chromium's CPU
seconds (process tree), the page's own ``data-gerenderd`` (module start → idle, ms) and the
server's CPU seconds. No request interception (Playwright's routing turns the HTTP cache off).

With ``--shots`` it also saves a screenshot of the national map of each tree and compares them
pixel by pixel: land pixels (not the map's #f7f7f7 background in A) that change colour in B,
background and hatching pixels of each (how the national-map notes in docs/benchmarks.md
measured the picture the merge of small buurten gives).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

from benchmarks.bench_map import chromium_cpu
from buurtbeeld.testing import CHROMIUM_ARGS, chromium_path

PAGES = (
    ("Dordrecht", "/gemeente/GM0505?indicator=bijstand_per_1000"),
    ("national", "/gemeente/NL00?indicator=bijstand_per_1000"),
)
BACKGROUND = (247, 247, 247)
HATCH = (130, 130, 130)


def serve(src: Path, root: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    command = [sys.executable, "-m", "buurtbeeld", "serve", "-w", str(root), "--poort", str(port)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"server of {src} did not start")


def process_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def near(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: int) -> np.ndarray:
    return np.all(np.abs(pixels - np.array(colour)) <= tolerance, axis=-1)


def compare(a: np.ndarray, b: np.ndarray) -> str:
    """Land pixels of A that change colour in B, and pixels per colour (the fill colours of
    the classes, the background, the hatching) in A and in B."""
    land = ~near(a, BACKGROUND, 2)
    changed = land & (np.abs(a - b).max(axis=-1) > 8)
    into_background = changed & near(b, BACKGROUND, 2)
    filled = ~land & ~near(b, BACKGROUND, 2)
    colours, counts = np.unique(a.reshape(-1, 3), axis=0, return_counts=True)
    common = [tuple(int(v) for v in c) for c in colours[np.argsort(-counts)[:8]]]
    per_colour = ", ".join(
        f"rgb{c}: {int(near(a, c, 0).sum())} → {int(near(b, c, 0).sum())}"  # type: ignore[arg-type]
        for c in common
    )
    return (
        f"land pixels (A) {int(land.sum())}, changed colour in B {int(changed.sum())} "
        f"({changed.sum() / max(land.sum(), 1):.1%}; of them to background "
        f"{int(into_background.sum())}); background in A, land in B {int(filled.sum())}; "
        f"hatching A {int(near(a, HATCH, 4).sum())}, B {int(near(b, HATCH, 4).sum())}\n"
        f"pixels per colour, A → B: {per_colour}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--a", type=Path, required=True, help="src directory of tree A")
    parser.add_argument("--b", type=Path, required=True, help="src directory of tree B")
    parser.add_argument("--werkmap", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--shots", type=Path, default=None, help="save and compare screenshots")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    from PIL import Image
    from playwright.sync_api import sync_playwright

    chromium = chromium_path()
    if chromium is None:
        raise SystemExit("chromium not installed")
    print(f"{time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC, load {os.getloadavg()[0]:.1f}")
    servers = {"A": serve(args.a, args.werkmap, 8801), "B": serve(args.b, args.werkmap, 8802)}
    ports = {"A": 8801, "B": 8802}
    results: dict[tuple[str, str], list[tuple[float, float, float, float]]] = {}
    rng = random.Random(args.seed)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(chromium), args=list(CHROMIUM_ARGS))

            def load(tree: str, url: str) -> tuple[float, float, float, float, object]:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                cpu, server_cpu = chromium_cpu(), process_cpu(servers[tree].pid)
                start = time.perf_counter()
                page.goto(f"http://127.0.0.1:{ports[tree]}{url}")
                page.wait_for_selector("#kaart[data-gerenderd]", timeout=120000)
                wall = time.perf_counter() - start
                own = float(page.get_attribute("#kaart", "data-gerenderd") or "nan")
                used = chromium_cpu() - cpu
                return wall, used, own, process_cpu(servers[tree].pid) - server_cpu, page

            for tree in ports:  # warm-up: server caches and the browser's compile cache
                for _, url in PAGES:
                    *_, page = load(tree, url)
                    page.close()  # type: ignore[attr-defined]
            for _ in range(args.runs):
                order = [(tree, name, url) for tree in ports for name, url in PAGES]
                rng.shuffle(order)
                for tree, name, url in order:
                    *measured, page = load(tree, url)
                    page.close()  # type: ignore[attr-defined]
                    results.setdefault((name, tree), []).append(tuple(measured))  # type: ignore[arg-type]
            if args.shots:
                args.shots.mkdir(parents=True, exist_ok=True)
                shots = {}
                for tree in ports:
                    *_, page = load(tree, PAGES[1][1])
                    page.wait_for_timeout(1000)  # labels and late frames
                    png = page.locator("#kaart").screenshot()  # type: ignore[attr-defined]
                    (args.shots / f"national-{tree}.png").write_bytes(png)
                    shots[tree] = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
                    page.close()  # type: ignore[attr-defined]
            browser.close()
    finally:
        for server in servers.values():
            server.terminate()
            server.wait(timeout=20)
    print(f"== median of {args.runs}, A = {args.a}, B = {args.b}")
    for name, _ in PAGES:
        cells = []
        for tree in ports:
            rows = results[(name, tree)]
            wall, cpu, own, server = (statistics.median(r[k] for r in rows) for k in range(4))
            runs = " / ".join(f"{r[0]:.2f}" for r in rows)
            cells.append(
                f"{tree} {wall:.2f} s (CPU {cpu:.2f} s, g {own:.0f} ms, server {server:.3f} s;"
                f" runs {runs})"
            )
        print(f"{name:10s} " + "\n           ".join(cells))
    ratio = {
        tree: statistics.median(r[0] for r in results[("national", tree)])
        / statistics.median(r[0] for r in results[("Dordrecht", tree)])
        for tree in ports
    }
    print(f"national / Dordrecht: A {ratio['A']:.2f}×, B {ratio['B']:.2f}×")
    if args.shots:
        print("national map, A vs B: " + compare(shots["A"], shots["B"]))
    print(f"load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
