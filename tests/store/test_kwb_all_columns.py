"""Every column of a KWB file becomes an indicator with CBS's title and unit (issue 17 item 2)."""

from __future__ import annotations

import json
import math
import re

import openpyxl
import pytest
from fastapi.testclient import TestClient

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.store.importer import import_file
from buurtbeeld.store.kwb_columns import MAPPING, PROPERTIES
from buurtbeeld.store.workspace import Workspace
from buurtbeeld.web.app import create_app
from tests.conftest import shared_file

pytestmark = pytest.mark.shared_data

UTRECHT_2024 = "raw/utrecht-kwb-society-in-the-loop/CBS-Utrecht-kwb-2024.xlsx"
CODE_AND_NAME_COLUMNS = {
    "gwb_code_10",
    "gwb_code_8",
    "gwb_code",
    "regio",
    "gm_naam",
    "recs",
    "ind_wbi",
    "pst_mvp",
}


def _sheet() -> tuple[list[str], list[tuple[object, ...]]]:
    book = openpyxl.load_workbook(shared_file(UTRECHT_2024), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:]


def _defined(workspace: Workspace) -> dict[str, Indicator]:
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute("SELECT id, definition_json FROM indicator_def").fetchall()
    finally:
        con.close()
    return {r[0]: Indicator.model_validate_json(r[1]) for r in rows}


def test_every_utrecht_column_is_an_indicator_or_listed_with_the_reason(
    empty_workspace: Workspace,
) -> None:
    header, rows = _sheet()
    report = import_file(empty_workspace, shared_file(UTRECHT_2024))
    assert set(report.columns) == set(header) and len(header) == 121
    reasons = {c: why for c, why in report.columns.items() if " " in why}
    assert set(reasons) == CODE_AND_NAME_COLUMNS
    assert all(why.startswith("tekst:") for why in reasons.values())
    assert report.unused_columns == []
    curated = {i.id for i in builtin_catalog().indicators}
    defined = _defined(empty_workspace)
    for column, ident in report.columns.items():
        if column not in reasons:
            assert ident in curated or ident in defined, column
    assert len(defined) == 121 - len(reasons) - sum(
        1 for i in report.columns.values() if i in curated
    )
    # every figure equals the file's cell; '.' is hidden
    con = empty_workspace.connect(read_only=True)
    try:
        stored = {
            (r[0], r[1]): (r[2], r[3])
            for r in con.execute(
                "SELECT indicator_id, region_code, value, status FROM observation"
            ).fetchall()
        }
    finally:
        con.close()
    code_at = header.index("gwb_code_10")
    checked = 0
    for row in rows:
        code = str(row[code_at]).strip()
        for column, cell in zip(header, row, strict=True):
            ident = report.columns[column]
            if ident not in defined:
                continue
            value, status = stored[(ident, code)]
            text = str(cell).strip()
            if text == ".":
                assert status == "hidden"
            else:
                assert status == "value" and math.isclose(value, float(text.replace(",", ".")))
            checked += 1
    assert checked == len(rows) * len(defined)


def test_definitions_carry_cbs_titles_and_units_from_the_2024_metadata(
    empty_workspace: Workspace,
) -> None:
    import yaml

    report = import_file(empty_workspace, shared_file(UTRECHT_2024))
    defined = _defined(empty_workspace)
    props = json.loads(PROPERTIES.read_text(encoding="utf-8"))
    topics = {p["Key"]: p for p in props if p["Type"] == "Topic"}
    mapping = yaml.safe_load(MAPPING.read_text(encoding="utf-8"))["kolommen"]
    units = {"aantal": "aantal", "%": "procent", "x 1 000 euro": "euro_x1000", "km": "km"}
    for column, ident in report.columns.items():
        if ident not in defined or not isinstance(mapping.get(column), str):
            continue
        indicator, topic = defined[ident], topics[mapping[column]]
        assert indicator.name.endswith(topic["Title"].strip()), column
        assert indicator.unit == units.get(topic["Unit"], indicator.unit), column
        if indicator.unit == "anders":
            assert indicator.unit_text == topic["Unit"]
        assert indicator.licence == "Bron: CBS"
    assert defined["kwb_a_00_14"].name == "Leeftijdsgroepen – 0 tot 15 jaar"
    assert defined["kwb_a_00_14"].theme == "bevolking"
    assert defined["kwb_g_ele_ap"].unit_label == "kWh"
    assert defined["kwb_g_gas_ap"].unit_label == "m³"
    assert defined["kwb_g_ele_ap"].name != defined["kwb_g_gas_ap"].name
    assert defined["kwb_p_koopw"].unit == "procent" and defined["kwb_p_koopw"].theme == "wonen"
    assert defined["kwb_p_bjj2k"].name == "Bouwjaar voor 2000"


def test_all_columns_show_in_pages_and_api(empty_workspace: Workspace) -> None:
    import_file(empty_workspace, shared_file(UTRECHT_2024))
    with TestClient(create_app(empty_workspace.root), base_url="http://127.0.0.1") as client:
        api = {i["id"]: i for i in client.get("/api/v1/indicatoren").json()}
        assert api["kwb_a_00_14"]["naam"] == "Leeftijdsgroepen – 0 tot 15 jaar"
        assert api["kwb_a_00_14"]["perioden"] == ["2024"]
        assert api["kwb_a_00_14"]["licentie"] == "Bron: CBS"
        # a unit outside the catalogue's list is named as CBS names it, not just "anders"
        assert (api["kwb_g_ele_ap"]["eenheid"], api["kwb_g_ele_ap"]["eenheid_label"]) == (
            "anders",
            "kWh",
        )
        assert api["kwb_a_opp_ha"]["eenheid_label"] == "ha"
        detail = client.get("/indicatoren/kwb_g_gas_ap").text
        assert "m³" in detail and '>Licentie</dt><dd id="licentie">Bron: CBS<' in detail
        values = client.get(
            "/api/v1/waarden",
            params={"indicator": "kwb_p_koopw", "gebied": "GM0344", "niveau": "wijk"},
        ).json()
        assert len(values["waarden"]) == 10
        page = client.get("/gemeente/GM0344", params={"indicator": "kwb_a_00_14", "niveau": "wijk"})
        assert page.status_code == 200 and "0 tot 15 jaar" in page.text
        assert 'label="Energie"' in page.text  # the choice stays grouped by theme
        listing = client.get("/indicatoren").text
        assert "Gemiddelde elektriciteitslevering – Naar woningtype – Appartement" in listing


def test_new_columns_are_listed_by_theme_in_the_order_of_the_file(
    empty_workspace: Workspace,
) -> None:
    """~90 new indicators stay findable: each theme lists them as CBS's file orders its columns
    (sex, age groups, marital status, origin …), not scattered by id; a table of contents
    links to every theme."""
    header, _ = _sheet()
    report = import_file(empty_workspace, shared_file(UTRECHT_2024))
    defined = _defined(empty_workspace)
    with TestClient(create_app(empty_workspace.root), base_url="http://127.0.0.1") as client:
        page = client.get("/indicatoren").text
        api = client.get("/api/v1/indicatoren").json()
    listed = re.findall(r'href="/indicatoren/([a-z0-9_]+)"', page)
    sections = re.split(r'<h2 class="utrecht-heading-2" id="thema-', page)[1:]
    assert len(sections) == len(re.findall(r'href="#thema-', page)) >= 10
    file_order = {
        report.columns[c]: n for n, c in enumerate(header) if report.columns[c] in defined
    }
    for section in sections:
        ids = [i for i in re.findall(r'href="/indicatoren/([a-z0-9_]+)"', section) if i in defined]
        assert ids == sorted(ids, key=file_order.__getitem__), section.split('"', 1)[0]
    assert set(defined) <= set(listed)
    theme = {i["id"]: i["thema"] for i in api}
    # CBS files households under Bevolking; the catalogue has a theme for them
    assert theme["kwb_a_hh_z_k"] == "huishoudens" == theme["huishoudens_met_kinderen"]
    in_api = [i["id"] for i in api if i["id"] in defined]
    assert in_api == sorted(in_api, key=file_order.__getitem__)  # the API in the same order


def test_profile_says_when_a_wider_area_shows_another_period(
    filled_workspace: Workspace,
) -> None:
    """Utrecht's KWB 2024 next to the national KWB 2023: the profile of a buurt compares its
    2024 figure with the newest figure of the Netherlands, which is 2023 — and says so."""
    import_file(filled_workspace, shared_file(UTRECHT_2024))
    with TestClient(create_app(filled_workspace.root), base_url="http://127.0.0.1") as client:
        page = client.get("/regio/BU03440111").text
    row = page.split('data-indicator="inwoners"', 1)[1].split("</tr>", 1)[0]
    cells = dict(re.findall(r'data-code="(\w+)">\s*(.*?)\s*</td>', row, flags=re.S))
    assert set(cells) == {"BU03440111", "WK034401", "GM0344", "NL00"}
    assert "(2023)" in cells["NL00"]
    assert all("(20" not in cells[c] for c in ("BU03440111", "WK034401", "GM0344"))
