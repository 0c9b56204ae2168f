"""A newer period for some regions never blanks the others: each view picks its own default period.

Real data: the bundled national KWB 2023 plus CBS's KWB 2024 rows for Utrecht only
(../shared/data/raw/utrecht-kwb-society-in-the-loop).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.store.importer import import_file
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web.app import create_app
from tests.conftest import copy_workspace, shared_file

pytestmark = pytest.mark.shared_data

UTRECHT_2024 = "raw/utrecht-kwb-society-in-the-loop/CBS-Utrecht-kwb-2024.xlsx"


@pytest.fixture(scope="module")
def client(
    tmp_path_factory: pytest.TempPathFactory, filled_workspace_template: Path
) -> Iterator[TestClient]:
    path = shared_file(UTRECHT_2024)
    root = tmp_path_factory.mktemp("utrecht2024") / "werkmap"
    copy_workspace(filled_workspace_template, root)
    import_file(open_workspace(root), path)
    with TestClient(create_app(root), base_url="http://127.0.0.1") as test_client:
        yield test_client


def _values(client: TestClient, gebied: str, indicator: str, niveau: str = "buurt") -> dict:
    response = client.get(
        "/api/v1/waarden", params={"indicator": indicator, "gebied": gebied, "niveau": niveau}
    )
    assert response.status_code == 200, response.text
    return response.json()


def _csv(client: TestClient, gemeente: str, indicator: str) -> list[dict[str, str]]:
    text = client.get(f"/gemeente/{gemeente}/tabel.csv", params={"indicator": indicator}).text
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_the_2024_period_exists_only_for_utrecht(client: TestClient) -> None:
    indicator = client.get("/api/v1/indicatoren/inwoners").json()
    assert indicator["perioden"] == ["2023", "2024"]


@pytest.mark.parametrize("indicator", ["inwoners", "bijstand_per_1000", "huishoudens"])
def test_dordrecht_map_table_csv_and_api_default_to_2023_with_values(
    client: TestClient, indicator: str
) -> None:
    api = _values(client, "GM0505", indicator)
    assert api["periode"] == "2023"
    statuses = [v["status"] for v in api["waarden"]]
    assert statuses.count("value") > len(statuses) / 2 and "missing" not in statuses
    rows = _csv(client, "GM0505", indicator)
    assert {r["periode"] for r in rows} == {"2023"}
    assert sum(1 for r in rows if r["waarde"]) == statuses.count("value")
    page = client.get("/gemeente/GM0505", params={"indicator": indicator}).text
    assert 'data-status="missing"' not in page
    legend = page[page.index('id="legenda-titel"') :]
    assert "Periode 2023" in legend[: legend.index("</div>")]
    geo = client.get("/api/v1/kaart/GM0505.geojson", params={"indicator": indicator}).json()
    assert {f["properties"]["status"] for f in geo["features"]} <= {"value", "hidden"}


def test_utrecht_defaults_to_its_own_newer_period(client: TestClient) -> None:
    api = _values(client, "GM0344", "inwoners")
    assert api["periode"] == "2024"
    assert {v["status"] for v in api["waarden"]} == {"value"}
    page = client.get("/gemeente/GM0344", params={"indicator": "inwoners"}).text
    assert "Periode 2024" in page
    explicit = client.get(
        "/api/v1/waarden", params={"indicator": "inwoners", "gebied": "GM0344", "periode": "2023"}
    ).json()
    assert explicit["periode"] == "2023" and {v["status"] for v in explicit["waarden"]} == {"value"}


@pytest.mark.parametrize("niveau", ["wijk", "buurt"])
def test_the_national_view_follows_the_regions_it_shows(client: TestClient, niveau: str) -> None:
    api = _values(client, "NL00", "inwoners", niveau)
    assert api["periode"] == "2023"
    assert [v["status"] for v in api["waarden"]].count("missing") == 0


def test_profiles_show_each_regions_latest_figure(client: TestClient) -> None:
    for code, period in (("GM0505", "2023"), ("NL00", "2023"), ("GM0344", "2024")):
        profile = client.get(f"/api/v1/regios/{code}/profiel").json()
        own = profile["gebieden"][0]["waarden"]["inwoners"]
        assert (own["periode"], own["status"]) == (period, "value"), code
    page = client.get("/regio/BU05050101").text
    row = page[page.index('data-indicator="inwoners"') :]
    row = row[: row.index("</tr>")]
    assert "ontbreekt" not in row and "2023" in row
    # a Utrecht buurt next to its gemeente and NL: each with its own latest figure
    utrecht = client.get("/api/v1/regios/BU03440111/profiel").json()
    periods = [g["waarden"]["inwoners"]["periode"] for g in utrecht["gebieden"]]
    statuses = {g["waarden"]["inwoners"]["status"] for g in utrecht["gebieden"]}
    assert periods[-1] == "2023" and periods[0] == "2024" and statuses == {"value"}


def test_stapelkaart_of_dordrecht_judges_on_2023(client: TestClient) -> None:
    stack = client.get("/api/v1/stapeling/GM0505").json()
    judged = [b["beoordeeld"] for b in stack["buurten"]]
    assert max(judged) >= 5
    page = client.get("/gemeente/GM0505/stapeling").text
    assert "(2024)" not in page and "(2023)" in page


def test_indicator_page_says_which_regions_have_the_newest_period(client: TestClient) -> None:
    page = client.get("/indicatoren/inwoners").text
    assert "2024" in page and "nieuwste periode met cijfers" in page
