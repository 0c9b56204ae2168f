"""Secondary suppression against tau-Argus Modular on random hierarchical tables (issue 14).

Usage: python benchmarks/bench_sdc.py [--classes tiny,small] [--tables 3] [--seed 1] [--skip-tau]

A seeded generator makes random region trees (gemeente > wijk > buurt, or NL > gemeente > wijk >
buurt for the national class) x categories + total, with Poisson counts around a size class's
mean so that about a quarter of the buurt cells are unsafe. Rule as tau-Argus can express it:
``FREQ(8,0)``, counts 1..7 unsafe, zeros published. Every table is protected by

- tau-Argus Modular ``MOD(1,5,1,0,0)`` through ``pytauargus`` (one child process per run);
- Buurtbeeld at the tau-Argus-equivalent standard (no singleton or hidden-range protection)
  and at the strict default standard (singletons PS2*, the interval must leave 1..7), each
  without clean-up (``kosten="geen"``) and with it (``kosten="minste-cellen"``; ``--no-cleanup``
  skips these); and the strict standard with the lenient singleton rule
  (``singleton_regel="enkelingen"``), without clean-up;

and every pattern is attacked with Buurtbeeld's LP audit under the strict requirements: exact
disclosures (any hidden cell) and interval disclosures (a primary bounded inside 1..7).
Prints per size class: secondaries, suppressed value, protection time, disclosures, and the
ratios to Modular; at the end the totals and which targets of issue 14 hold.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from buurtbeeld.protect import (
    CellStatus,
    FrequencyRule,
    Profile,
    Table,
    audit_protected,
    build_cross_table,
    cells_above,
    protect_table,
)

ROOT = Path(__file__).resolve().parents[1]

# class: (gemeenten (0: one gemeente is the root), wijken, buurten, categories, mean per cell)
CLASSES: dict[str, tuple[int, int, int, int, float]] = {
    "tiny": (0, 3, 8, 2, 14.0),
    "small": (0, 8, 30, 4, 14.0),
    "medium": (0, 25, 110, 8, 16.0),
    "large": (0, 60, 250, 12, 18.0),
    "national": (120, 900, 3500, 4, 30.0),
}
DEFAULT_TABLES = {"tiny": 8, "small": 6, "medium": 3, "large": 2, "national": 1}
RULE = FrequencyRule(1, 7)
STRICT = Profile("strikt", frequency=RULE, rounding_base=None)
STRICT_LENIENT = dataclasses.replace(STRICT, name="strikt-enkelingen", singleton_regel="enkelingen")
TAU_LIKE = Profile(
    "tau-norm", frequency=RULE, rounding_base=None, singletons=False, range_protection=False
)


def random_table(
    seed: int, size: str
) -> tuple[Table, dict[str, list[str]], dict[tuple[str, str], int], str]:
    """A random hierarchical count table of a size class (seeded)."""
    n_gem, n_wijk, n_buurt, n_cat, mean = CLASSES[size]
    rng = np.random.default_rng([seed, list(CLASSES).index(size)])
    n_wijk = max(1, int(rng.integers(n_wijk * 3 // 4, n_wijk * 5 // 4 + 1)))
    n_buurt = max(n_wijk, int(rng.integers(n_buurt * 3 // 4, n_buurt * 5 // 4 + 1)))
    root = "NL00" if n_gem else "GM0001"
    regions: dict[str, list[str]] = {root: []}
    gemeenten = [f"GM{g + 1:04d}" for g in range(n_gem)] if n_gem else [root]
    if n_gem:
        regions[root] = list(gemeenten)
        for g in gemeenten:
            regions[g] = []
    wijk_of = rng.integers(0, len(gemeenten), n_wijk)
    wijk_of[: len(gemeenten)] = np.arange(min(len(gemeenten), n_wijk))
    wijken = []
    for w in range(n_wijk):
        gem = gemeenten[int(wijk_of[w])]
        wijk = f"WK{gem[2:]}{len(regions[gem]):02d}"
        regions[gem].append(wijk)
        regions[wijk] = []
        wijken.append(wijk)
    buurt_of = rng.integers(0, n_wijk, n_buurt)
    buurt_of[:n_wijk] = np.arange(n_wijk)
    leaves = []
    for b in range(n_buurt):
        wijk = wijken[int(buurt_of[b])]
        buurt = f"BU{wijk[2:]}{len(regions[wijk]):02d}"
        regions[wijk].append(buurt)
        leaves.append(buurt)
    regions = {k: v for k, v in regions.items() if v}
    categories = [f"c{k}" for k in range(n_cat)]
    share = rng.dirichlet(np.full(n_cat, 2.0)) * n_cat
    size_b = rng.lognormal(0.0, 0.8, n_buurt)
    counts = rng.poisson(np.outer(size_b, share) * mean / n_cat * 1.2)
    leaf = {
        (b, c): int(counts[i, k]) for i, b in enumerate(leaves) for k, c in enumerate(categories)
    }
    return build_cross_table(leaf, [regions, {"totaal": categories}]), regions, leaf, root


def _hrc(regions: dict[str, list[str]], node: str, depth: int = 0) -> list[str]:
    lines = []
    for child in regions.get(node, []):
        lines.append("@" * depth + child)
        lines += _hrc(regions, child, depth + 1)
    return lines


def run_tau(
    regions: dict[str, list[str]], leaf: dict[tuple[str, str], int], root: str
) -> tuple[dict[tuple[str, ...], CellStatus], float]:
    """tau-Argus Modular MOD(1,5,1,0,0), FREQ(8,0): status per cell and seconds."""
    sys.path.insert(0, str(ROOT))
    from tests.protect.tau import _run

    start = time.perf_counter()
    rows = _run(
        {
            "job": "modular",
            "mod_options": "1,0,0",
            "leaves": [[list(k), n] for k, n in leaf.items() if n > 0],
            "hrc": "\n".join(_hrc(regions, root)) + "\n",
            "min_freq": 8,
        }
    )
    seconds = time.perf_counter() - start
    status = {"U": CellStatus.PRIMARY_SUPPRESSED, "M": CellStatus.SECONDARY_SUPPRESSED}
    out = {}
    for r in rows:
        key = (root if r[0] == "Total" else r[0], "totaal" if r[1] == "Total" else r[1])
        out[key] = status.get(r[-3], CellStatus.PUBLISHABLE)
    return out, seconds


def attack(table: Table, statuses: list[CellStatus]) -> tuple[int, int]:
    """Exact and interval disclosures of a pattern under the strict requirements."""
    result = audit_protected(table, statuses, profile=STRICT)
    exact = sum(f.problem == "exact" for f in result.findings)
    return exact, len(result.findings) - exact


def measure(table: Table, statuses: list[CellStatus], seconds: float) -> dict[str, float]:
    secondary = [i for i, s in enumerate(statuses) if s == CellStatus.SECONDARY_SUPPRESSED]
    exact, interval = attack(table, statuses)
    return {
        "secondary": len(secondary),
        "value": sum(table.cells[i].count for i in secondary),
        "seconds": seconds,
        "exact": exact,
        "interval": interval,
    }


def run_table(
    seed: int, size: str, skip_tau: bool, cleanup: bool = True
) -> dict[str, dict[str, float]]:
    table, regions, leaf, root = random_table(seed, size)
    link = cells_above(table, regions, depth=1)  # gemeente and wijk (national: NL, gemeente)
    out: dict[str, dict[str, float]] = {}
    both = ("geen", "minste-cellen") if cleanup else ("geen",)
    variants = (("tau-norm", TAU_LIKE, both), ("strikt", STRICT, both))
    for name, profile, kostens in (*variants, ("strikt-enkelingen", STRICT_LENIENT, ("geen",))):
        for kosten in kostens:
            prof = dataclasses.replace(profile, kosten=kosten)
            start = time.perf_counter()
            protected = protect_table(table, profile=prof, link_cells=link, rounding=False)
            seconds = time.perf_counter() - start
            out[f"{name}/{kosten}"] = measure(table, list(protected.statuses), seconds)
    if not skip_tau:
        found, seconds = run_tau(regions, leaf, root)
        statuses = [found.get(c.key, CellStatus.PUBLISHABLE) for c in table.cells]
        out["modular"] = measure(table, statuses, seconds)
    out["_"] = {
        "cells": len(table),
        "primary": sum(1 for c in table.cells if RULE.is_sensitive(c.count)),
    }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classes", default=",".join(CLASSES))
    parser.add_argument("--tables", type=int, default=0, help="tables per class (0: default)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-tau", action="store_true")
    parser.add_argument("--no-cleanup", action="store_true", help="skip the clean-up variants")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{sys.version.split()[0]}, {time.strftime('%Y-%m-%d %H:%M')}",
        flush=True,
    )
    methods = ["tau-norm/geen", "tau-norm/minste-cellen", "strikt/geen", "strikt/minste-cellen"]
    if args.no_cleanup:
        methods = [m for m in methods if m.endswith("/geen")]
    methods.append("strikt-enkelingen/geen")
    if not args.skip_tau:
        methods.append("modular")
    grand: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    big: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for size in args.classes.split(","):
        total: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        n = args.tables or DEFAULT_TABLES[size]
        cells = 0
        for t in range(n):
            found = run_table(args.seed * 1000 + t, size, args.skip_tau, not args.no_cleanup)
            cells += int(found["_"]["cells"])
            line = [f"  {size} #{t}: {int(found['_']['cells']):,} cells, "
                    f"{int(found['_']['primary']):,} primary"]  # fmt: skip
            for m in methods:
                r = found[m]
                line.append(f"{m} {int(r['secondary'])} ({r['seconds']:.2f} s)")
                for k, v in r.items():
                    total[m][k] += v
                    grand[m][k] += v
                    if found["_"]["cells"] >= 2000:
                        big[m][k] += v
            print("; ".join(line), flush=True)
        print(f"{size}: {n} tables, {cells:,} cells", flush=True)
        _print(total, methods)
    print("all classes:", flush=True)
    _print(grand, methods)
    if big:
        print("tables from 2,000 cells:", flush=True)
        _print(big, methods)


def _print(total: dict[str, dict[str, float]], methods: list[str]) -> None:
    ref = total.get("modular")
    for m in methods:
        r = total[m]
        ratio = ""
        if ref and m != "modular":
            ratio = (
                f"  x Modular: secondaries {r['secondary'] / max(ref['secondary'], 1):.3f}, "
                f"value {r['value'] / max(ref['value'], 1):.3f}, "
                f"time {r['seconds'] / max(ref['seconds'], 1e-9):.2f}"
            )
        print(
            f"    {m:<24} secondaries {int(r['secondary']):>6,}  value {int(r['value']):>8,}  "
            f"{r['seconds']:7.2f} s  exact {int(r['exact'])}  interval {int(r['interval'])}"
            + ratio,
            flush=True,
        )


if __name__ == "__main__":
    main()
