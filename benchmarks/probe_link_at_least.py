"""Issue 11: how many regions of the demo get a "k or more provisions" figure, with and without
the protected ``<unit>_minstens`` cells, and what those cells cost in protection time.

The stapeling map shows the share of households with 2+ (3+, …) provisions per wijk and buurt.
Without cells of its own, "k or more" can only be derived from published exclusive combinations
(all combinations with >= k provisions published, or the total minus those with fewer), and the
small 3- and 4-way combinations are hidden nearly everywhere. Since 2026-12-05 the linked
package carries "k or more" (2 <= k < n) as cells of their own, protected jointly with the
combinations (``source/link_at_least.py``). This probe protects the demo's link counts several
times in one run: as the product does (``with``), with the ``_minstens`` tables left out
(``without``, the earlier product), and with "k or more" cells for the gemeente and its wijken
only (``with-wijk``); it counts per unit, level and k how many regions the platform's view
(``analysis.overlap.at_least``) gives a figure.

Reads a demo folder made by ``buurtbeeld demo --niet-starten``; writes nothing there.

Usage::

    python benchmarks/probe_link_at_least.py /tmp/demo [without] [with] [with-wijk]
"""

from __future__ import annotations

import argparse
import dataclasses
import resource
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from buurtbeeld.analysis.overlap import at_least
from buurtbeeld.source.link import link
from buurtbeeld.source.link_at_least import at_least_table
from buurtbeeld.source.link_partners import partner_keys
from buurtbeeld.source.link_protection import protect_link
from buurtbeeld.source.link_spec import load_link_spec
from buurtbeeld.source.protection import _cell_key
from buurtbeeld.store.overlap import cell_sets
from buurtbeeld.store.overlap_read import at_least_key


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def coverage(counts: Any, linked: Any) -> Counter[tuple[str, str, int]]:
    """Per (unit, level, k): regions whose view has a figure."""
    run = linked.delivery.runs["aantallen"]
    dataset = counts.spec.dataset
    out: Counter[tuple[str, str, int]] = Counter()
    by_name = {t.name: t for t in counts.tables}
    for table in counts.tables:
        if table.at_least_of is not None:
            continue
        extra = by_name.get(f"{table.name}_minstens")
        names = table.dimensions
        for period in (p.label for p in counts.periods):
            for region in counts.division.all_codes():
                cells: dict[tuple[str, str], tuple[float | None, str]] = {}
                for combo in table.combos or ():
                    key = _cell_key(dataset, period, region, table, combo)
                    status = run.status(key)
                    cells[cell_sets(names, combo)] = (
                        (None, "hidden") if status.suppressed else (run.value(key), "value")
                    )
                has = extra is not None and (extra.levels is None or region[:2] in extra.levels)
                for (k_text,) in (extra.combos or ()) if extra is not None and has else ():
                    key = _cell_key(dataset, period, region, extra, (k_text,))
                    status = run.status(key)
                    cells[at_least_key(k_text)] = (
                        (None, "hidden") if status.suppressed else (run.value(key), "value")
                    )
                for k in range(2, len(names) + 1):
                    shown = at_least(cells, names, k).status == "value"
                    out[(table.unit, region[:2], k)] += shown
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("werkmap", type=Path)
    parser.add_argument(
        "--seed",
        default="bench",
        help="rounding seed: it also breaks ties in protection, so the visible cells vary by seed",
    )
    parser.add_argument(
        "modes", nargs="*", help="without, with and/or with-wijk (default: all three)"
    )
    args = parser.parse_args()
    folder = args.werkmap / "bron-demo"
    spec = load_link_spec(folder / "stapeling.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        counts = link(spec, workdir=Path(tmp) / "werk")
    keys = partner_keys(sorted(folder.glob("*-sleutel.pub")))
    regions = counts.division.all_codes()
    linked_tables = [t for t in counts.tables if t.at_least_of is None]
    without = dataclasses.replace(counts, tables=linked_tables)
    upper = [
        table
        for t in linked_tables
        for table in (t, at_least_table(t, t.dimensions, ("NL", "GM", "WK")))
    ]
    variants = {
        "without": without,
        "with": counts,
        "with-wijk": dataclasses.replace(counts, tables=upper),
    }
    modes = args.modes or list(variants)
    if not set(modes) <= set(variants):
        parser.error(f"modes: choose from {', '.join(variants)}")
    results = {}
    for mode in modes:
        c = variants[mode]
        start = cpu()
        linked = protect_link(c, seed=args.seed, trusted=keys)
        run = linked.delivery.runs["aantallen"]
        print(
            f"{mode}: protect_link {cpu() - start:.1f} s CPU; hidden "
            f"{linked.delivery.hidden_by_reason()}; {run.report.n_lps} LPs",
            flush=True,
        )
        results[mode] = coverage(c, linked)
    levels = Counter(code[:2] for code in regions)
    for unit, level, k in sorted({key for found in results.values() for key in found}):
        n = levels[level] * len(counts.periods)
        shown = ", ".join(f"{mode} {results[mode][(unit, level, k)]}/{n}" for mode in modes)
        print(f"{unit} {level} {k}+: {shown}")


if __name__ == "__main__":
    main()
