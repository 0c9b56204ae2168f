"""JSON API: OpenAPI document, problem+json errors, Dutch pages for errors."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_openapi_document_lists_the_endpoints(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Buurtbeeld API"
    paths = set(spec["paths"])
    assert {
        "/api/v1/waarden",
        "/api/v1/kaart/{gebied}.geojson",
        "/api/v1/indicatoren",
        "/api/v1/stapeling/{gebied}",
    } <= paths
    ids = [op["operationId"] for p in spec["paths"].values() for op in p.values()]
    assert len(ids) == len(set(ids))


def test_unknown_region_is_problem_json(client: TestClient) -> None:
    r = client.get("/api/v1/regios/BU99999999")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert (
        body["status"] == 404 and body["code"] == "BB-NF-003" and "bestaat niet" in body["detail"]
    )


def test_missing_parameter_is_problem_json(client: TestClient) -> None:
    r = client.get("/api/v1/waarden", params={"gebied": "GM0505"})
    assert r.status_code == 400
    assert r.json()["code"] == "BB-API-400" and "indicator" in r.json()["detail"]


def test_unknown_indicator_and_level(client: TestClient) -> None:
    assert (
        client.get("/api/v1/waarden", params={"indicator": "geluk", "gebied": "GM0505"}).json()[
            "code"
        ]
        == "BB-NF-002"
    )
    assert (
        client.get(
            "/api/v1/waarden",
            params={"indicator": "inwoners", "gebied": "GM0505", "niveau": "straat"},
        ).status_code
        == 400
    )
    assert (
        client.get(
            "/api/v1/waarden",
            params={"indicator": "inwoners", "gebied": "GM0505", "periode": "1999"},
        ).json()["code"]
        == "BB-NF-006"
    )


def test_html_errors_are_dutch_pages(client: TestClient) -> None:
    r = client.get("/regio/GM9999")
    assert r.status_code == 404 and "text/html" in r.headers["content-type"]
    assert "Niet gevonden" in r.text and "BB-NF-003" in r.text and "Wat kunt u doen?" in r.text
    assert client.get("/bestaat/niet").status_code == 404


def test_indicator_api_and_page(client: TestClient) -> None:
    body = client.get("/api/v1/indicatoren/bijstand_per_1000").json()
    assert (
        body["teller"] == "bijstand"
        and body["noemer"] == "inwoners"
        and body["minimale_noemer"] == 100
    )
    page = client.get("/indicatoren/bijstand_per_1000").text
    assert "Dekking per niveau" in page and "buurt" in page


def test_stacking_api_matches_page(client: TestClient) -> None:
    params = [
        ("indicator", "bijstand_per_1000"),
        ("indicator", "jeugdzorg_pct"),
        ("referentie", "gemeente"),
    ]
    body = client.get("/api/v1/stapeling/GM0505", params=params).json()
    assert len(body["buurten"]) == 132
    page = client.get("/gemeente/GM0505/stapeling", params=params).text
    top = max(body["buurten"], key=lambda b: (b["aantal"], b["code"]))
    assert f'data-code="{top["code"]}"' in page
    geo = client.get("/api/v1/stapeling/GM0505.geojson", params=params).json()
    assert {f["properties"]["aantal"] for f in geo["features"]} <= {0, 1, 2}


def test_every_page_renders(client: TestClient) -> None:
    for url in (
        "/",
        "/indicatoren",
        "/over",
        "/gemeente/GM0642?niveau=wijk",
        "/regio/WK050501",
        "/regio/GM0505",
        "/gemeente/GM0505?indicator=eenzaam_pct&periode=2016",
        "/gemeente/NL00?niveau=wijk&indicator=inwoners",
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "Bron: CBS" in r.text
