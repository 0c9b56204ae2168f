"""Run the tau-Argus engine (PyPI ``pytauargus``, extra ``sdc-reference``) as an oracle.

pytauargus says one engine per process, so every run is a child process with a small script;
input and output are JSON. Two jobs on a gemeente > wijk > buurt x category count table:

- ``modular``: tau-Argus Modular (``MOD(1,5,1,0,0)`` by default, rtauargus's default) with
  ``FREQ(min_freq,0)``; returns every cell's status;
- ``audit``: the same primaries plus *our* secondaries (as apriori ``ML`` statuses), then the
  engine's own audit (Giessing's ``intervalle``); returns realized bounds per hidden cell.

Zeros are empty cells for tau-Argus (never suppressed), so compare with a profile that publishes
zeros: ``threshold_profile(min_freq)`` hides ``1..min_freq-1``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from buurtbeeld.protect import CellKey, CellStatus

AVAILABLE = importlib.util.find_spec("pytauargus") is not None
SKIP_REASON = "pytauargus is niet geïnstalleerd (optionele extra 'sdc-reference')"

_SCRIPT = r"""
import json, sys
from pathlib import Path
from pytauargus.engine import run_batch
spec = json.loads(Path(sys.argv[1]).read_text())
wd = Path(spec["dir"])
wb = max(len(b) for (b, _c), _n in spec["leaves"])
wc = max(len(c) for (_b, c), _n in spec["leaves"])
lines = []
for (buurt, cat), n in spec["leaves"]:
    lines += [f"{buurt:<{wb}} {cat:<{wc}} 1"] * n
(wd / "micro.asc").write_text("\n".join(lines) + "\n")
(wd / "regio.hrc").write_text(spec["hrc"])
(wd / "micro.rda").write_text(
    f'buurt 1 {wb}\n  <RECODEABLE>\n  <TOTCODE> "Total"\n  <HIERARCHICAL>\n'
    f'  <HIERCODELIST> "{wd / "regio.hrc"}"\n  <HIERLEADSTRING> "@"\n'
    f'cat {wb + 2} {wc}\n  <RECODEABLE>\n  <TOTCODE> "Total"\n'
    f'n {wb + wc + 3} 1\n  <NUMERIC>\n  <DECIMALS> 0\n'
)
batch = [
    f'<OPENMICRODATA> "{wd / "micro.asc"}"', f'<OPENMETADATA> "{wd / "micro.rda"}"',
    '<SPECIFYTABLE> "buurt""cat"|"n"||', f'<SAFETYRULE> FREQ({spec["min_freq"]},0)',
    '<READMICRODATA>',
]
if spec["job"] == "modular":
    batch.append(f'<SUPPRESS> MOD(1,5,{spec["mod_options"]})')
else:
    (wd / "ours.hst").write_text("".join(f"{b};{c};ML\n" for b, c in spec["secondary"]))
    batch.append(f'<APRIORY> "{wd / "ours.hst"}",1,";"')
(wd / "job.arb").write_text("\n".join(batch) + "\n")
eng = run_batch(str(wd / "job.arb"))
audit = spec["job"] == "audit"
if audit:
    eng.audit(0)
eng.write_intermediate_table(0, str(wd / "out.tab"), simple=True, with_audit=audit)
rows = []
for line in (wd / "out.tab").read_text().splitlines():
    f = [x.strip().strip('"').strip() for x in line.split(";")]
    rows.append(f)
print(json.dumps(rows))
"""


def _run(spec: dict[str, object]) -> list[list[str]]:
    with tempfile.TemporaryDirectory(prefix="bb-tau-") as tmp:
        spec = {**spec, "dir": tmp}
        path = Path(tmp) / "spec.json"
        path.write_text(json.dumps(spec), encoding="utf-8")
        script = Path(tmp) / "job.py"
        script.write_text(_SCRIPT, encoding="utf-8")
        done = subprocess.run(
            [sys.executable, str(script), str(path)],
            cwd=tmp,  # the engine writes work files into the working directory
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )
        if done.returncode != 0:
            raise RuntimeError(
                f"tau-Argus run failed ({done.returncode}):\n{done.stderr[-2000:]}{done.stdout[-500:]}"
            )
        rows: list[list[str]] = json.loads(done.stdout.strip().splitlines()[-1])
        return rows


def _hrc(regions: Mapping[str, Sequence[str]], root: str) -> str:
    lines = []
    for wijk in regions[root]:
        lines.append(wijk)
        lines += [f"@{b}" for b in regions[wijk]]
    return "\n".join(lines) + "\n"


def _key(row: Sequence[str], root: str, total: str) -> CellKey:
    region = root if row[0] == "Total" else row[0]
    category = total if row[1] == "Total" else row[1]
    return (region, category)


def tau_modular(
    leaves: Mapping[CellKey, int],
    regions: Mapping[str, Sequence[str]],
    *,
    root: str,
    total: str,
    min_freq: int,
    mod_options: str = "1,0,0",
) -> dict[CellKey, str]:
    """tau-Argus Modular's status per cell (``S`` safe, ``U`` primary, ``M`` secondary, ...).

    ``mod_options`` are MOD's last three arguments: SingleSingle, SingleMultiple, MinFreq
    (rtauargus default ``1,0,0``; ``1,1,1`` switches every singleton option on).
    """
    rows = _run(
        {
            "job": "modular",
            "mod_options": mod_options,
            "leaves": [[list(k), n] for k, n in leaves.items() if n > 0],
            "hrc": _hrc(regions, root),
            "min_freq": min_freq,
        }
    )
    # simple intermediate rows: codes..., value, cost, status, lower, upper
    return {_key(r, root, total): r[-3] for r in rows}


def tau_audit(
    leaves: Mapping[CellKey, int],
    regions: Mapping[str, Sequence[str]],
    statuses: Mapping[CellKey, CellStatus],
    *,
    root: str,
    total: str,
    min_freq: int,
) -> dict[CellKey, tuple[float, float]]:
    """tau-Argus's realized bounds per hidden cell for our pattern (our secondaries as ``ML``)."""
    back = {root: "Total", total: "Total"}
    secondary = [
        [back.get(k[0], k[0]), back.get(k[1], k[1])]
        for k, s in statuses.items()
        if s == CellStatus.SECONDARY_SUPPRESSED
    ]
    rows = _run(
        {
            "job": "audit",
            "leaves": [[list(k), n] for k, n in leaves.items() if n > 0],
            "hrc": _hrc(regions, root),
            "min_freq": min_freq,
            "secondary": secondary,
        }
    )
    out = {}
    for r in rows:
        # with audit: ... status, lower, upper, rlower, rupper, width, 3 relative widths
        status, rlower, rupper = r[-9], r[-6], r[-5]
        if status not in ("S", "E", "Z", "P") and rlower and rupper:
            out[_key(r, root, total)] = (float(rlower), float(rupper))
    return out
