"""Gemeenten whose buurten have no polygons: a wijk map with a message, never an empty map.

Real data: the bundled boundaries (buurten 2019, wijken 2022) against the KWB 2023 division, in
which Middelburg, Papendrecht and Amsterdam have no buurt polygon at all (Amsterdam has no wijk
polygon either: its 2023 codes are new). Then a wijk- en buurtkaart 2023 is imported.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyogrio
import pytest
from fastapi.testclient import TestClient

from buurtbeeld.geo.registry import bundled_regions
from buurtbeeld.store.boundary_import import import_boundaries
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web.app import create_app
from tests.conftest import copy_workspace
from tests.wijkbuurtkaart import amsterdam_codes

FALLBACK_ID = 'id="kaart-terugval"'


def _codes(gemeente: str, level: str) -> list[str]:
    return [
        r.code for r in bundled_regions(2023) if r.level == level and r.code[2:6] == gemeente[2:6]
    ]


def _map_attr(page: str, name: str) -> str | None:
    match = re.search(rf'id="kaart"[^>]*?{name}="([^"]*)"', page, re.S)
    return match.group(1) if match else None


@pytest.mark.parametrize(("code", "name"), [("GM0687", "Middelburg"), ("GM0590", "Papendrecht")])
def test_gemeente_without_buurt_polygons_gets_the_wijk_map(
    client: TestClient, code: str, name: str
) -> None:
    page = client.get(f"/gemeente/{code}", params={"indicator": "inwoners"}).text
    assert FALLBACK_ID in page
    assert (
        f"Voor de buurten van {name} zijn geen grenzen beschikbaar; de kaart toont wijken" in page
    )
    assert "buurtbeeld importeer-grenzen" in page
    geojson_url = _map_attr(page, "data-geojson")
    assert geojson_url is not None and "niveau=wijk" in geojson_url
    wijken = _codes(code, "wijk")
    assert _map_attr(page, "data-aantal") == str(len(wijken))
    geo = client.get(geojson_url.replace("&amp;", "&")).json()
    assert {f["properties"]["code"] for f in geo["features"]} == set(wijken)
    # the table still lists every buurt with its figure
    assert len(re.findall(r'<tr class="utrecht-table__row" data-code="BU', page)) == len(
        _codes(code, "buurt")
    )


def test_amsterdam_without_any_polygon_gets_no_empty_map(client: TestClient) -> None:
    page = client.get("/gemeente/GM0363").text
    assert FALLBACK_ID in page
    assert "Voor de buurten en wijken van Amsterdam zijn geen grenzen beschikbaar" in page
    assert 'id="kaart"' not in page and "kaart.mjs" not in page
    assert len(re.findall(r'data-code="BU0363', page)) == 500  # first table page of 517


def test_stapelkaart_without_buurt_polygons_has_a_note_not_an_empty_map(
    client: TestClient,
) -> None:
    page = client.get("/gemeente/GM0590/stapeling").text
    assert FALLBACK_ID in page and 'id="kaart"' not in page
    assert "Voor de buurten van Papendrecht zijn geen grenzen beschikbaar" in page
    dordrecht = client.get("/gemeente/GM0505/stapeling").text
    assert FALLBACK_ID not in dordrecht and 'id="kaart"' in dordrecht


def test_gemeente_with_its_buurt_polygons_has_no_fallback(client: TestClient) -> None:
    page = client.get("/gemeente/GM0505").text
    assert FALLBACK_ID not in page
    assert "niveau=buurt" in (_map_attr(page, "data-geojson") or "")


def test_the_api_says_which_regions_have_no_polygon(client: TestClient) -> None:
    for gemeente, without in (("GM0505", 4), ("GM1991", 39)):
        params = {"indicator": "inwoners", "gebied": gemeente}
        values = client.get("/api/v1/waarden", params=params).json()
        geo = client.get(f"/api/v1/kaart/{gemeente}.geojson", params=params).json()
        drawn = {f["properties"]["code"] for f in geo["features"]}
        left_out = sorted({v["code"] for v in values["waarden"]} - drawn)
        assert len(left_out) == without
        assert geo["zonder_grens"] == left_out
        assert values["zonder_grens"] == left_out
    stack = client.get("/api/v1/stapeling/GM1991.geojson").json()
    assert len(stack["zonder_grens"]) == 39 and not stack["features"]
    wijk = client.get(
        "/api/v1/waarden", params={"indicator": "inwoners", "gebied": "GM0505", "niveau": "wijk"}
    ).json()
    assert wijk["zonder_grens"] == []


def test_amsterdam_gets_the_wijk_map_then_the_buurt_map_after_importing_boundaries(
    tmp_path: Path, filled_workspace_template: Path, wijkbuurtkaart_2023: Path
) -> None:
    root = tmp_path / "werkmap"
    copy_workspace(filled_workspace_template, root)
    workspace = open_workspace(root)
    # first only the wijken of the kaart: Amsterdam's buurt page falls back to the wijk map
    wijken_only = tmp_path / "wijken_2023.gpkg"
    pyogrio.write_dataframe(
        pyogrio.read_dataframe(wijkbuurtkaart_2023, layer="wijken"),
        wijken_only,
        layer="wijken",
        driver="GPKG",
    )
    import_boundaries(workspace, wijken_only)
    with TestClient(create_app(root), base_url="http://127.0.0.1") as client:
        page = client.get("/gemeente/GM0363").text
        assert (
            "Voor de buurten van Amsterdam zijn geen grenzen beschikbaar; de kaart toont wijken"
            in page
        )
        assert _map_attr(page, "data-aantal") == "99"
    # then the whole kaart: the buurt map of Amsterdam has its polygons
    import_boundaries(workspace, wijkbuurtkaart_2023)
    with TestClient(create_app(root), base_url="http://127.0.0.1") as client:
        page = client.get("/gemeente/GM0363").text
        assert FALLBACK_ID not in page
        assert _map_attr(page, "data-aantal") == "479"
        assert "buurten (2023-grenzen)" in page
        geo = client.get(
            "/api/v1/kaart/GM0363.geojson", params={"indicator": "bijstand_per_1000"}
        ).json()
        drawn = {f["properties"]["code"] for f in geo["features"]}
        assert drawn == set(amsterdam_codes("buurt")[:479])
        assert set(geo["zonder_grens"]) == set(amsterdam_codes("buurt")[479:])
        # Dordrecht: the 2023 polygons replace the 2019 ones for the same codes
        dordrecht = client.get("/gemeente/GM0505").text
        assert "buurten (2023-grenzen)" in dordrecht
        # Tilburg's buurten are not in the 2023 file: still drawn, from 2019
        assert "buurten (2019-grenzen)" in client.get("/gemeente/GM0855").text
