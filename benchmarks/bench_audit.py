"""Benchmark: the LP audit alone, on captured ``AuditInput``s (issue 14 item 2, issue 11).

The audit (``protect.audit``) dominates the source toolkit's protection, the platform's intake
audit and the demo's stapeling. This script captures the inputs of real audits once and replays
them, so variants of the audit compare on exactly the same problems, in one process each:

``capture-package ZIP --out FILE``
    The platform's intake audit of a signed package (e.g. the national bijstand package of
    ``bench_source.py``: ``/tmp/buurtbeeld-bench-bron/p18000000-s2024/bijstand.zip``, signed
    with the key next to it): every ``AuditInput`` that ``verify`` hands to ``audit``.
``capture-run FILE -- SCRIPT [ARGS...]``
    Every ``AuditInput`` of any audit while a Python script runs (e.g.
    ``benchmarks/bench_link_demo.py /tmp/demo``: the demo stapeling's repair rounds and its
    intake audit).
``run FILE [--only N] [--verdicts OUT] [--compare REF] [--profile]``
    Audit every captured input (with the witnesses the capture recorded, as the caller passed
    them), print CPU seconds, LP counts and findings per input; ``--verdicts`` writes every
    input's findings (cell → problem) as JSON, ``--compare`` checks them against such a file
    (the verdicts must be identical: the audit's answer does not depend on its shortcuts).

The captured files hold counts of a synthetic population; they stay outside the repository
(``/tmp``). Run niced, one at a time (the machine is shared): CPU time (``getrusage``) is
printed next to wall time.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pickle
import pstats
import resource
import runpy
import sys
import time
from pathlib import Path
from typing import Any


def cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _recorder(store: list[dict[str, Any]]) -> Any:
    import importlib

    original = importlib.import_module("buurtbeeld.protect.audit").audit

    def recording(data: Any, **kwargs: Any) -> Any:
        witnesses = kwargs.get("witnesses")
        entry = {
            "data": data,
            "kwargs": {k: v for k, v in kwargs.items() if k != "witnesses"},
            "witnesses": None
            if witnesses is None
            else (witnesses.low.copy(), witnesses.high.copy()),
        }
        result = original(data, **kwargs)
        entry["findings"] = {f.cell: f.problem for f in result.findings}
        store.append(entry)
        return result

    return recording


def _patch(store: list[dict[str, Any]]) -> None:
    """Record every audit: the call sites import ``audit`` by name, so patch each of them."""
    import importlib

    recording = _recorder(store)
    for name in ("verify", "parts", "protect", "cleanup"):
        module = importlib.import_module(f"buurtbeeld.protect.{name}")
        if hasattr(module, "audit"):
            module.audit = recording  # type: ignore[attr-defined]


def _save(store: list[dict[str, Any]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("wb") as f:
        pickle.dump(store, f, protocol=pickle.HIGHEST_PROTOCOL)
    sizes = [e["data"].n_cells for e in store]
    print(f"captured {len(store)} audits ({sum(sizes):,} cells) in {out}")


def capture_package(args: argparse.Namespace) -> None:
    from buurtbeeld.geo.registry import bundled_regions
    from buurtbeeld.package_format import parse_public_key
    from buurtbeeld.store.intake_audit import audit_package
    from buurtbeeld.store.package_reader import read_package

    key = parse_public_key(args.key.read_text(encoding="utf-8"))
    contents = read_package(args.zip, {key.fingerprint: key})
    year = contents.division_year
    regions = {r.code: r.parent_code for r in bundled_regions(year) if r.division_year == year}
    store: list[dict[str, Any]] = []
    _patch(store)
    start = cpu()
    hidden = audit_package(contents, regions)
    print(f"intake audit {cpu() - start:.1f} s CPU, {hidden:,} hidden cells")
    _save(store, args.out)


def capture_synthetic(args: argparse.Namespace) -> None:
    """The intake's view of a protected synthetic table (``bench_protect.py``'s generator):
    published counts as their rounding intervals, hidden cells with the cbs-zorg range."""
    sys.path.insert(0, str(Path(__file__).parent))
    from bench_protect import synthetic_table

    from buurtbeeld.protect import cells_above, protect_table, published_interval
    from buurtbeeld.protect.audit import AuditInput, audit
    from buurtbeeld.protect.rules import Requirement, get_profile

    sizes = {"gemeente": (1, 60, 250, 16), "land": (342, 3300, 14000, 4)}[args.size]
    table, regions = synthetic_table(args.seed, *sizes)
    protected = protect_table(
        table, profile="cbs-zorg", link_cells=cells_above(table, regions, depth=1), seed=1
    )
    profile = get_profile("cbs-zorg")
    known = {
        i: published_interval(v, profile) for i, v in enumerate(protected.values) if v is not None
    }
    hidden = [i for i, v in enumerate(protected.values) if v is None]
    data = AuditInput(
        n_cells=len(table),
        relations=list(table.relation_indices),
        known=known,
        requirements={i: Requirement(hidden_min=0, hidden_max=7) for i in hidden},
    )
    result = audit(data)
    entry = {"data": data, "kwargs": {}, "witnesses": None}
    entry["findings"] = {f.cell: f.problem for f in result.findings}
    _save([entry], args.out)


def capture_run(args: argparse.Namespace) -> None:
    store: list[dict[str, Any]] = []
    _patch(store)
    sys.argv = [str(args.script), *args.args]
    try:
        runpy.run_path(str(args.script), run_name="__main__")
    finally:
        _save(store, args.out)


def run(args: argparse.Namespace) -> None:
    import numpy as np

    from buurtbeeld.protect.audit import Witnesses, audit

    with args.file.open("rb") as f:
        store: list[dict[str, Any]] = pickle.load(f)
    print(f"{os.cpu_count()} cores, load {os.getloadavg()}", flush=True)
    chosen = range(len(store)) if args.only is None else [args.only]
    verdicts: dict[str, dict[str, str]] = {}
    total_cpu = total_wall = 0.0
    profiler = cProfile.Profile() if args.profile else None
    for i in chosen:
        entry = store[i]
        data = entry["data"]
        witnesses = None
        if entry["witnesses"] is not None:
            witnesses = Witnesses(entry["witnesses"][0].copy(), entry["witnesses"][1].copy())
        kwargs = dict(entry["kwargs"])
        if witnesses is not None:
            kwargs["witnesses"] = witnesses
        c0, w0 = cpu(), time.perf_counter()
        if profiler is not None:
            profiler.enable()
        result = audit(data, **kwargs)
        if profiler is not None:
            profiler.disable()
        c1, w1 = cpu() - c0, time.perf_counter() - w0
        total_cpu += c1
        total_wall += w1
        found = {str(f.cell): f.problem for f in result.findings}
        verdicts[str(i)] = found
        same = ""
        if "findings" in entry:
            recorded = {str(k): v for k, v in entry["findings"].items()}
            same = " same as captured" if recorded == found else " DIFFERENT FROM CAPTURED"
        print(
            f"[{i}] {data.n_cells:,} cells, {result.n_hidden:,} hidden, "
            f"{result.n_components} components: {c1:.2f} s CPU ({w1:.2f} s wall), "
            f"{result.n_lps} LPs + {result.n_local_lps} local, "
            f"{len(result.findings)} findings{same}",
            flush=True,
        )
    print(f"total {total_cpu:.1f} s CPU, {total_wall:.1f} s wall, load {os.getloadavg()}")
    del np
    if args.verdicts:
        args.verdicts.write_text(json.dumps(verdicts, sort_keys=True), encoding="utf-8")
    if args.compare:
        reference = json.loads(args.compare.read_text(encoding="utf-8"))
        wrong = [k for k in verdicts if reference.get(k) != verdicts[k]]
        print("verdicts identical" if not wrong else f"verdicts DIFFER in audits {wrong}")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("capture-package")
    p.add_argument("zip", type=Path)
    p.add_argument("--key", type=Path, required=True, help="the signer's public key file")
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=capture_package)
    p = sub.add_parser("capture-synthetic")
    p.add_argument("size", choices=["gemeente", "land"])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", type=Path, required=True)
    p.set_defaults(func=capture_synthetic)
    p = sub.add_parser("capture-run")
    p.add_argument("out", type=Path)
    p.add_argument("script", type=Path)
    p.add_argument("args", nargs=argparse.REMAINDER)
    p.set_defaults(func=capture_run)
    p = sub.add_parser("run")
    p.add_argument("file", type=Path)
    p.add_argument("--only", type=int)
    p.add_argument("--verdicts", type=Path)
    p.add_argument("--compare", type=Path)
    p.add_argument("--profile", action="store_true")
    p.set_defaults(func=run)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
