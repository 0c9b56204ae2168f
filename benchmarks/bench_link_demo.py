"""Benchmark: the demo's stapeling (four demo registers of Dordrecht), link → protect → intake.

What ``buurtbeeld demo --stapeling`` does after the partners' packages exist, timed per step in
CPU seconds (the machine is shared: wall time says little) with the peak memory of the process:

1. ``link``: the four pseudonymised demo extracts linked (``source.link.link``);
2. ``protect_link``: verify the partner packages, the joint system (combinations, partner and
   mover cells), secondary suppression, LP audit, rounding;
3. the platform's intake audit of the signed package (``audit_package`` with the partners'
   figures of the workspace).

It reads a demo folder made by ``buurtbeeld demo --stapeling`` (``<werkmap>/bron-demo``: the
pseudonymised extracts, the koppelspec, the partner packages and keys) and writes nothing
there (the package goes to a temporary folder). The same script runs on older versions of the
code (it uses only the link/protect/intake API), so before and after can be compared.

Usage::

    buurtbeeld demo --werkmap /tmp/demo --stapeling --niet-starten
    python benchmarks/bench_link_demo.py /tmp/demo
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
from pathlib import Path


def cpu() -> float:
    """CPU seconds of this process so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_mb() -> float:
    """Peak resident memory of this process (VmHWM) in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("werkmap", type=Path, help="demo workspace made with --stapeling")
    args = parser.parse_args()
    from buurtbeeld.geo.codes import parent_of
    from buurtbeeld.package_format import create_key_pair
    from buurtbeeld.source.link import link
    from buurtbeeld.source.link_package import write_linked_package
    from buurtbeeld.source.link_partners import partner_keys
    from buurtbeeld.source.link_protection import protect_link
    from buurtbeeld.source.link_spec import load_link_spec
    from buurtbeeld.store.intake_audit import audit_package, partner_figures
    from buurtbeeld.store.package_reader import read_package
    from buurtbeeld.store.workspace import open_workspace

    folder = args.werkmap / "bron-demo"
    print(f"{platform.node()} {os.cpu_count()} cores, load {os.getloadavg()}", flush=True)
    spec = load_link_spec(folder / "stapeling.yaml")
    start = cpu()
    with tempfile.TemporaryDirectory() as tmp:
        counts = link(spec, workdir=Path(tmp) / "werk")
        t_link = cpu() - start
        cells = {t.name: t.data.num_rows for t in counts.tables}
        print(f"link: {t_link:.1f} s CPU, cells (non-zero) {cells}", flush=True)
        keys = partner_keys(sorted(folder.glob("*-sleutel.pub")))
        start = cpu()
        linked = protect_link(counts, seed="bench", trusted=keys)
        t_protect = cpu() - start
        hidden = linked.delivery.hidden_by_reason()
        report = linked.delivery.runs["aantallen"].report
        print(
            f"protect_link: {t_protect:.1f} s CPU, peak {peak_mb():.0f} MB, hidden {hidden}; "
            f"joint system {report.n_cells} cells, {report.n_primary} primary + "
            f"{report.n_secondary} secondary hidden, {report.n_audited} audited, "
            f"{report.n_lps} LPs",
            flush=True,
        )
        key = create_key_pair(Path(tmp) / "k.sleutel", Path(tmp) / "k.pub", spec.bron)
        path = write_linked_package(linked, Path(tmp) / "stapeling.zip", key)
        contents = read_package(path, {key.public.fingerprint: key.public})
        start = cpu()
        con = open_workspace(args.werkmap).connect(read_only=True)
        try:
            regions = dict(
                con.execute(
                    "SELECT code, parent_code FROM region WHERE division_year = ?",
                    [contents.division_year],
                ).fetchall()
            )
            partners = partner_figures(con, contents)
        finally:
            con.close()
        regions = {c: p or parent_of(c) for c, p in regions.items()}
        audited = audit_package(contents, regions, partners=partners)
        t_audit = cpu() - start
        print(
            f"intake audit: {t_audit:.1f} s CPU ({audited} hidden cells, "
            f"{len(partners)} partner tables)",
            flush=True,
        )
    print(
        f"total {t_link + t_protect + t_audit:.1f} s CPU, peak {peak_mb():.0f} MB "
        f"(python {sys.version.split()[0]})"
    )


if __name__ == "__main__":
    main()
