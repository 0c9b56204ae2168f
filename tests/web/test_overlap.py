"""The stapeling of provisions in the web app: API, CSV, page and profile against the package.

The package is built by the real toolkit (tests/overlap_package.py) and imported by the real
intake; expected numbers come straight from the package's own Parquet cells.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from collections.abc import Iterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.store.pending import STAPELING, mark
from buurtbeeld.web.app import create_app
from tests.overlap_package import published_cells

NAMES = ("wmo", "jeugdhulp", "bijstand")
API = "/api/v1/voorzieningen/GM0531"
PAGE = "/gemeente/GM0531/voorzieningen"


@pytest.fixture(scope="module")
def client(overlap_workspace_template: Path) -> Iterator[TestClient]:
    app = create_app(overlap_workspace_template)
    with TestClient(app, base_url="http://127.0.0.1") as test_client:
        yield test_client


@pytest.fixture(scope="module")
def package(linked_package: tuple[Path, object]) -> dict[str, dict[tuple[str, ...], float | None]]:
    return {unit: published_cells(linked_package[0], unit) for unit in ("huishoudens", "personen")}


def _cell(region: str, yes: tuple[str, ...], anything: tuple[str, ...] = ()) -> tuple[str, ...]:
    return (
        region,
        *("ja" if n in yes else "totaal" if n in anything else "nee" for n in NAMES),
    )


def _areas(client: TestClient, level: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}?niveau={level}")
    assert response.status_code == 200
    areas: list[dict[str, Any]] = response.json()["gebieden"]
    return areas


@pytest.mark.parametrize("level", ["wijk", "buurt"])
def test_api_combinations_are_the_published_cells(
    client: TestClient, package: dict[str, Any], level: str
) -> None:
    seen_hidden = 0
    for area in _areas(client, level):
        for unit in ("huishoudens", "personen"):
            for combo in area[unit]["combinaties"]:
                expected = package[unit][_cell(area["code"], tuple(combo["voorzieningen"]))]
                got = combo["aantal"]
                if expected is None:
                    seen_hidden += 1
                    assert (got["waarde"], got["status"]) == (None, "hidden")
                else:
                    assert (got["waarde"], got["status"]) == (expected, "value")
    assert seen_hidden > 0, "the fixture should hide some combinations"


def _subsets(k: int, at_least: bool) -> list[tuple[str, ...]]:
    sizes = range(k, 4) if at_least else range(1, k)
    return [c for size in sizes for c in combinations(NAMES, size)]


@pytest.mark.parametrize("level", ["wijk", "buurt"])
def test_k_or_more_comes_from_published_cells_only(
    client: TestClient, package: dict[str, Any], level: str
) -> None:
    derived = hidden = 0
    for area in _areas(client, level):
        for unit in ("huishoudens", "personen"):
            cells = package[unit]
            total = cells[_cell(area["code"], (), NAMES)]
            for k in (1, 2, 3):
                big = [cells[_cell(area["code"], c)] for c in _subsets(k, True)]
                small = [cells[_cell(area["code"], c)] for c in _subsets(k, False)]
                possible = []
                if None not in big:
                    possible.append(sum(big))
                if total is not None and None not in small and len(big) > 1:
                    possible.append(total - sum(small))
                got = area[unit]["minstens"][str(k)]
                if possible:
                    derived += 1
                    assert got["status"] == "value"
                    assert got["waarde"] in [max(p, 0) for p in possible]
                else:
                    hidden += 1
                    assert (got["waarde"], got["status"]) == (None, "hidden")
    assert derived and hidden


def test_shares_divide_by_the_cbs_households(client: TestClient, package: dict[str, Any]) -> None:
    checked = 0
    for area in _areas(client, "buurt"):
        households = area["huishoudens_cbs"]["waarde"]
        for k in ("2", "3"):
            count = area["huishoudens"]["minstens"][k]["waarde"]
            got = area["aandeel_huishoudens"][k]
            if count is None or households is None or households < 100 or count > households:
                assert got["waarde"] is None
            else:
                checked += 1
                assert got["waarde"] == pytest.approx(100 * count / households)
    assert checked
    meta = client.get(API).json()
    assert meta["noemer"] == {
        "indicator": "huishoudens",
        "periode": "2023",
        "bron": "CBS, Kerncijfers wijken en buurten",
    }
    assert meta["periode"] == "2024"


def test_csv_has_source_and_period_on_every_row_and_the_api_numbers(client: TestClient) -> None:
    response = client.get(f"{PAGE}.csv")
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff")), delimiter=";"))
    assert {r["periode"] for r in rows} == {"2024"}
    assert all(r["bron"].startswith("Bron: ") for r in rows)
    assert all("CBS" in r["bron"] for r in rows if r["eenheid"] == "huishoudens_procent")
    by_key = {(r["regiocode"], r["eenheid"], r["figuur"]): r for r in rows}
    for level in ("wijk", "buurt"):
        for area in _areas(client, level):
            for k, f in area["personen"]["minstens"].items():
                row = by_key[(area["code"], "personen", f"{k} of meer voorzieningen")]
                expected = "" if f["waarde"] is None else str(int(f["waarde"]))
                assert (row["waarde"], row["status"]) == (
                    expected,
                    {"value": "waarde", "hidden": "verborgen"}[f["status"]],
                )
    assert {r["regiocode"][:2] for r in rows} == {"GM", "WK", "BU"}


def test_page_shows_hidden_combinations_as_hidden_and_the_published_numbers(
    client: TestClient, package: dict[str, Any]
) -> None:
    area = next(
        a
        for a in _areas(client, "buurt")
        if {c["aantal"]["status"] for c in a["huishoudens"]["combinaties"]} == {"value", "hidden"}
    )
    html = client.get(f"{PAGE}?niveau=buurt&gebied={area['code']}").text
    table = html[html.index('id="combinatietabel-huishoudens"') :]
    table = table[: table.index("</table>")]
    for combo in area["huishoudens"]["combinaties"]:
        key = "+".join(combo["voorzieningen"])
        row = re.search(rf'data-combinatie="{re.escape(key)}">(.*?)</tr>', table, re.S)
        assert row is not None
        cell = re.search(r'data-eenheid="huishoudens">([^<]*)</td>', row.group(1))
        assert cell is not None
        value = package["huishoudens"][_cell(area["code"], tuple(combo["voorzieningen"]))]
        assert cell.group(1) == (
            "verborgen" if value is None else f"{value:,.0f}".replace(",", ".")
        )
    assert "Naast CBS" in html and "Alleen P-wet" in html
    assert 'id="kaart"' in html and "Periode 2024" in html


def test_map_geojson_has_no_number_for_hidden_areas(client: TestClient) -> None:
    data = client.get(f"{API}.geojson?niveau=buurt&drempel=2").json()
    features = data["features"]
    assert len(features) == 12
    statuses = {f["properties"]["status"] for f in features}
    assert "hidden" in statuses and "value" in statuses
    for f in features:
        p = f["properties"]
        assert (p["waarde"] is None) == (p["status"] != "value")
        assert (p["kleur"] is None) == (p["status"] != "value")


def test_profile_shows_the_areas_stapeling(client: TestClient) -> None:
    wijk = next(a for a in _areas(client, "wijk") if a["code"] == "WK053101")
    html = client.get("/regio/WK053101").text
    assert 'id="stapeling-voorzieningen"' in html
    row = re.search(r'data-eenheid="huishoudens" data-k="2">(.*?)</tr>', html, re.S)
    assert row is not None
    cell = re.search(r'data-code="WK053101"[^>]*>([^<]*)</td>', row.group(1))
    assert cell is not None
    f = wijk["huishoudens"]["minstens"]["2"]
    assert cell.group(1) == (
        "verborgen" if f["waarde"] is None else f"{f['waarde']:,.0f}".replace(",", ".")
    )
    # a region without a linkage has no such section, and its gemeente no link to it
    assert 'id="stapeling-voorzieningen"' not in client.get("/regio/BU05050101").text
    assert "/voorzieningen" not in client.get("/gemeente/GM0505").text
    assert "/gemeente/GM0531/voorzieningen" in client.get("/gemeente/GM0531").text


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("/api/v1/voorzieningen/GM0505", "BB-WEB-010"),
        ("/gemeente/GM0505/voorzieningen", "BB-WEB-010"),
        ("/api/v1/voorzieningen/GM0531?periode=2023", "BB-WEB-011"),
        ("/api/v1/voorzieningen/WK053101", "BB-WEB-012"),
        ("/gemeente/GM0531/voorzieningen?gebied=BU05050101", "BB-WEB-013"),
    ],
)
def test_clear_dutch_errors(client: TestClient, path: str, code: str) -> None:
    response = client.get(path, headers={"accept": "application/json"})
    assert response.status_code == 404
    assert response.json()["code"] == code


def test_a_stapeling_being_computed_is_announced(client: TestClient) -> None:
    """While a process computes the stapeling (the demo's background run) the page, the API and
    the gemeente page say so; a marker whose process is gone is not running work."""
    root = client.app.state.workspace.root  # type: ignore[attr-defined]
    # this process: running
    marker = mark(root, STAPELING, "de demo koppelt vier registers", step="Stapeling: koppelen")
    try:
        for path in ("/gemeente/GM0505/voorzieningen", "/api/v1/voorzieningen/GM0505"):
            answer = client.get(path, headers={"accept": "application/json"})
            assert answer.status_code == 503 and answer.json()["code"] == "BB-WEB-016"
            assert "wordt nog berekend: de demo koppelt vier registers" in answer.text
            assert "nu: Stapeling: koppelen" in answer.text
        page = client.get("/gemeente/GM0505").text
        assert "/gemeente/GM0505/voorzieningen" in page and "(wordt berekend)" in page
        assert "(wordt berekend)" not in client.get("/gemeente/GM0531").text  # imported
        gone = subprocess.Popen([sys.executable, "-c", "pass"])
        gone.wait()
        mark(root, STAPELING, "de demo koppelt vier registers", pid=gone.pid)
        answer = client.get(
            "/gemeente/GM0505/voorzieningen", headers={"accept": "application/json"}
        )
        assert answer.json()["code"] == "BB-WEB-010"
        assert "/voorzieningen" not in client.get("/gemeente/GM0505").text
    finally:
        marker.unlink(missing_ok=True)


def _persons_without(contents: Any, drop: str) -> Any:
    """The package with its persons table over the other provisions only (as when one register
    knows households alone): the cells with ``drop`` open and another provision ``ja``, without
    that dimension. (A cell with no other provision ``ja`` would count units of ``drop``
    alone, which a table over the others does not hold: its all-``nee`` cell is zero.)"""
    from dataclasses import replace

    tables = []
    for t in contents.tables:
        if t.unit != "personen":
            tables.append(t)
            continue
        i = [d.name for d in t.dimensions].index(drop)
        keep = [j for j, k in enumerate(t.keys) if k[1][i] == "totaal" and "ja" in k[1]]
        tables.append(
            replace(
                t,
                dimensions=t.dimensions[:i] + t.dimensions[i + 1 :],
                keys=tuple((t.keys[j][0], t.keys[j][1][:i] + t.keys[j][1][i + 1 :]) for j in keep),
                values=tuple(t.values[j] for j in keep),
                statuses=tuple(t.statuses[j] for j in keep),
            )
        )
    return replace(contents, tables=tuple(tables))


def test_a_persons_table_over_fewer_provisions_than_the_households(
    filled_workspace: Any, linked_package: tuple[Path, Any]
) -> None:
    from buurtbeeld.store.intake import intake_package
    from buurtbeeld.store.package_reader import read_package
    from buurtbeeld.store.partners import trusted_keys
    from tests.signing import register

    register(filled_workspace, linked_package[1], "koppelpartij")
    contents = read_package(linked_package[0], trusted_keys(filled_workspace))
    intake_package(filled_workspace, _persons_without(contents, "bijstand"))
    with TestClient(create_app(filled_workspace.root), base_url="http://127.0.0.1") as client:
        area = client.get(API).json()["gebieden"][0]
        assert area["personen"]["voorzieningen"] == ["wmo", "jeugdhulp"]
        assert set(area["personen"]["minstens"]) == {"1", "2"}
        assert len(area["personen"]["combinaties"]) == 3
        assert area["personen"]["cbs_85637ned"] is None
        assert area["huishoudens"]["voorzieningen"] == list(NAMES)
        assert area["huishoudens"]["cbs_85637ned"] is not None
        # persons' "2 or more" is now "Wmo and jeugdhulp": the published cell itself
        cells = published_cells(linked_package[0], "personen")
        both = cells[("GM0531", "ja", "ja", "totaal")]
        two = area["personen"]["minstens"]["2"]
        assert (two["waarde"], two["status"]) == ((both, "value") if both else (None, "hidden"))
        page = client.get(f"{PAGE}?gebied=WK053101&eenheid=personen")
        assert page.status_code == 200
        assert "personen tellen alleen Wmo, Jeugdhulp" in page.text
        assert client.get("/regio/WK053101").status_code == 200
