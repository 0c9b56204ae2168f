"""Disclosure-control benchmark: suppression + audit on a gemeente and on the whole country.

Usage: python benchmarks/bench_protect.py [--skip-country] [--skip-tau] [--seed 1]

Tables are synthetic but shaped like the real thing (profile cbs-zorg: counts 0..7 hidden):

- gemeente: Tilburg-sized, 1 gemeente > 60 wijken > 250 buurten, x 16 voorziening categories +
  total = 5,287 cells; buurt populations log-normal around 700, ~25 care clients per 100 inhabitants
  spread unevenly over categories;
- country: 342 gemeenten > 3,300 wijken > 14,000 buurten x 4 categories + total = 88,215 cells.

Prints time for suppression + audit, secondary suppressions, and - when pytauargus (extra
``sdc-reference``) is installed - tau-Argus Modular's secondaries and time on the same gemeente
table as the baseline. Targets (issue 3): gemeente <= 2 s with no more secondaries than
tau-Argus Modular + 10 %; country <= 120 s.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from buurtbeeld.protect import (
    FrequencyRule,
    Profile,
    Table,
    audit_protected,
    build_cross_table,
    cells_above,
    protect_table,
)

ROOT = Path(__file__).resolve().parents[1]


def synthetic_regions(
    rng: np.random.Generator, n_gemeenten: int, n_wijken: int, n_buurten: int
) -> tuple[dict[str, list[str]], list[str]]:
    """A region hierarchy (NL > gemeente > wijk > buurt, or gemeente > wijk > buurt)."""
    wijken_per = rng.multinomial(n_wijken - n_gemeenten, rng.dirichlet(np.ones(n_gemeenten))) + 1
    buurten_per = rng.multinomial(n_buurten - n_wijken, np.ones(n_wijken) / n_wijken) + 1
    regions: dict[str, list[str]] = {"NL": []} if n_gemeenten > 1 else {}
    leaves, w = [], 0
    for g, n_w in enumerate(wijken_per):
        gem = f"GM{g:04d}"
        if n_gemeenten > 1:
            regions["NL"].append(gem)
        regions[gem] = []
        for j in range(n_w):
            wijk = f"WK{g:04d}{j:02d}"
            regions[gem].append(wijk)
            regions[wijk] = [f"BU{g:04d}{j:02d}{b:02d}" for b in range(buurten_per[w])]
            leaves += regions[wijk]
            w += 1
    return regions, leaves


def synthetic_table(
    seed: int, n_gemeenten: int, n_wijken: int, n_buurten: int, n_categories: int
) -> tuple[Table, dict[str, list[str]]]:
    """Care clients per buurt and voorziening category, with every total."""
    rng = np.random.default_rng(seed)
    regions, leaves = synthetic_regions(rng, n_gemeenten, n_wijken, n_buurten)
    categories = [f"vz{k:02d}" for k in range(n_categories)]
    share = rng.dirichlet(np.full(n_categories, 2.0))
    population = rng.lognormal(np.log(700), 0.7, len(leaves))
    rate = rng.gamma(8.0, 0.25 / 8.0, len(leaves))  # clients per inhabitant, ~0.25
    lam = np.outer(population * rate, share)
    counts = rng.poisson(lam)
    leaf_counts = {
        (b, c): int(counts[i, k]) for i, b in enumerate(leaves) for k, c in enumerate(categories)
    }
    return build_cross_table(leaf_counts, [regions, {"totaal": categories}]), regions


def run_ours(table: Table, regions: dict[str, list[str]], depth: int) -> dict[str, float]:
    """Suppression + audit (inside protect_table), then an independent re-audit."""
    link = cells_above(table, regions, depth=depth)
    start = time.perf_counter()
    protected = protect_table(table, profile="cbs-zorg", link_cells=link, seed=1)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    passed = audit_protected(table, protected).passed
    reaudit = time.perf_counter() - start
    return {
        "cells": len(table),
        "primary": protected.report.n_primary,
        "secondary": protected.report.n_secondary,
        "seconds": seconds,
        "lps": protected.report.n_lps,
        "reaudit_seconds": reaudit,
        "reaudit_passed": passed,
    }


def run_tau(
    table: Table, regions: dict[str, list[str]]
) -> tuple[dict[str, float], dict[str, float]] | None:
    """tau-Argus Modular (FREQ(8,0): 1..7 hidden, zeros empty) vs. ours under the same rule."""
    sys.path.insert(0, str(ROOT))
    from tests.protect.tau import AVAILABLE, tau_modular

    if not AVAILABLE:
        return None
    leaves = {c.key: c.count for c in table.cells if c.key[0].startswith("BU")}
    leaves = {k: n for k, n in leaves.items() if k[1] != "totaal"}
    root = next(iter(regions))
    tau: dict[str, float] = {}
    for options in ("1,0,0", "1,1,1"):
        start = time.perf_counter()
        found = tau_modular(
            leaves, regions, root=root, total="totaal", min_freq=8, mod_options=options
        )
        tau[options] = sum(s == "M" for s in found.values())
        tau[f"{options} seconds"] = time.perf_counter() - start
    link = cells_above(table, regions, depth=1)
    same = {}
    rule = FrequencyRule(1, 7)
    for name, profile in (
        ("plain", Profile("f8", frequency=rule, range_protection=False, singletons=False)),
        ("exact", Profile("f8", frequency=rule, range_protection=False)),
        ("range", Profile("f8", frequency=rule)),
    ):
        start = time.perf_counter()
        protected = protect_table(table, profile=profile, link_cells=link)
        same[f"{name}_secondary"] = protected.report.n_secondary
        same[f"{name}_seconds"] = time.perf_counter() - start
    return tau, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-country", action="store_true")
    parser.add_argument("--skip-tau", action="store_true")
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    table, regions = synthetic_table(args.seed, 1, 60, 250, 16)
    ours = run_ours(table, regions, depth=1)
    print(
        f"gemeente: {ours['cells']:,} cells, {ours['primary']:,} primary, "
        f"{ours['secondary']:,} secondary; suppression + audit {ours['seconds']:.2f} s "
        f"({ours['lps']} LPs); independent re-audit {ours['reaudit_seconds']:.2f} s "
        f"({'passed' if ours['reaudit_passed'] else 'FAILED'})"
    )
    if not args.skip_tau:
        found = run_tau(table, regions)
        if found is None:
            print("tau-Argus: pytauargus not installed (pip install '.[sdc-reference]')")
        else:
            tau, same = found
            print(
                "tau-Argus Modular, FREQ(8,0) (1..7 hidden, zeros empty): "
                f"MOD(1,5,1,0,0) {tau['1,0,0']:,.0f} secondary ({tau['1,0,0 seconds']:.2f} s "
                f"incl. process start); MOD(1,5,1,1,1) {tau['1,1,1']:,.0f} "
                f"({tau['1,1,1 seconds']:.2f} s)"
            )
            print(
                f"ours, same rule: no singleton protection {same['plain_secondary']:,} "
                f"({same['plain_seconds']:.2f} s); with singleton protection (PS2*) "
                f"{same['exact_secondary']:,} ({same['exact_seconds']:.2f} s); plus the "
                f"hidden-range rule {same['range_secondary']:,} ({same['range_seconds']:.2f} s)"
            )
    if not args.skip_country:
        table, regions = synthetic_table(args.seed, 342, 3300, 14000, 4)
        ours = run_ours(table, regions, depth=1)
        print(
            f"country: {ours['cells']:,} cells, {ours['primary']:,} primary, "
            f"{ours['secondary']:,} secondary; suppression + audit {ours['seconds']:.1f} s "
            f"({ours['lps']} LPs); independent re-audit {ours['reaudit_seconds']:.1f} s "
            f"({'passed' if ours['reaudit_passed'] else 'FAILED'})"
        )


if __name__ == "__main__":
    main()
