"""Experiment (issue 11): what publishing "k or more provisions" cells would change on the demo.

The stapeling map shows the share of households with 2+ (3+, …) provisions per wijk and buurt.
Today the platform derives "k or more" from published exclusive combinations only (all
combinations with >= k provisions published, or the total minus those with fewer), and the small
3- and 4-way combinations are hidden nearly everywhere, so the derived 2+ is hidden too. This
probe adds a cell "k or more" per unit, region and k to the joint system of ``protect_link``
(relation: it is the sum of the exclusive combinations with >= k provisions), protects it with
everything else, and counts per unit, level and k how many regions get a figure:

- ``base``: today (derived from the published combinations);
- ``kplus``: "k or more" cells in every region;
- ``kplus-wijk``: only for wijken and the gemeente (buurten derived as today).

It patches ``link_protection.joint_cells`` in this process only (an experiment, not product
code: the package contract, the platform's intake audit and the view do not know these cells
yet). Reads a demo folder made by ``buurtbeeld demo --niet-starten``; writes nothing there.

Usage::

    python benchmarks/probe_link_at_least.py /tmp/demo base
    python benchmarks/probe_link_at_least.py /tmp/demo kplus-wijk
"""

from __future__ import annotations

import argparse
import resource
import tempfile
from collections import Counter
from itertools import product
from pathlib import Path
from typing import Any

from buurtbeeld.protect import Cell, Relation
from buurtbeeld.source import link_protection as lp
from buurtbeeld.source.link import link
from buurtbeeld.source.link_partners import partner_keys
from buurtbeeld.source.link_spec import load_link_spec
from buurtbeeld.source.protection import JointCells, _cell_key


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def leaves(n: int) -> list[tuple[str, ...]]:
    return [x for x in product(("ja", "nee"), repeat=n) if "ja" in x]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("werkmap", type=Path)
    parser.add_argument("mode", choices=("base", "kplus", "kplus-wijk"))
    args = parser.parse_args()
    folder = args.werkmap / "bron-demo"
    spec = load_link_spec(folder / "stapeling.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        counts = link(spec, workdir=Path(tmp) / "werk")
    keys = partner_keys(sorted(folder.glob("*-sleutel.pub")))
    regions = counts.division.all_codes()
    added: set[tuple[str, ...]] = set()
    original = lp.joint_cells

    def with_at_least(c: Any, partners: Any) -> Any:
        extra, quiet = original(c, partners)
        cells, relations = [], []
        for table in c.tables:
            if table.measure != "aantal":
                continue
            truth = lp._table_counts(table)
            n = len(table.dimensions)
            for period in c.periods:
                for region in regions:
                    if args.mode == "kplus-wijk" and region.startswith("BU"):
                        continue
                    for k in range(2, n + 1):
                        chosen = [x for x in leaves(n) if x.count("ja") >= k]
                        key = ("minstens", table.unit, period.label, region, str(k))
                        value = sum(truth.get((period.label, region, x), 0) for x in chosen)
                        cells.append(Cell(key, value))
                        added.add(key)
                        parts = tuple(
                            _cell_key(spec.dataset, period.label, region, table, x) for x in chosen
                        )
                        relations.append(Relation(key, parts))
        joint = JointCells(
            extra.cells + tuple(cells),
            extra.relations + tuple(relations),
            extra.known,
            extra.hidden,
            extra.links,
            extra.values,
            extra.intervals,
            extra.omit,
        )
        return joint, quiet

    if args.mode != "base":
        lp.joint_cells = with_at_least
    start = cpu()
    linked = lp.protect_link(counts, seed="bench", trusted=keys)
    run = linked.delivery.runs["aantallen"]
    print(
        f"{args.mode}: protect_link {cpu() - start:.1f} s CPU; package cells hidden "
        f"{linked.delivery.hidden_by_reason()}; {run.report.n_lps} LPs",
        flush=True,
    )
    published, total = Counter[tuple[str, str, int]](), Counter[tuple[str, str, int]]()
    for table in counts.tables:
        if table.measure != "aantal":
            continue
        n = len(table.dimensions)
        for period in counts.periods:

            def shown(
                x: tuple[str, ...], p: str = period.label, r: str = "", t: Any = table
            ) -> bool:
                return not run.status(_cell_key(spec.dataset, p, r, t, x)).suppressed

            for region in regions:
                for k in range(2, n + 1):
                    cell = ("minstens", table.unit, period.label, region, str(k))
                    if cell in added:
                        ok = not run.status(cell).suppressed
                    else:
                        up = [x for x in leaves(n) if x.count("ja") >= k]
                        down = [x for x in leaves(n) if x.count("ja") < k]
                        ok = all(shown(x, r=region) for x in up) or (
                            shown(("totaal",) * n, r=region)
                            and all(shown(x, r=region) for x in down)
                        )
                    total[(table.unit, region[:2], k)] += 1
                    published[(table.unit, region[:2], k)] += ok
    for unit, level, k in sorted(total):
        shown_n, all_n = published[(unit, level, k)], total[(unit, level, k)]
        print(f"{args.mode}: {unit} {level} {k}+: {shown_n}/{all_n} with a figure")


if __name__ == "__main__":
    main()
