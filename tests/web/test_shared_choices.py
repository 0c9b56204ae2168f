"""Pages and their downloads share one choice (web/*_pages.py, web/map_choice.py, downloads.py).

Each page (hotspots, buurttypen, jam-wijken, verandering, the map) has a ``.csv`` and often a
``.geojson`` with the same query parameters. These tests follow the page's own links with a
non-default choice and check that every member of the family answers for that same choice, that
every member refuses the same bad value, and that downloads are attachments. Real app, real cube.
"""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.web.downloads import csv_text

GM = "GM0344"  # Utrecht: buurten and wijken with polygons, two periods of some indicators
IND = "bijstand_per_1000"


def _rows(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def _link(page: str, pattern: str) -> str:
    """The first href (or data-geojson) of the page that matches ``pattern``."""
    found = re.search(rf'(?:href|data-geojson)="({pattern}[^"]*)"', page)
    assert found, f"no link {pattern} on the page"
    return html.unescape(found.group(1))


def _attachment(response: object, suffix: str) -> str:
    disposition = response.headers["content-disposition"]  # type: ignore[attr-defined]
    found = re.fullmatch(r'attachment; filename="([\w.-]+)"', disposition)
    assert found and found.group(1).endswith(suffix), disposition
    return found.group(1)


def test_the_hotspot_page_csv_and_geojson_answer_for_the_same_choice(client: TestClient) -> None:
    page = client.get(f"/gemeente/{GM}/hotspots?indicator={IND}&niveau=wijk&seed=5")
    assert page.status_code == 200
    csv_url = _link(page.text, f"/gemeente/{GM}/hotspots.csv")
    geo_url = _link(page.text, f"/api/v1/hotspots/{GM}.geojson")
    download = client.get(csv_url)
    assert download.status_code == 200
    name = _attachment(download, ".csv")
    assert name == f"buurtbeeld_{GM}_hotspots_{IND}_wijk.csv"
    rows = _rows(download.text)
    assert rows and all(r["regiocode"].startswith("WK") and r["seed"] == "5" for r in rows)
    features = client.get(geo_url).json()["features"]
    assert {f["properties"]["code"] for f in features} <= {r["regiocode"] for r in rows}
    assert features and all(f["properties"]["code"].startswith("WK") for f in features)


def test_the_buurttypen_page_csv_and_geojson_answer_for_the_same_choice(
    client: TestClient,
) -> None:
    chosen = f"indicator={IND}&indicator=ww_per_1000&seed=3"
    page = client.get(f"/gemeente/{GM}/buurttypen?{chosen}")
    assert page.status_code == 200
    download = client.get(_link(page.text, f"/gemeente/{GM}/buurttypen.csv"))
    assert _attachment(download, ".csv") == f"buurtbeeld_{GM}_buurttypen.csv"
    rows = _rows(download.text)
    assert rows and {(r["seed"], r["indicatoren"]) for r in rows} == {("3", f"{IND}|ww_per_1000")}
    features = client.get(f"/api/v1/buurttypen/{GM}.geojson?{chosen}").json()["features"]
    types = {r["regiocode"]: r["buurttype"] for r in rows}
    assert features
    for f in features:
        number = f["properties"]["type"]
        assert types[f["properties"]["code"]] == ("" if number is None else str(number))


def test_the_jam_page_and_its_csv_answer_for_the_same_choice(client: TestClient) -> None:
    page = client.get(f"/gemeente/{GM}/jamwijken?niveau=wijk&referentie=nederland")
    assert page.status_code == 200
    download = client.get(_link(page.text, f"/gemeente/{GM}/jamwijken.csv"))
    assert _attachment(download, ".csv") == f"buurtbeeld_{GM}_jamwijken_wijk.csv"
    rows = _rows(download.text)
    assert rows and all(r["regiocode"].startswith("WK") for r in rows)
    assert {r["referentie"] for r in rows} == {"nederland"}


def test_the_change_page_and_its_geojson_answer_for_the_same_choice(client: TestClient) -> None:
    page = client.get(f"/gemeente/{GM}/verandering?niveau=wijk")
    assert page.status_code == 200
    response = client.get(_link(page.text, f"/gemeente/{GM}/verandering.geojson"))
    assert response.status_code == 200
    features = response.json()["features"]
    assert features and all(f["properties"]["code"].startswith("WK") for f in features)


def test_the_map_page_and_its_three_downloads_answer_for_the_same_choice(
    client: TestClient,
) -> None:
    page = client.get(f"/gemeente/{GM}?indicator={IND}&niveau=wijk")
    assert page.status_code == 200
    names = {}
    for ext in ("csv", "xlsx", "gpkg"):
        response = client.get(_link(page.text, f"/gemeente/{GM}/tabel.{ext}"))
        assert response.status_code == 200
        names[ext] = _attachment(response, f".{ext}")
        if ext == "csv":
            rows = _rows(response.text)
            assert rows and {(r["niveau"], r["indicator"]) for r in rows} == {("wijk", IND)}
    stems = {name.rsplit(".", 1)[0] for name in names.values()}
    assert len(stems) == 1 and stems.pop().startswith(f"buurtbeeld_{GM}_{IND}_wijk_")


FAMILIES = {
    "hotspots": (
        f"/gemeente/{GM}/hotspots",
        f"/gemeente/{GM}/hotspots.csv",
        f"/api/v1/hotspots/{GM}.geojson",
    ),
    "jamwijken": (f"/gemeente/{GM}/jamwijken", f"/gemeente/{GM}/jamwijken.csv"),
    "buurttypen": (
        f"/gemeente/{GM}/buurttypen",
        f"/gemeente/{GM}/buurttypen.csv",
        f"/api/v1/buurttypen/{GM}.geojson",
    ),
}
BAD = [
    ("hotspots", "niveau", "gemeente"),
    ("hotspots", "referentie", "wereld"),
    ("hotspots", "seed", "-1"),
    ("jamwijken", "niveau", "gemeente"),
    ("jamwijken", "referentie", "wereld"),
    ("jamwijken", "seed", "-1"),
    ("buurttypen", "seed", "-1"),
]


@pytest.mark.parametrize(("family", "parameter", "value"), BAD)
def test_every_member_of_a_family_refuses_the_same_bad_value(
    client: TestClient, family: str, parameter: str, value: str
) -> None:
    for url in FAMILIES[family]:
        response = client.get(f"{url}?{parameter}={value}")
        assert response.status_code == 400, url
        assert f"Ongeldige of ontbrekende parameter: {parameter}." in response.text, url


def test_csv_text_is_what_a_dutch_spreadsheet_opens() -> None:
    text = csv_text(["code", "naam"], [["BU1", "Noord; Oost"], ["BU2", 'De "Hoek"']])
    assert text == '\ufeffcode;naam\r\nBU1;"Noord; Oost"\r\nBU2;"De ""Hoek"""\r\n'
