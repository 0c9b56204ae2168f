"""Figures shown on pages, in the API and in CSV equal the CBS source file; hidden stays hidden."""

from __future__ import annotations

import csv
import io
import random
from html.parser import HTMLParser

import pyarrow.parquet as pq
import pytest
from fastapi.testclient import TestClient

from buurtbeeld.store.importer import BUNDLED_FILES
from buurtbeeld.web.format import format_number
from tests.conftest import SHARED_DATA

SOURCE = BUNDLED_FILES[0]
COLUMNS = {
    "bijstand": ("a_soz_wb", 0),
    "wmo_per_1000": ("p_wmo_t", 0),
    "jeugdzorg": ("a_jz_tn", 0),
    "huishoudens_laag_inkomen_pct": ("p_hh_li", 1),
    "inwoners": ("a_inw", 0),
}


def source_rows() -> dict[str, dict[str, object]]:
    """The CBS KWB 2023 file as shipped; with ../shared present, the independent conversion there."""
    shared = SHARED_DATA / "kwb2023_subset_nl.parquet"
    path = shared if shared.exists() else SOURCE
    return {r["gwb_code_10"]: r for r in pq.read_table(path).to_pylist()}


class CellGrabber(HTMLParser):
    """Collects (data-code, data-status, text) of table rows with a value cell."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, tuple[str, str]] = {}
        self._code: str | None = None
        self._status = ""
        self._in_value = False
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr" and a.get("data-code"):
            self._code, self._status = a["data-code"], a.get("data-status") or ""
        if tag == "td" and "bb-value" in (a.get("class") or ""):
            self._in_value, self._text = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._in_value and self._code:
            self.rows[self._code] = (self._status, self._text.strip())
            self._in_value = False

    def handle_data(self, data: str) -> None:
        if self._in_value:
            self._text += data


@pytest.mark.parametrize("gemeente", ["GM0505", "GM0642", "GM0855"])
@pytest.mark.parametrize("indicator", list(COLUMNS))
def test_page_api_and_csv_show_the_cbs_figure(
    client: TestClient, gemeente: str, indicator: str
) -> None:
    column, decimals = COLUMNS[indicator]
    rows = source_rows()
    page = client.get(f"/gemeente/{gemeente}", params={"indicator": indicator, "niveau": "buurt"})
    assert page.status_code == 200
    grabber = CellGrabber()
    grabber.feed(page.text)
    api = client.get("/api/v1/waarden", params={"indicator": indicator, "gebied": gemeente}).json()
    api_values = {v["code"]: v for v in api["waarden"]}
    csv_rows = {
        r["regiocode"]: r
        for r in csv.DictReader(
            io.StringIO(
                client.get(
                    f"/gemeente/{gemeente}/tabel.csv", params={"indicator": indicator}
                ).text.lstrip("\ufeff")
            ),
            delimiter=";",
        )
    }
    buurten = [c for c in rows if c.startswith("BU" + gemeente[2:])]
    assert set(grabber.rows) == set(buurten) == set(api_values) == set(csv_rows)
    sample = random.Random(gemeente + indicator).sample(buurten, 25)
    for code in sample:
        expected = rows[code][column]
        status, text = grabber.rows[code]
        if expected is None:
            assert (status, text) == ("hidden", "verborgen"), code
            assert api_values[code]["waarde"] is None and api_values[code]["status"] == "hidden"
            assert csv_rows[code]["waarde"] == "" and csv_rows[code]["status"] == "verborgen"
        else:
            assert status == "value"
            assert text == format_number(float(expected), decimals), code
            assert api_values[code]["waarde"] == pytest.approx(expected)
            assert float(csv_rows[code]["waarde"].replace(",", ".")) == pytest.approx(expected)
            assert csv_rows[code]["status"] == "waarde"  # Dutch, like the rest of the file


def test_profile_shows_buurt_next_to_wijk_gemeente_and_nl(client: TestClient) -> None:
    rows = source_rows()
    page = client.get("/regio/BU05050101").text
    for code in ("BU05050101", "WK050501", "GM0505", "NL00"):
        expected = format_number(float(rows[code]["a_inw"]))
        assert f'data-code="{code}">{expected}</td>' in page
    assert "Wijk 01 Binnenstad" in page and "Dordrecht" in page and "Nederland" in page


def test_profile_explains_hidden_values(client: TestClient) -> None:
    rows = source_rows()
    hidden = next(c for c, r in rows.items() if c.startswith("BU0505") and r["a_wmo_t"] is None)
    page = client.get(f"/regio/{hidden}").text
    assert "bb-value--hidden" in page
    assert "Geheim of onbekend bij de bron" in page


def test_hidden_figures_are_never_zero_in_the_geojson(client: TestClient) -> None:
    rows = source_rows()
    data = client.get("/api/v1/kaart/GM0505.geojson", params={"indicator": "jeugdzorg"}).json()
    assert data["features"]
    for feature in data["features"]:
        p = feature["properties"]
        if rows[p["code"]]["a_jz_tn"] is None:
            assert p["waarde"] is None and p["status"] == "hidden" and p["kleur"] is None
        else:
            assert p["waarde"] == rows[p["code"]]["a_jz_tn"]


def test_regions_without_polygon_are_listed_not_dropped(client: TestClient) -> None:
    page = client.get("/gemeente/GM0505").text
    assert "buurten zonder vlak op de kaart" in page
    geo = client.get("/api/v1/kaart/GM0505.geojson", params={"indicator": "inwoners"}).json()
    api = client.get("/api/v1/waarden", params={"indicator": "inwoners", "gebied": "GM0505"}).json()
    assert len(api["waarden"]) == 132 and len(geo["features"]) == 128
    missing = {v["code"] for v in api["waarden"]} - {
        f["properties"]["code"] for f in geo["features"]
    }
    for code in missing:
        assert f'href="/regio/{code}"' in page
    maashorst = client.get("/gemeente/GM1991").text
    assert "39 buurten zonder vlak op de kaart" in maashorst


def test_table_sorts_without_javascript(client: TestClient) -> None:
    page = client.get(
        "/gemeente/GM0505",
        params={"indicator": "bijstand_per_1000", "sorteer": "waarde", "richting": "af"},
    )
    grabber = CellGrabber()
    grabber.feed(page.text)
    values = [
        float(t.replace(".", "").replace(",", "."))
        for s, t in grabber.rows.values()
        if s == "value"
    ]
    assert values == sorted(values, reverse=True)
    statuses = [s for s, _ in grabber.rows.values()]
    assert statuses.index("hidden") > statuses.index("value")
    assert 'aria-sort="descending"' in page.text


def test_profile_shows_the_health_time_series(client: TestClient) -> None:
    """RIVM figures for Dordrecht (GM0505): 2016 and 2020 next to each other."""
    import pyarrow.compute as pc

    health = pq.read_table(BUNDLED_FILES[1])
    rows = health.filter(
        pc.and_(
            pc.equal(health["WijkenEnBuurten"], "GM0505"), pc.equal(health["Leeftijd"], "20300")
        )
    ).to_pylist()
    by_period = {r["Perioden"][:4]: r["Eenzaam_28"] for r in rows}
    page = client.get("/regio/GM0505").text
    expected = (
        f"2016: {format_number(by_period['2016'], 1)} → 2020: {format_number(by_period['2020'], 1)}"
    )
    assert expected in page
