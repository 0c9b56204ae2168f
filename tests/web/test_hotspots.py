"""The hotspot page, CSV and GeoJSON on the bundled CBS data (real app, real cube)."""

from __future__ import annotations

import csv
import io
import json
import re

from fastapi.testclient import TestClient

from buurtbeeld.analysis.hotspot_map import hotspot_map
from buurtbeeld.analysis.stacking import stack
from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.store.cube import Cube
from buurtbeeld.web.format import format_plain
from buurtbeeld.web.stacking_view import DEFAULT_STACK

GM = "GM0344"  # Utrecht: buurten with polygons, hidden bijstand figures, a significant cluster
IND = "bijstand_per_1000"


def _csv(client: TestClient, url: str) -> list[dict[str, str]]:
    response = client.get(url)
    assert response.status_code == 200, response.text[:300]
    return list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))


def test_page_accounts_for_every_buurt_and_states_the_correction(client: TestClient) -> None:
    page = client.get(f"/gemeente/{GM}/hotspots?indicator={IND}")
    assert page.status_code == 200
    text = page.text
    assert "Gecorrigeerd voor meervoudig toetsen" in text and "Benjamini-Hochberg" in text
    assert "999" in text and "seed 2026" in text
    cube: Cube = client.app.state.cube  # type: ignore[attr-defined]
    view = hotspot_map(cube, GM, builtin_catalog().get(IND))
    res = view.result
    assert f"{res.count(None)} van de {len(res.rows)} buurten zijn getoetst" in text
    hidden = res.count("verborgen")
    assert hidden > 0 and f"{hidden} niet: cijfer verborgen" in text
    assert len(re.findall(r'data-code="\w+" data-klasse="hoog"', text)) == res.gi_count("hoog") > 0
    assert 'id="kaart"' in text and "/api/v1/hotspots/GM0344.geojson?" in text


def test_csv_equals_the_analysis_and_never_shows_a_hidden_figure(client: TestClient) -> None:
    rows = _csv(client, f"/gemeente/{GM}/hotspots.csv?indicator={IND}")
    cube: Cube = client.app.state.cube  # type: ignore[attr-defined]
    view = hotspot_map(cube, GM, builtin_catalog().get(IND))
    ours = {r.code: r for r in view.result.rows}
    assert {r["regiocode"] for r in rows} == set(ours)
    cells = cube.cells(IND, view.period, list(ours))
    for row in rows:
        mine = ours[row["regiocode"]]
        if cells[row["regiocode"]].status == "hidden":
            assert row["waarde"] == "" and row["getoetst"] == "nee"
            assert row["reden_niet_getoetst"] == "cijfer verborgen"
        if mine.tested:
            assert row["gi_z"] == f"{mine.gi_z:.4f}".replace(".", ",")
            assert row["moran_kwadrant"] == mine.moran_quadrant
        assert row["fdr_niveau"] == "0,05" and row["permutaties"] == "999"


def test_geojson_hatches_hidden_and_lists_regions_without_polygon(client: TestClient) -> None:
    data = client.get(f"/api/v1/hotspots/{GM}.geojson?indicator={IND}&statistiek=moran").json()
    statuses = {f["properties"]["status"] for f in data["features"]}
    assert statuses <= {"value", "hidden", "missing"} and "hidden" in statuses
    for f in data["features"]:
        props = f["properties"]
        assert "waarde" not in props  # classes only: the map never carries a figure
        if props["status"] == "hidden":
            assert props["klasse"] is None and props["uitkomst"].startswith("niet getoetst")
    assert isinstance(data["zonder_grens"], list)
    assert json.dumps(data).count('"klasse": "hoog-hoog"') >= 1


def test_national_reference_is_the_national_result_cut_out(client: TestClient) -> None:
    rows = _csv(
        client, f"/gemeente/{GM}/hotspots.csv?indicator={IND}&niveau=wijk&referentie=nederland"
    )
    cube: Cube = client.app.state.cube  # type: ignore[attr-defined]
    national = hotspot_map(cube, "NL00", builtin_catalog().get(IND), level="wijk")
    by_code = {r.code: r for r in national.result.rows}
    assert rows and all(r["regiocode"].startswith("WK0344") for r in rows)
    for row in rows:
        mine = by_code[row["regiocode"]]
        assert row["getoetst"] == ("ja" if mine.tested else "nee")
        if mine.tested:
            assert row["gi_p_tweezijdig"] == f"{mine.gi_p:.4f}".replace(".", ",")


def test_too_few_buurten_is_said_in_dutch(client: TestClient) -> None:
    # Amsterdam's 2023 buurt codes have no polygon in the bundled 2019 buurt layer
    page = client.get(f"/gemeente/GM0363/hotspots?indicator={IND}")
    assert page.status_code == 200 and "BB-ANA-001" in page.text and "Te weinig" in page.text
    assert 'id="kaart"' not in page.text
    csv_response = client.get(f"/gemeente/GM0363/hotspots.csv?indicator={IND}")
    assert csv_response.status_code == 422 and "BB-ANA-001" in csv_response.text
    geojson = client.get(f"/api/v1/hotspots/GM0363.geojson?indicator={IND}")
    assert geojson.status_code == 422 and geojson.json()["code"] == "BB-ANA-001"
    assert client.get("/gemeente/GM0344/hotspots?seed=-1").status_code == 400


def test_analysis_overview_links_the_views_with_their_limits(client: TestClient) -> None:
    page = client.get(f"/gemeente/{GM}/analyse")
    assert page.status_code == 200
    for words in ("Ecologische valkuil", "Kleine noemers", "/gemeente/GM0344/hotspots"):
        assert words in page.text
    assert client.get("/gemeente/BU03440341/analyse").status_code == 404


def test_hotspots_of_the_stapel_score(client: TestClient) -> None:
    """The score is the stapelkaart's share (%) per buurt; few judged or none: left out."""
    rows = _csv(client, f"/gemeente/{GM}/hotspots.csv?indicator=stapelscore&niveau=wijk")
    cube: Cube = client.app.state.cube  # type: ignore[attr-defined]
    catalog = builtin_catalog()
    _, stacked = stack(cube, GM, [catalog.get(i) for i in DEFAULT_STACK])
    by_code = {r.code: r for r in stacked}
    assert {r["regiocode"] for r in rows} == set(by_code)  # buurten, also when wijk was asked
    for row in rows:
        mine = by_code[row["regiocode"]]
        if mine.share is None:
            assert row["reden_niet_getoetst"] == "geen cijfer"
        elif mine.uncertain:
            assert row["reden_niet_getoetst"].startswith("op minder dan de helft")
        else:
            assert row["waarde"] == format_plain(100 * mine.share, 0)
    assert any(r["gi_uitkomst"].startswith("hotspot") for r in rows)
    page = client.get(f"/gemeente/{GM}/hotspots?indicator=stapelscore")
    assert page.status_code == 200 and "Stapelscore" in page.text
