"""StatLine tables in the other shapes CBS serves (issue 17 item 1): a ``RegioS`` region
dimension with provinces among the regions, quarters and months as periods, and the
statistical symbols ``x``, ``-`` and an empty cell in a "CSV met statistische symbolen" —
each built from the real CBS files in ../shared/data/raw, the expected figures read from them."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from buurtbeeld.store.statline_import import import_path, import_statline
from buurtbeeld.store.workspace import Workspace
from tests.conftest import shared_file
from tests.statline_files import kwb2024_values, write_kwb2024_v3
from tests.store.test_statline_import import SES, stored

pytestmark = pytest.mark.shared_data

PERIODS = {"2024KW01": "2024-K1", "2024KW02": "2024-K2", "2024MM03": "2024-03"}


def test_regios_dimension_with_provinces_and_quarters_and_months(
    empty_workspace: Workspace, tmp_path: Path
) -> None:
    """Tables such as *Regionale kerncijfers* name their region dimension ``RegioS`` and mix
    provinces (PV…) in: those are skipped and counted; ``2024KW01`` is quarter 2024-K1 and
    ``2024MM03`` month 2024-03, each with the file's figures."""
    folder = write_kwb2024_v3(tmp_path / "regios", gemeenten=("0505", "0344"), generic=True)
    props = json.loads((folder / "DataProperties.json").read_text(encoding="utf-8"))
    geo = next(p for p in props if p["Type"] == "GeoDetail")
    geo["Key"], geo["MapYear"] = "RegioS", None
    props.insert(1, {"ID": 999, "Type": "TimeDimension", "Key": "Perioden", "Title": "Perioden"})
    (folder / "DataProperties.json").write_text(json.dumps(props), encoding="utf-8")
    rows = json.loads((folder / "TypedDataSet.json").read_text(encoding="utf-8"))["value"]
    quarterly = []
    for code, offset in zip(PERIODS, range(3), strict=True):
        for row in rows:
            values = {k: v + offset if isinstance(v, int | float) else v for k, v in row.items()}
            values["RegioS"] = values.pop("WijkenEnBuurten")
            quarterly.append({**values, "ID": len(quarterly), "Perioden": code})
        quarterly.append({"ID": len(quarterly), "RegioS": "PV27      ", "Perioden": code})
    (folder / "TypedDataSet.json").write_text(json.dumps({"value": quarterly}), encoding="utf-8")

    report = import_statline(empty_workspace, folder)

    assert report.periods == ["2024-03", "2024-K1", "2024-K2"]
    assert report.skipped_regions == {"provincies": 3}
    obs = stored(empty_workspace, "cbs_85984ned_")
    figures = {c: v for c, v in kwb2024_values().items() if c[2:6] in ("0505", "0344")}
    checked = 0
    for code, offset in zip(PERIODS, range(3), strict=True):
        for region, values in figures.items():
            for column, value in values.items():
                got = obs[(report.columns[column], region, PERIODS[code])]
                want = (
                    (None, "hidden", "bron") if value is None else (value + offset, "value", None)
                )
                assert got == want
                checked += 1
    assert checked == len(obs) and not any(k[1].startswith("PV") for k in obs)


def test_csv_symbols_x_dash_and_empty(empty_workspace: Workspace, tmp_path: Path) -> None:
    """In the export ``x`` is secret (hidden, reason geheim), ``-`` hidden like ``.`` (reason
    bron) and an empty cell missing: not stored, so never shown as 0."""
    with shared_file(SES).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    header, body = rows[0], rows[1:]
    code_at = header.index("Regiocode (gemeente, wijk, buurt) (code)")
    value_at = header.index("Opleidingsniveau/Laag/Waarde (%)")
    marked = {}
    for number, symbol in zip(range(3, 300, 7), ["x", "-", ""] * 50, strict=False):
        if body[number][value_at].strip() != ".":
            body[number][value_at] = f"{symbol:>8}"
            marked[body[number][code_at].strip()] = symbol
    path = tmp_path / "SES_WOA_scores_per_wijk_en_buurt_25042023_160857.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle, delimiter=";", quoting=csv.QUOTE_ALL).writerows([header, *body])

    report = import_path(empty_workspace, path, table_id="85163NED")

    obs = stored(empty_workspace, "cbs_85163ned_opleidingsniveau_laag")
    expected = {"x": (None, "hidden", "geheim"), "-": (None, "hidden", "bron"), "": None}
    for code, symbol in marked.items():
        assert obs.get(("cbs_85163ned_opleidingsniveau_laag", code, "2019")) == expected[symbol]
    for row in body:
        code, cell = row[code_at].strip(), row[value_at].strip()
        if code not in marked and cell != ".":
            value, status, _ = obs[("cbs_85163ned_opleidingsniveau_laag", code, "2019")]
            assert status == "value" and math.isclose(value, float(cell))  # type: ignore[arg-type]
    counts = {s: list(marked.values()).count(s) for s in ("x", "-")}
    assert {k: report.markers.get(k) for k in counts} == counts and report.markers["leeg"] > 0
