"""Names of buurten and wijken in pages, CSV and API; search by name; the code with a note."""

from __future__ import annotations

import csv
import io
import re

import pyarrow.parquet as pq
from fastapi.testclient import TestClient

from tests.conftest import shared_file


def _cbs_names() -> dict[str, str]:
    table = pq.read_table(shared_file("gwb_namen_2024.parquet"), columns=["code", "name"])
    return dict(zip(table["code"].to_pylist(), table["name"].to_pylist(), strict=True))


def _csv(client: TestClient, gemeente: str, **params: str) -> list[dict[str, str]]:
    text = client.get(f"/gemeente/{gemeente}/tabel.csv", params=params).text
    return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))


def test_dordrecht_table_csv_and_api_carry_code_and_cbs_name(client: TestClient) -> None:
    names = _cbs_names()
    rows = _csv(client, "GM0505")
    assert len(rows) > 100
    assert all(r["naam"] == names[r["regiocode"]] and not r["naam_toelichting"] for r in rows)
    page = client.get("/gemeente/GM0505").text
    for code in ("BU05050100", "BU05050801"):
        row = re.search(rf'<tr [^>]*data-code="{code}".*?</tr>', page, re.S)
        assert row and code in row.group(0) and names[code] in row.group(0)
    values = client.get(
        "/api/v1/waarden", params={"gebied": "GM0505", "indicator": "bijstand_per_1000"}
    ).json()["waarden"]
    assert {v["code"]: v["naam"] for v in values} == {r["regiocode"]: r["naam"] for r in rows}
    geojson = client.get(
        "/api/v1/kaart/GM0505.geojson", params={"indicator": "bijstand_per_1000"}
    ).json()
    assert all(
        f["properties"]["naam"] == names[f["properties"]["code"]] for f in geojson["features"]
    )


def test_profile_title_breadcrumbs_and_api_use_names(client: TestClient) -> None:
    page = client.get("/regio/BU05050801").text
    assert "<title>Crabbehof-Noord – profiel – Buurtbeeld</title>" in page
    crumbs = re.search(r'<nav aria-label="Kruimelpad".*?</nav>', page, re.S)
    assert crumbs and "Wijk 08 Crabbehof/Zuidhoven" in crumbs.group(0)
    assert "Dordrecht" in crumbs.group(0)
    assert 'id="naamtoelichting"' not in page
    body = client.get("/api/v1/regios/BU05050801").json()
    assert (body["code"], body["naam"], body["naam_toelichting"]) == (
        "BU05050801",
        "Crabbehof-Noord",
        None,
    )
    profile = client.get("/api/v1/regios/BU05050801/profiel").json()
    assert [a["regio"]["naam"] for a in profile["gebieden"]] == [
        "Crabbehof-Noord",
        "Wijk 08 Crabbehof/Zuidhoven",
        "Dordrecht",
        "Nederland",
    ]


def test_a_redrawn_buurt_keeps_its_code_with_a_note(client: TestClient) -> None:
    """Leeuwarden redrew buurten in 2024: a 2023 code without a 2024 name shows its code."""
    names = _cbs_names()
    rows = _csv(client, "GM0080")
    unnamed = [r for r in rows if r["regiocode"] not in names]
    assert len(unnamed) == 3  # SOURCES.md §8: Leeuwarden 3
    for r in unnamed:
        assert r["naam"] == f"Buurt {r['regiocode']}"
        assert "opnieuw ingedeeld" in r["naam_toelichting"]
    code = unnamed[0]["regiocode"]
    page = client.get(f"/regio/{code}").text
    assert f'<h1 class="utrecht-heading-1">Buurt {code}</h1>' in page
    assert 'id="naamtoelichting" data-naam="herindeling_2024"' in page
    table = client.get("/gemeente/GM0080").text
    row = re.search(rf'<tr [^>]*data-code="{code}".*?</tr>', table, re.S)
    assert row and 'data-naam="herindeling_2024"' in row.group(0)
    body = client.get(f"/api/v1/regios/{code}").json()
    assert body["naam"] == f"Buurt {code}" and "opnieuw ingedeeld" in body["naam_toelichting"]


def test_search_page_and_api_find_buurten_by_name(client: TestClient) -> None:
    start = client.get("/").text
    assert 'action="/zoek"' in start and 'name="q"' in start
    for query in ("crabbehof", "Crabbehof", "CRABBÉHOF"):
        page = client.get("/zoek", params={"q": query}).text
        found = re.findall(r'<li data-code="([A-Z0-9]+)">', page)
        assert set(found) == {"WK050508", "BU05050800", "BU05050801"}, query
        assert "3 regio's gevonden" in page
        assert "Buurt BU05050801 in Wijk 08 Crabbehof/Zuidhoven, Dordrecht" in page
    api = client.get("/api/v1/zoek", params={"q": "Sterrenburg"}).json()
    assert api["regios"][0]["code"] == "WK050509"
    assert {"BU05050900", "BU05050901"} <= {r["code"] for r in api["regios"]}
    assert api["totaal"] == len(api["regios"])
    empty = client.get("/zoek", params={"q": "qqzzxx"}).text
    assert "Geen gemeente, wijk of buurt gevonden" in empty
    assert client.get("/api/v1/zoek", params={"q": ""}).status_code == 400
    assert client.get("/api/v1/zoek", params={"q": "x" * 101}).status_code == 400
