"""Development over time: line chart and table per region, gaps with reasons, change map."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.store.importer import import_file
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web.app import create_app
from buurtbeeld.web.format import format_change, format_number
from tests.conftest import shared_file

UTRECHT_2024 = "raw/utrecht-kwb-society-in-the-loop/CBS-Utrecht-kwb-2024.xlsx"


def _figure(page: str, indicator: str) -> str:
    found = re.search(rf'<figure [^>]*id="ontwikkeling-{indicator}".*?</figure>', page, re.S)
    assert found, f"no chart for {indicator}"
    return found.group(0)


def _values(client: TestClient, gebied: str, indicator: str, periode: str) -> dict:
    body = client.get(
        "/api/v1/waarden", params={"indicator": indicator, "gebied": gebied, "periode": periode}
    ).json()
    return {v["code"]: v for v in body["waarden"]}


def test_a_hidden_period_is_a_gap_with_its_reason(client: TestClient) -> None:
    """Smitsweg (BU05050910): loneliness 65+ hidden in 2016, published in 2020."""
    page = client.get("/regio/BU05050910").text
    figure = _figure(page, "eenzaam_65plus_pct")
    before = _values(client, "GM0505", "eenzaam_65plus_pct", "2016")["BU05050910"]
    after = _values(client, "GM0505", "eenzaam_65plus_pct", "2020")["BU05050910"]
    assert (before["status"], before["waarde"]) == ("hidden", None)
    shown = format_number(after["waarde"], 1)
    assert (
        f'<desc id="grafiek-eenzaam_65plus_pct-d">2016: verborgen; 2020: {shown} %.</desc>'
        in figure
    )
    assert 'class="bb-chart-gap" data-periode="2016"' in figure
    points = re.findall(r'class="bb-chart-point" data-periode="(\d+)"', figure)
    assert points == ["2020"]  # no point (and no 0) for the hidden period
    assert "bb-chart-line" not in figure  # one figure: nothing to join
    hidden_row = re.search(r'<tr [^>]*data-periode="2016" data-status="hidden">.*?</tr>', figure)
    assert hidden_row and "verborgen" in hidden_row.group(0)
    assert "Geheim of onbekend bij de bron" in hidden_row.group(0)


def test_chart_and_table_show_the_published_figures(client: TestClient) -> None:
    page = client.get("/regio/BU05050101").text
    assert 'id="ontwikkeling"' in page
    figure = _figure(page, "eenzaam_pct")
    assert 'role="img"' in figure and "<title" in figure
    assert re.findall(r'class="bb-chart-point" data-periode="(\d+)"', figure) == ["2016", "2020"]
    assert "bb-chart-line" in figure
    for period in ("2016", "2020"):
        value = _values(client, "GM0505", "eenzaam_pct", period)["BU05050101"]["waarde"]
        row = re.search(rf'<tr [^>]*data-periode="{period}" data-status="value">.*?</tr>', figure)
        assert row and f">{format_number(value, 1)}<" in row.group(0)
    # the profile table links its development cell to the chart
    assert 'href="#ontwikkeling-eenzaam_pct"' in page
    # a figure of one period only (KWB 2023) has no chart
    assert 'id="ontwikkeling-bijstand_per_1000"' not in page


def test_change_map_subtracts_published_figures_only(client: TestClient) -> None:
    indicator = "ervaren_gezondheid_goed_pct"
    page = client.get(
        "/gemeente/GM0505/verandering",
        params={"indicator": indicator, "van": "2016", "tot": "2020"},
    )
    assert page.status_code == 200
    text = page.text
    assert 'id="kaart"' in text and "andere-indeling" not in text
    before = _values(client, "GM0505", indicator, "2016")
    after = _values(client, "GM0505", indicator, "2020")
    rows = dict(re.findall(r'<tr [^>]*data-code="(BU\d+)" data-status="(\w+)">', text))
    assert rows and set(rows) == set(after)
    for code, status in rows.items():
        both = before[code]["waarde"] is not None and after[code]["waarde"] is not None
        assert (status == "value") == both
        row = re.search(rf'<tr [^>]*data-code="{code}".*?</tr>', text, re.S)
        assert row
        if both:
            change = format_change(after[code]["waarde"] - before[code]["waarde"], 1)
            assert f"{change}</td>" in row.group(0)
        else:
            assert "niet te vergelijken" in row.group(0)
    assert "hidden" in rows.values()
    geojson = client.get(
        "/gemeente/GM0505/verandering.geojson",
        params={"indicator": indicator, "van": "2016", "tot": "2020"},
    ).json()
    for feature in geojson["features"]:
        p = feature["properties"]
        assert (p["waarde"] is None) == (p["status"] != "value")
        assert p["status"] == rows[p["code"]]
    gemeente_page = client.get("/gemeente/GM0505", params={"indicator": indicator}).text
    assert 'id="verandering-link"' in gemeente_page
    one_period = client.get(
        "/gemeente/GM0505/verandering", params={"indicator": "bijstand_per_1000"}
    )
    assert one_period.status_code == 404 and "BB-WEB-015" in one_period.text


@pytest.fixture(scope="module")
def utrecht_client(
    tmp_path_factory: pytest.TempPathFactory, filled_workspace_template: Path
) -> Iterator[TestClient]:
    path = shared_file(UTRECHT_2024)
    root = tmp_path_factory.mktemp("utrecht2024-ontwikkeling") / "werkmap"
    shutil.copytree(filled_workspace_template, root)
    import_file(open_workspace(root), path)
    with TestClient(create_app(root), base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.mark.shared_data
def test_periods_of_different_divisions_are_not_compared(utrecht_client: TestClient) -> None:
    """KWB 2023 (division 2023) and Utrecht's KWB 2024 (division 2024) for the same codes."""
    client = utrecht_client
    page = client.get(
        "/gemeente/GM0344/verandering", params={"indicator": "inwoners", "niveau": "wijk"}
    ).text
    assert 'id="andere-indeling"' in page and "2023 en 2024" in page
    assert 'id="kaart"' not in page and ">Verandering</th>" not in page
    wijk = next(
        c
        for c in re.findall(r'data-code="(WK0344\w+)"', page)
        if client.get(f"/regio/{c}").status_code == 200
    )
    figure = _figure(client.get(f"/regio/{wijk}").text, "inwoners")
    assert 'data-indelingen="2023,2024"' in figure
    assert "bb-chart-line" not in figure  # the line breaks where the division changes
    assert len(re.findall(r'class="bb-chart-point"', figure)) == 2


@pytest.mark.shared_data
def test_a_period_only_other_gemeenten_have_gives_no_chart(utrecht_client: TestClient) -> None:
    """KWB 2024 covers Utrecht only: Dordrecht's buurten have one KWB period, so no series."""
    page = utrecht_client.get("/regio/BU05050101")
    assert page.status_code == 200
    assert 'id="ontwikkeling-inwoners"' not in page.text
    assert 'id="ontwikkeling-eenzaam_pct"' in page.text  # the health monitor's two periods
