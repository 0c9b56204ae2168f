"""The importer accepts the original CBS/RIVM files as published (../shared/data/raw)."""

from __future__ import annotations

import math

import openpyxl
import pyarrow.parquet as pq
import pytest

from buurtbeeld.errors import ImportFileError
from buurtbeeld.store.importer import import_file
from buurtbeeld.store.workspace import Workspace
from tests.conftest import shared_file

pytestmark = pytest.mark.shared_data


def _observations(
    workspace: Workspace, where: str = "TRUE"
) -> dict[tuple[str, str, str], tuple[float | None, str]]:
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute(
            f"SELECT indicator_id, region_code, period, value, status FROM observation WHERE {where}"
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1], r[2]): (r[3], r[4]) for r in rows}


def test_original_kwb_xlsx_gives_exactly_the_bundled_figures(
    empty_workspace: Workspace, filled_workspace: Workspace
) -> None:
    raw = shared_file("raw/inmindaen-kwb2023/kwb-2023-transformed.xlsx")
    report = import_file(empty_workspace, raw, year=2023)
    assert report.rows == 18116
    assert _observations(empty_workspace) == _observations(filled_workspace, "period = '2023'")


def test_original_kwb_values_match_cbs_conversion_cell_for_cell(
    filled_workspace: Workspace,
) -> None:
    reference = pq.read_table(shared_file("kwb2023_subset_nl.parquet")).to_pylist()
    obs = _observations(filled_workspace, "period = '2023'")
    columns = {
        "inwoners": "a_inw",
        "bijstand": "a_soz_wb",
        "jeugdzorg": "a_jz_tn",
        "wmo_per_1000": "p_wmo_t",
        "huishoudens_laag_inkomen_pct": "p_hh_li",
        "afstand_huisarts": "g_afs_hp",
        "woz_waarde": "g_wozbag",
    }
    checked = hidden = 0
    for row in reference:
        code = row["gwb_code_10"]
        for indicator, column in columns.items():
            value, status = obs[(indicator, code, "2023")]
            if row[column] is None:
                assert (value, status) == (None, "hidden"), (code, indicator)
                hidden += 1
            else:
                assert status == "value" and math.isclose(value, row[column]), (code, indicator)
            checked += 1
    assert checked == 18116 * len(columns) and hidden > 10000


def test_rivm_health_monitor_originals_import_as_a_time_series(empty_workspace: Workspace) -> None:
    for name in (
        "RIVM_Gezondheid2016/2016_18+.xlsx",
        "RIVM_Gezondheid2020/RIVM_gezondheid2020_18+.xlsx",
    ):
        import_file(empty_workspace, shared_file(f"raw/rivm-gezondheid-buurtvergelijker/{name}"))
    obs = _observations(empty_workspace, "indicator_id = 'eenzaam_pct'")
    # From the RIVM files: the Netherlands 43.4 % (2016) and 47.0 % (2020) lonely adults.
    assert obs[("eenzaam_pct", "NL00", "2016")] == (43.4, "value")
    assert obs[("eenzaam_pct", "NL00", "2020")] == (47.0, "value")
    buurt_2020 = [k for k in obs if k[1].startswith("BU") and k[2] == "2020"]
    assert len(buurt_2020) == 13808


def test_full_utrecht_kwb_2024_defines_its_own_division(empty_workspace: Workspace) -> None:
    path = shared_file("raw/utrecht-kwb-society-in-the-loop/CBS-Utrecht-kwb-2024.xlsx")
    report = import_file(empty_workspace, path)
    assert report.periods == ["2024"] and report.new_regions == 122
    obs = _observations(empty_workspace, "period = '2024'")
    assert obs[("inwoners", "GM0344", "2024")][1] == "value"
    # early download: many social variables are still '.', which must be hidden, never 0
    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(workbook.active.iter_rows(values_only=True))
    finally:
        workbook.close()
    header = [str(h) for h in rows[0]]
    code_at, wmo_at = header.index("gwb_code_10"), header.index("a_wmo_t")
    for row in rows[1:]:
        code = str(row[code_at]).strip()
        raw = str(row[wmo_at]).strip()
        value, status = obs[("wmo_clienten", code, "2024")]
        if raw == ".":
            assert (value, status) == (None, "hidden"), code
        else:
            assert status == "value" and value == float(raw.replace(",", ".")), code
    # issue 17: the other columns are no longer left unused, each is an indicator of its own
    assert report.unused_columns == [] and len(report.defined_indicators) > 60


def test_statline_csv_of_another_table_is_refused(empty_workspace: Workspace) -> None:
    path = shared_file(
        "raw/ses-woa-amsterdam-inversegerrymandering/SES_WOA_scores_per_wijk_en_buurt_25042023_160857.csv"
    )
    with pytest.raises(ImportFileError, match="geen herkend CBS-bestand") as info:
        import_file(empty_workspace, path)
    assert info.value.code == "BB-IMP-020"


def test_converted_csv_from_shared_imports_identically(
    empty_workspace: Workspace, filled_workspace: Workspace
) -> None:
    import_file(empty_workspace, shared_file("kwb2023_subset_nl.csv"), year=2023)
    assert _observations(empty_workspace) == _observations(filled_workspace, "period = '2023'")
