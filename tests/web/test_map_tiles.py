"""The national map's tiles, the figures joined onto them and the names on the map (issue 13)."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from tests.geo.test_tiles import _decode

QUERY = "indicator=bijstand_per_1000"


def test_classes_carry_what_the_geojson_carries_and_hidden_stays_null(client: TestClient) -> None:
    geojson = client.get(f"/api/v1/kaart/GM0505.geojson?{QUERY}").json()
    classes = client.get(f"/api/v1/kaart/GM0505/klassen.json?{QUERY}").json()
    by_code = {f["properties"]["code"]: f["properties"] for f in geojson["features"]}
    assert classes["code"] == list(by_code)  # the regions with a polygon, in the same order
    statuses = set()
    for code, status, colour, value in zip(
        classes["code"], classes["status"], classes["kleur"], classes["waarde"], strict=True
    ):
        props = by_code[code]
        assert (status, colour, value) == (props["status"], props["kleur"], props["waarde"])
        if status in ("hidden", "missing"):
            assert value is None and colour is None
        statuses.add(status)
    assert "hidden" in statuses  # Dordrecht has buurten with a hidden bijstand figure


def test_national_page_draws_from_tiles(client: TestClient, app_workspace: Path) -> None:
    page = client.get(f"/gemeente/NL00?{QUERY}").text
    assert f'data-tegels="/api/v1/tegels/buurt/{{z}}/{{x}}/{{y}}.pbf?{QUERY}' in page
    assert 'rel="preload" as="fetch" crossorigin href="/api/v1/kaart/NL00.geojson' not in page
    gemeente = client.get(f"/gemeente/GM0505?{QUERY}").text
    assert "data-tegels" not in gemeente  # a gemeente keeps its GeoJSON


def test_national_page_lists_the_first_hundred_regions_without_polygon(client: TestClient) -> None:
    """All of NL has about 2,400 buurten without polygon: 100 are links on the page (the rest
    was 40 % of its HTML, parsed before the map could start); the API names all of them."""
    page = client.get(f"/gemeente/NL00?{QUERY}").text
    listed = page[page.index('<details class="bb-details">') : page.index("</details>")]
    codes = re.findall(r'href="/regio/(BU\d{8})"', listed)
    api = client.get("/api/v1/waarden", params={"indicator": "bijstand_per_1000", "gebied": "NL00"})
    missing = api.json()["zonder_grens"]
    assert len(missing) > 1000 and codes == missing[:100]
    assert f"en nog {len(missing) - 100:,}".replace(",", ".") in listed
    assert "zonder_grens" in listed
    few = client.get(f"/gemeente/GM0505?{QUERY}").text  # a gemeente: all of them, as before
    assert "en nog" not in few[few.index('<details class="bb-details">') :]


def test_a_tile_is_gzip_mvt_and_carries_no_figure(client: TestClient, app_workspace: Path) -> None:
    # zoom 6, tile 32/21 holds the south-west of NL (Dordrecht among it)
    response = client.get("/api/v1/tegels/wijk/6/32/21.pbf", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/vnd.mapbox-vector-tile"
    body = response.content  # httpx decodes the gzip transfer
    name, _, features = _decode(gzip.compress(body))
    assert name == "gebieden"
    assert "WK050501" in {f["props"]["code"] for f in features}  # type: ignore[index]
    assert all(set(f["props"]) == {"code", "naam"} for f in features)  # type: ignore[arg-type]
    plain = client.get("/api/v1/tegels/wijk/6/32/21.pbf", headers={"accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers and plain.content == body
    assert client.get("/api/v1/tegels/wijk/6/0/0.pbf").content == b""  # the sea: an empty tile


def test_names_with_a_point_inside_each_region(client: TestClient) -> None:
    names = json.loads(client.get("/api/v1/kaart/GM0505/namen.json").text)
    wijken = {code: name for code, name, _, _ in names["wijk"]}
    assert any("Crabbehof" in name for name in wijken.values())
    assert all(code.startswith("WK0505") for code in wijken)
    assert all(code.startswith("BU0505") for code, *_ in names["buurt"])
    lon, lat = next(p[2:] for p in names["gemeente"] if p[0] == "GM0505")
    assert 4.6 < lon < 4.9 and 51.7 < lat < 51.9
    refused = client.get("/api/v1/kaart/BU05050101/namen.json")
    assert refused.status_code == 404 and refused.json()["code"] == "BB-WEB-020"


def test_a_tile_with_an_indicator_carries_the_figures_of_the_geojson(client: TestClient) -> None:
    """The national map's tiles carry what the national GeoJSON carries (Dordrecht's buurten:
    the classes are the national ones); hidden: no figure and no colour in the tile at all."""
    geojson = client.get(f"/api/v1/kaart/NL00.geojson?{QUERY}").json()
    expected = {
        f["properties"]["code"]: f["properties"]
        for f in geojson["features"]
        if f["properties"]["code"].startswith("BU0505")
    }
    assert len(expected) > 100
    # Dordrecht's tile at zoom 8: from there on every buurt is drawn itself (geo/tiles.py)
    tile = client.get(f"/api/v1/tegels/buurt/8/131/84.pbf?{QUERY}")
    assert tile.status_code == 200 and "max-age" not in tile.headers.get("cache-control", "")
    features = {f["props"]["code"]: f["props"] for f in _decode(gzip.compress(tile.content))[2]}  # type: ignore[index]
    statuses = set()
    for code, props in expected.items():
        got = features[code]
        assert got.get("status") == props["status"] and got.get("kleur") == props["kleur"]
        if props["status"] in ("hidden", "missing"):
            assert "waarde" not in got and "kleur" not in got
        else:
            assert got["waarde"] == pytest.approx(props["waarde"])
        statuses.add(props["status"])
    assert "hidden" in statuses
    # zoom 6: a sub-pixel buurt is drawn as part of a neighbour of the same class (geo/
    # tile_merge.py); every feature keeps its own code and figure, hidden ones stay hatched
    national = client.get(f"/api/v1/tegels/buurt/6/32/21.pbf?{QUERY}")
    drawn = {f["props"]["code"]: f["props"] for f in _decode(gzip.compress(national.content))[2]}  # type: ignore[index]
    shown = {code: props for code, props in drawn.items() if code in expected}
    assert 0 < len(shown) < len(expected)
    for code, got in shown.items():
        assert got.get("status") == expected[code]["status"]
        assert got.get("kleur") == expected[code]["kleur"]
    assert "hidden" in {got.get("status") for got in shown.values()}
    plain = client.get("/api/v1/tegels/buurt/8/131/84.pbf")  # without indicator: no figures
    assert all(
        set(f["props"]) == {"code", "naam"} for f in _decode(gzip.compress(plain.content))[2]
    )  # type: ignore[arg-type]


def test_a_tile_with_figures_refuses_gemeenten_and_unknown_indicators(client: TestClient) -> None:
    refused = client.get(f"/api/v1/tegels/gemeente/6/32/21.pbf?{QUERY}")
    assert refused.status_code == 404 and refused.json()["code"] == "BB-WEB-030"
    unknown = client.get("/api/v1/tegels/buurt/6/32/21.pbf?indicator=bestaat_niet")
    assert unknown.status_code == 404


def test_water_layer_is_bundled_lines_of_nl_and_off_by_default(client: TestClient) -> None:
    """Issue 13 item 4: an optional offline layer of water (GSHHG, clipped to NL), lines only."""
    response = client.get("/api/v1/ondergrond/water.geojson", headers={"accept-encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"  # 158 KB of text, compressed once
    assert "public" in response.headers["cache-control"]
    water = response.json()
    assert "GSHHG" in water["bron"]
    kinds = {f["properties"]["soort"] for f in water["features"]}
    assert {"kust", "meer", "rivier"} <= kinds
    types = {f["geometry"]["type"] for f in water["features"]}
    assert types <= {"LineString", "MultiLineString"}
    coords = np.array(
        [
            xy
            for f in water["features"]
            for part in (
                f["geometry"]["coordinates"]
                if f["geometry"]["type"] == "MultiLineString"
                else [f["geometry"]["coordinates"]]
            )
            for xy in part
        ]
    )
    # clipped to the gemeenten plus 2 km: nothing of the Rhine far into Germany, nor of France
    assert coords[:, 0].min() > 3.2 and coords[:, 0].max() < 7.3
    assert coords[:, 1].min() > 50.7 and coords[:, 1].max() < 53.6
    # the Waal/Rhine reaches Nijmegen: a major river passes within 3 km of it
    rivers = [f for f in water["features"] if f["properties"]["soort"] == "rivier"]
    near_nijmegen = [
        xy
        for f in rivers
        if f["properties"]["klasse"] <= 1
        for part in (
            f["geometry"]["coordinates"]
            if f["geometry"]["type"] == "MultiLineString"
            else [f["geometry"]["coordinates"]]
        )
        for xy in part
        if abs(xy[0] - 5.86) < 0.04 and abs(xy[1] - 51.85) < 0.03
    ]
    assert near_nijmegen
    page = client.get(f"/gemeente/GM0505?{QUERY}").text
    assert 'data-water="/api/v1/ondergrond/water.geojson"' in page
    assert '<input type="checkbox" id="water-tonen">' in page  # off until switched on
