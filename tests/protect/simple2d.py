"""Reader for tau-Argus's Simple2D check (sdcTools/checkTauArgus) in ../shared/sdc-reference."""

from __future__ import annotations

import io
import zipfile
from collections import defaultdict

from buurtbeeld.protect import Table, build_magnitude_table

from .conftest import reference_file

SIZE_CODES = ["2", "4", "5", "6", "7", "8", "9", "99"]
REGION = {
    "Total": ["Nr", "Os", "Ws", "Zd"],
    "Nr": ["1", "2", "3"],
    "Os": ["4", "5", "6", "7"],
    "Ws": ["8", "9", "10"],
    "Zd": ["11", "12"],
}


def simple2d_table() -> Table:
    """Size x Region (hierarchical) magnitude table of Var2, one holding per record.

    Fixed-width fields from tau_testW.rda: Size at 9 (2), Region at 12 (2), Var2 at 28 (10).
    """
    archive = reference_file("tau-argus-simple2d/Simple2D_InputData.zip")
    with zipfile.ZipFile(archive) as zf:
        text = zf.read("tau_testW.asc").decode("ascii")
    contributions: dict[tuple[str, str], list[tuple[str, float]]] = defaultdict(list)
    for n, line in enumerate(io.StringIO(text)):
        if not line.strip():
            continue
        size, region, value = line[8:10].strip(), line[11:13].strip(), float(line[27:37])
        contributions[(size, region)].append((str(n), value))
    return build_magnitude_table(contributions, [{"Total": SIZE_CODES}, REGION], top_n=2)


def simple2d_expected() -> dict[tuple[str, str], tuple[float | None, int]]:
    """Expected (value, tau-Argus status) per cell: 1 safe, 3 primary, 11 secondary, 14 empty."""
    archive = reference_file("tau-argus-simple2d/Simple2D_Expected_Output.zip")
    with zipfile.ZipFile(archive) as zf:
        text = zf.read("Simple2D.txt").decode("ascii")
    out = {}
    for line in text.splitlines():
        size, region, value, status = (f.strip().strip('"').strip() for f in line.split(","))
        out[(size, region)] = (None if value == "-" else float(value), int(status))
    return out
