"""The profile API (``/api/v1/regios/{code}/profiel``) against the CBS file itself."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.catalog.load import builtin_catalog
from tests.web.test_figures import COLUMNS, source_rows


@pytest.mark.parametrize("code", ["BU05050101", "BU08551001", "WK064201", "GM1924"])
def test_profile_api_gives_each_area_the_cbs_figure(client: TestClient, code: str) -> None:
    rows = source_rows()
    response = client.get(f"/api/v1/regios/{code}/profiel")
    assert response.status_code == 200
    body = response.json()
    assert body["regio"] == code
    areas = [g["regio"]["code"] for g in body["gebieden"]]
    # the region, then its wijk and gemeente, then the Netherlands
    expected_chain = [code]
    if code.startswith("BU"):
        expected_chain.append("WK" + code[2:8])
    if not code.startswith("GM"):
        expected_chain.append("GM" + code[2:6])
    assert areas == [*expected_chain, "NL00"]
    catalog_ids = {i.id for i in builtin_catalog().indicators}
    checked = hidden = 0
    for area in body["gebieden"]:
        values = area["waarden"]
        assert catalog_ids <= set(values)
        for indicator, (column, _) in COLUMNS.items():
            expected = rows[area["regio"]["code"]][column]
            figure = values[indicator]
            assert figure["periode"] == "2023"
            if expected is None:
                assert (figure["waarde"], figure["status"]) == (None, "hidden")
                assert figure["toelichting"]
                hidden += 1
            else:
                assert figure["status"] == "value"
                assert figure["waarde"] == pytest.approx(expected)
            checked += 1
    assert checked == len(COLUMNS) * len(areas)


def test_profile_api_health_figures_carry_their_division(client: TestClient) -> None:
    body = client.get("/api/v1/regios/GM0505/profiel").json()
    figure = body["gebieden"][0]["waarden"]["eenzaam_pct"]
    assert (figure["status"], figure["periode"], figure["indeling"]) == ("value", "2020", 2020)
    assert body["gebieden"][0]["waarden"]["inwoners"]["indeling"] == 2023


def test_profile_api_hidden_figures_are_never_numbers(client: TestClient) -> None:
    rows = source_rows()
    hidden = [c for c, r in rows.items() if c.startswith("BU0505") and r["a_wmo_t"] is None]
    assert hidden
    for code in hidden[:10]:
        figure = client.get(f"/api/v1/regios/{code}/profiel").json()["gebieden"][0]["waarden"][
            "wmo_clienten"
        ]
        assert figure["waarde"] is None and figure["status"] == "hidden"


@pytest.mark.parametrize("code", ["BU99999999", "XX12", "GM0000"])
def test_profile_api_refuses_unknown_regions_as_problem_json(client: TestClient, code: str) -> None:
    response = client.get(f"/api/v1/regios/{code}/profiel")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "BB-NF-003"
