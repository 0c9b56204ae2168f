"""Web hardening (issue 10, items 12 and 20): offline API docs, security headers, host check,
HEAD, capped list parameters, no long inputs echoed back, compressed responses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.web.app import create_app

# A URL in an attribute or a CSS url(): anything with a scheme and a host.
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|url\(\s*["']?(?:https?:)?//""")
PAGES = (
    "/",
    "/gemeente/GM0505",
    "/gemeente/GM0505/stapeling",
    "/regio/BU05050101",
    "/indicatoren",
    "/indicatoren/bijstand_per_1000",
    "/over",
    "/api/v1/docs",
)


def test_api_docs_are_served_from_the_package(client: TestClient) -> None:
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    assert not EXTERNAL.search(r.text), "the docs page loads something from another host"
    assets = re.findall(r"""(?:src|href)="(/static/[^"]+)\"""", r.text)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert len(served.content) > 100, asset
    assert "/api/v1/openapi.json" in r.text


@pytest.mark.parametrize(
    "url",
    [
        *PAGES,
        "/api/v1/gemeenten",
        "/api/v1/kaart/GM0505.geojson?indicator=inwoners",
        "/static/css/buurtbeeld.css",
        "/bestaat/niet",
        "/api/v1/regios/BU99999999",
    ],
)
def test_security_headers_on_every_response(client: TestClient, url: str) -> None:
    r = client.get(url)
    csp = r.headers.get("content-security-policy", "")
    directives = dict(
        [*part.split(" ", 1), ""][:2] for part in (d.strip() for d in csp.split(";")) if part
    )
    assert directives.get("default-src") == "'self'", csp
    assert directives.get("frame-ancestors") == "'none'", csp
    assert "'unsafe-eval'" not in csp and "*" not in csp.split()
    assert "'unsafe-inline'" not in directives.get("script-src", "'self'"), csp
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("x-frame-options") == "DENY"
    assert r.headers.get("referrer-policy") == "same-origin"


def test_unknown_host_is_refused(app_workspace: Path) -> None:
    app = create_app(app_workspace, hosts=["buurtbeeld.gemeente.nl"])
    with TestClient(app, base_url="http://127.0.0.1:8000") as client:
        assert client.get("/gezond").status_code == 200
        for host in ("localhost:8000", "buurtbeeld.gemeente.nl", "[::1]:8000"):
            assert client.get("/gezond", headers={"host": host}).status_code == 200, host
        r = client.get("/", headers={"host": "aanvaller.example:8000"})
        assert r.status_code == 400
        assert "BB-WEB-001" in r.text and "aanvaller" not in r.text
        assert r.headers["x-content-type-options"] == "nosniff"
        api = client.get("/api/v1/gemeenten", headers={"host": "rebind.example"})
        assert api.status_code == 400 and api.json()["code"] == "BB-WEB-001"


# One sample URL per GET route of the app (a new route needs a line here).
SAMPLES = {
    "/": "/",
    "/gemeente": "/gemeente?code=GM0505",
    "/gemeente/{code}": "/gemeente/GM0505",
    "/gemeente/{code}/tabel.csv": "/gemeente/GM0505/tabel.csv",
    "/gemeente/{code}/stapeling": "/gemeente/GM0505/stapeling",
    "/regio/{code}": "/regio/BU05050101",
    "/gemeente/{code}/verandering": "/gemeente/GM0505/verandering",
    "/gemeente/{code}/verandering.geojson": "/gemeente/GM0505/verandering.geojson",
    "/indicatoren": "/indicatoren",
    "/indicatoren/{indicator_id}": "/indicatoren/bijstand_per_1000",
    "/over": "/over",
    "/toegankelijkheid": "/toegankelijkheid",
    "/gezond": "/gezond",
    "/api/v1/docs": "/api/v1/docs",
    "/api/v1/openapi.json": "/api/v1/openapi.json",
    "/api/v1/gemeenten": "/api/v1/gemeenten",
    "/api/v1/zoek": "/api/v1/zoek?q=crabbehof",
    "/zoek": "/zoek?q=crabbehof",
    "/api/v1/regios/{code}": "/api/v1/regios/GM0505",
    "/api/v1/regios/{code}/profiel": "/api/v1/regios/GM0505/profiel",
    "/api/v1/indicatoren": "/api/v1/indicatoren",
    "/api/v1/indicatoren/{indicator_id}": "/api/v1/indicatoren/inwoners",
    "/api/v1/waarden": "/api/v1/waarden?indicator=inwoners&gebied=GM0505",
    "/api/v1/kaart/{gebied}.geojson": "/api/v1/kaart/GM0505.geojson?indicator=inwoners",
    "/api/v1/stapeling/{gebied}": "/api/v1/stapeling/GM0505",
    "/api/v1/stapeling/{gebied}.geojson": "/api/v1/stapeling/GM0505.geojson",
}


def test_head_works_on_every_get_route(client: TestClient) -> None:
    get_routes = {
        route.path  # type: ignore[attr-defined]
        for route in client.app.routes  # type: ignore[attr-defined]
        if "GET" in (getattr(route, "methods", None) or set())
    }
    assert get_routes <= set(SAMPLES), f"no sample URL for {get_routes - set(SAMPLES)}"
    for url in SAMPLES.values():
        get = client.get(url, follow_redirects=False)
        head = client.head(url, follow_redirects=False)
        assert get.status_code in (200, 303), url
        assert head.status_code == get.status_code, url
        assert head.content == b"", url
        assert head.headers.get("content-type") == get.headers.get("content-type"), url


def test_list_parameters_are_deduplicated_and_capped(client: TestClient) -> None:
    once = [("indicator", "bijstand_per_1000"), ("indicator", "jeugdzorg_pct")]
    twice = once * 3
    a = client.get("/api/v1/stapeling/GM0505", params=once).json()
    b = client.get("/api/v1/stapeling/GM0505", params=twice).json()
    assert b["indicatoren"] == a["indicatoren"] == ["bijstand_per_1000", "jeugdzorg_pct"]
    assert b == a
    page = client.get("/gemeente/GM0505/stapeling", params=twice)
    assert page.status_code == 200 and page.text.count('data-code="') == 132
    for repeats, code in ((2000, "BB-API-402"), (30, "BB-API-401")):
        flood = [("indicator", "bijstand_per_1000")] * repeats
        for url in ("/api/v1/stapeling/GM0505", "/gemeente/GM0505/stapeling"):
            r = client.get(url, params=flood)
            assert r.status_code == 400, url
            assert code in r.text, (repeats, url)
            assert len(r.content) < 20_000


def test_error_pages_do_not_echo_long_inputs(client: TestClient) -> None:
    long = "A" * 30_000  # httpx's longest URL is 64 KB
    for url, params in (
        (f"/regio/BU{long}", None),
        (f"/api/v1/regios/BU{long}", None),
        ("/api/v1/waarden", {"indicator": long, "gebied": "GM0505"}),
        ("/gemeente/GM0505", {"indicator": long}),
        ("/gemeente/GM0505", {"indicator": "<script>alert(1)</script>" + long}),
    ):
        r = client.get(url, params=params)
        assert 400 <= r.status_code < 500, url
        assert len(r.content) < 20_000, (url, len(r.content))
        assert "A" * 81 not in r.text
        assert "<script>alert" not in r.text


def test_markup_in_parameters_is_escaped(client: TestClient) -> None:
    r = client.get("/gemeente/GM0505", params={"indicator": '"><img src=x onerror=alert(1)>'})
    assert r.status_code == 404
    assert "<img" not in r.text and "&lt;img" in r.text


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("/gemeente/GM0505", "text/html"),
        ("/api/v1/waarden?indicator=inwoners&gebied=GM0505", "application/json"),
        ("/api/v1/kaart/GM0505.geojson?indicator=inwoners", "application/geo+json"),
        ("/gemeente/GM0505/tabel.csv", "text/csv"),
        ("/api/v1/kaart/NL00.geojson?indicator=inwoners", "application/geo+json"),
        ("/api/v1/stapeling/NL00.geojson", "application/geo+json"),
        ("/gemeente/NL00/stapeling", "text/html"),
        ("/static/vendor/maplibre-gl/maplibre-gl.mjs", "javascript"),
    ],
)
def test_responses_are_compressed(client: TestClient, url: str, kind: str) -> None:
    plain = client.get(url, headers={"accept-encoding": "identity"})
    packed = client.get(url, headers={"accept-encoding": "gzip"})
    with client.stream("GET", url, headers={"accept-encoding": "gzip"}) as raw:
        wire = len(b"".join(raw.iter_raw()))
    assert kind in packed.headers["content-type"]
    assert "content-encoding" not in plain.headers
    assert packed.headers.get("content-encoding") == "gzip"
    assert "accept-encoding" in packed.headers.get("vary", "").lower()
    # httpx decodes gzip itself: compare the decoded bodies, then the size on the wire
    assert packed.content == plain.content
    assert wire < len(plain.content) / 2, (wire, len(plain.content))


def test_large_static_files_are_compressed_once_per_version(tmp_path: Path) -> None:
    """Issue 13 item 5: MapLibre's 1.1 MB module was gzip-compressed on every map page."""
    from starlette.applications import Starlette

    from buurtbeeld.web.compression import STATIC_PRECOMPRESS_FROM, PrecompressedStaticFiles

    big = tmp_path / "groot.mjs"
    big.write_text("export const a = 1;\n" * (STATIC_PRECOMPRESS_FROM // 10))
    (tmp_path / "klein.css").write_text("p { margin: 0 }\n" * 100)
    app = Starlette()
    static = PrecompressedStaticFiles(directory=str(tmp_path))
    app.mount("/static", static)
    gz = {"accept-encoding": "gzip"}
    with TestClient(app) as local:
        first = local.get("/static/groot.mjs", headers=gz)
        assert first.headers["content-encoding"] == "gzip"
        assert first.text == big.read_text()
        assert first.headers["etag"] and first.headers["last-modified"]
        assert local.get("/static/groot.mjs", headers=gz).content == first.content
        assert len(static._gzipped._items) == 1  # compressed once for both requests
        again = local.get(
            "/static/groot.mjs", headers={**gz, "if-none-match": first.headers["etag"]}
        )
        assert again.status_code == 304
        plain = local.get("/static/groot.mjs", headers={"accept-encoding": "identity"})
        assert "content-encoding" not in plain.headers
        assert "content-encoding" not in local.get("/static/klein.css", headers=gz).headers
        big.write_text("export const b = 2;\n" * (STATIC_PRECOMPRESS_FROM // 10))
        changed = local.get("/static/groot.mjs", headers=gz)
        assert changed.text == big.read_text()
        assert changed.headers["etag"] != first.headers["etag"]


def test_national_stapelkaart_is_paginated(client: TestClient) -> None:
    """Item 13: the national stapelkaart was 12.6 MB of HTML (14,000 rows in one table)."""
    api = client.get("/api/v1/stapeling/NL00").json()
    first = client.get("/gemeente/NL00/stapeling")
    assert first.status_code == 200
    assert len(first.content) < 1_000_000, len(first.content)
    seen = re.findall(r'data-code="([^"]+)"', first.text)
    assert 0 < len(seen) <= 500
    assert "pagina=2" in first.text
    last_page = -(-len(api["buurten"]) // len(seen))
    last = client.get("/gemeente/NL00/stapeling", params={"pagina": last_page})
    assert last.status_code == 200
    tail = re.findall(r'data-code="([^"]+)"', last.text)
    assert 0 < len(tail) <= len(seen) and not set(tail) & set(seen)
    beyond = client.get("/gemeente/NL00/stapeling", params={"pagina": last_page + 5})
    assert re.findall(r'data-code="([^"]+)"', beyond.text) == tail
    assert set(seen) | set(tail) <= {b["code"] for b in api["buurten"]}
