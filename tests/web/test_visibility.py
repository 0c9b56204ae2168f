"""Internal indicators do not exist for publiek, until a beheerder publishes them (issue 12 item 3).

The workspace holds the bundled CBS data, a partner package made by the real source toolkit
(synthetic debt signals of Hendrik-Ido-Ambacht, with amounts) and a linked stapeling package of
the same gemeente; both partner sources are internal by default. The app has sign-in configured,
on SQLite and on PostgreSQL. As publiek the test crawls every page reachable from the start page
(for this gemeente, its wijken and buurten) and every public GET route of the ROUTES table with
real ids, and searches each response for the internal indicators' ids, titles, source and
figures. An internal id must give the same answer as an id that never existed. Then a beheerder
publishes the partner source through the web form: the indicators appear; withdraws it: gone
again. Every act is in the audit log, and the chain verifies.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL, open_platform
from buurtbeeld.platform.roles import READ, ROUTES, Access
from buurtbeeld.platform.sessions import SessionStore
from buurtbeeld.platform.users import UserStore
from buurtbeeld.web.app import create_app
from tests.overlap_package import GEMEENTE
from tests.platform.conftest import (
    BACKENDS,
    Cluster,
    postgres_cluster,  # noqa: F401 (fixture)
)
from tests.web.visibility_data import (
    PARTNER,
    PARTNER_SOURCE,
    STAPELING_KEY,
    STAPELING_MARKS,
    Secrets,
    forms,
    number_in,
)

pytestmark = pytest.mark.slow

BASE = "https://127.0.0.1"
COOKIE = "__Host-bb_sessie"
OTHER_GEMEENTE = "GM0363"  # no partner figures
PUBLIC_INDICATOR = "bijstand_per_1000"
MAX_PAGES = 160
REASON = "Afgestemd met de ketenpartner en de privacyfunctionaris."


@pytest.fixture(scope="module")
def workspace(partner_workspace: tuple[Path, Secrets]) -> tuple[Path, Secrets]:
    return partner_workspace


@dataclass
class Site:
    client: TestClient
    viewer: TestClient
    url: str
    admin: tuple[str, str]  # session token, CSRF token of the beheerder
    secrets: Secrets

    def public(self, url: str) -> object:
        self.client.cookies.clear()
        return self.client.get(url, follow_redirects=False)

    def act(self, subject: str, action: str, reason: str = REASON) -> object:
        token, csrf = self.admin
        self.client.cookies.clear()
        self.client.cookies.set(COOKIE, token)
        response = self.client.post(
            "/beheer/publicatie",
            data={"csrf": csrf, "onderwerp": subject, "actie": action, "reden": reason},
            follow_redirects=False,
        )
        self.client.cookies.clear()
        return response


@pytest.fixture(scope="module", params=BACKENDS)
def site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    workspace: tuple[Path, Secrets],
) -> Iterator[Site]:
    root, secrets = workspace
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('platform') / 'platform.sqlite'}"
    else:
        cluster: Cluster = request.getfixturevalue("postgres_cluster")
        url = cluster.new_database()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_DATABASE_URL, url)
        with open_platform(None, url=url) as db:
            user = UserStore(db).create(
                "beheer", "beheerder", "paarse-olifant-wandelt-7", actor="t"
            )
            store = SessionStore(db)
            token = store.create(user, timedelta(hours=1))
            session = store.get(token)
            assert session is not None
        app = create_app(root, auth=AuthConfig(session_secret="x" * 40))
        patch.delenv(ENV_DATABASE_URL)
        with (
            TestClient(app, base_url=BASE) as client,
            TestClient(create_app(root, auth=None), base_url="http://127.0.0.1") as viewer,
        ):
            yield Site(client, viewer, url, (token, session.csrf_token), secrets)


def _links(text: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="(/[^"#]*)', text)]


def _in_scope(url: str) -> bool:
    """Pages of this gemeente, its wijken and buurten, the country, and the catalogue."""
    path = urlsplit(url).path
    if path.startswith(("/static/", "/inloggen", "/uitloggen")) or path.startswith("//"):
        return False
    if path.endswith(".pdf"):  # compressed: searched as text in tests/web/test_reports.py
        return False
    codes = re.findall(r"(?:GM|WK|BU)\d{4}|NL00", url)  # NL00: the same pages, nationally
    return all(c[2:6] == GEMEENTE[2:] for c in codes)


def _route_urls(ids: list[str]) -> dict[str, list[str]]:
    """Every public GET route of ROUTES, filled with real ids (and the internal ones)."""
    wijk, buurt = "WK053101", "BU05310100"
    fill = {
        "/": ["/"],
        "/gemeente": [f"/gemeente?code={GEMEENTE}"],
        "/gemeente/{code}": [f"/gemeente/{GEMEENTE}?indicator={i}" for i in ids],
        "/gemeente/{code}/tabel.csv": [
            f"/gemeente/{GEMEENTE}/tabel.csv?indicator={i}" for i in ids
        ],
        "/gemeente/{code}/stapeling": [
            f"/gemeente/{GEMEENTE}/stapeling?indicator={i}&indicator={PUBLIC_INDICATOR}"
            for i in ids
        ],
        "/gemeente/{code}/stapeling.csv": [
            f"/gemeente/{GEMEENTE}/stapeling.csv?indicator={i}" for i in ids
        ],
        "/gemeente/{code}/voorzieningen": [f"/gemeente/{c}/voorzieningen" for c in (GEMEENTE,)],
        "/gemeente/{code}/voorzieningen.csv": [f"/gemeente/{GEMEENTE}/voorzieningen.csv"],
        "/regio/{code}": [f"/regio/{c}" for c in (GEMEENTE, wijk, buurt)],
        "/regio/{code}/rapport": [f"/regio/{c}/rapport" for c in (GEMEENTE, wijk, buurt)]
        + [f"/regio/{GEMEENTE}/rapport?indicator={i}" for i in ids],
        "/regio/{code}/rapport.pdf": [f"/regio/{GEMEENTE}/rapport.pdf?indicator={i}" for i in ids],
        "/gemeente/{code}/tabel.xlsx": [
            f"/gemeente/{GEMEENTE}/tabel.xlsx?indicator={i}" for i in ids
        ],
        "/gemeente/{code}/tabel.gpkg": [
            f"/gemeente/{GEMEENTE}/tabel.gpkg?indicator={i}" for i in ids
        ],
        "/indicatoren": ["/indicatoren"],
        "/indicatoren/{indicator_id}": [f"/indicatoren/{i}" for i in ids],
        "/over": ["/over"],
        "/api/v1/gemeenten": ["/api/v1/gemeenten"],
        "/api/v1/regios/{code}": [f"/api/v1/regios/{buurt}"],
        "/api/v1/regios/{code}/profiel": [f"/api/v1/regios/{c}/profiel" for c in (GEMEENTE, buurt)],
        "/api/v1/indicatoren": ["/api/v1/indicatoren"],
        "/api/v1/indicatoren/{indicator_id}": [f"/api/v1/indicatoren/{i}" for i in ids],
        "/api/v1/waarden": [
            f"/api/v1/waarden?indicator={i}&gebied={GEMEENTE}&niveau={n}"
            for i in ids
            for n in ("wijk", "buurt")
        ],
        "/api/v1/kaart/{gebied}.geojson": [
            f"/api/v1/kaart/{GEMEENTE}.geojson?indicator={i}" for i in ids
        ],
        "/api/v1/stapeling/{gebied}.geojson": [
            f"/api/v1/stapeling/{GEMEENTE}.geojson?indicator={i}" for i in ids
        ],
        "/api/v1/stapeling/{gebied}": [f"/api/v1/stapeling/{GEMEENTE}?indicator={i}" for i in ids],
        "/api/v1/voorzieningen/{gebied}.geojson": [f"/api/v1/voorzieningen/{GEMEENTE}.geojson"],
        "/api/v1/voorzieningen/{gebied}": [f"/api/v1/voorzieningen/{GEMEENTE}"],
        "/api/v1/openapi.json": ["/api/v1/openapi.json"],
        "/api/v1/docs": ["/api/v1/docs"],
        "/gezond": ["/gezond"],
        "/klaar": ["/klaar"],
        "/toegankelijkheid": ["/toegankelijkheid"],
        "/zoek": [f"/zoek?q={q}" for q in ("crabbehof", *ids)],
        "/api/v1/zoek": [f"/api/v1/zoek?q={q}" for q in ("crabbehof", *ids)],
        **{
            f"/gemeente/{{code}}/{page}": [
                f"/gemeente/{GEMEENTE}/{page}?indicator={i}" for i in ids
            ]
            for page in (
                "verandering",
                "verandering.geojson",
                "hotspots",
                "hotspots.csv",
                "jamwijken",
                "jamwijken.csv",
                "buurttypen",
                "buurttypen.csv",
            )
        },
        "/gemeente/{code}/analyse": [f"/gemeente/{GEMEENTE}/analyse"],
        "/api/v1/kaart/{gebied}/klassen.json": [
            f"/api/v1/kaart/{g}/klassen.json?indicator={i}" for g in (GEMEENTE, "NL00") for i in ids
        ],
        "/api/v1/kaart/{gebied}/namen.json": [f"/api/v1/kaart/{GEMEENTE}/namen.json"],
        "/api/v1/ondergrond/water.geojson": ["/api/v1/ondergrond/water.geojson"],
        "/api/v1/tegels/{niveau}/{z}/{x}/{y}.pbf": [
            "/api/v1/tegels/buurt/8/131/84.pbf",
            *(f"/api/v1/tegels/buurt/8/131/84.pbf?indicator={i}" for i in ids),
        ],
        **{
            f"/api/v1/{kind}/{{gebied}}.geojson": [
                f"/api/v1/{kind}/{GEMEENTE}.geojson?indicator={i}" for i in ids
            ]
            for kind in ("hotspots", "buurttypen")
        },
    }
    not_figures = {"/static/{file:path}", "/inloggen", "/inloggen/oidc", "/inloggen/oidc/terug"}
    public_get = {
        r.pattern for r in ROUTES if r.access is Access.PUBLIC and r.methods >= READ
    } - not_figures
    assert public_get <= set(fill), f"route zonder invulling: {public_get - set(fill)}"
    return fill


def _crawl(site: Site, ids: list[str]) -> dict[str, str]:
    """Every response publiek gets: the ROUTES table filled in, then links followed."""
    seen: dict[str, str] = {}
    queue = deque(u for urls in _route_urls(ids).values() for u in urls)
    while queue and len(seen) < MAX_PAGES + len(ids) * 12:
        url = queue.popleft()
        if url in seen:
            continue
        response = site.public(url)
        text = response.text  # type: ignore[attr-defined]
        for echoed in (i for i in ids if i in url):  # the error echoes what was asked
            text = text.replace(echoed, "(gevraagd id)")
        seen[url] = f"{response.status_code}\n{response.headers}\n{text}"  # type: ignore[attr-defined]
        if "text/html" in response.headers.get("content-type", ""):  # type: ignore[attr-defined]
            queue.extend(u for u in _links(text) if u not in seen and _in_scope(u))
    return seen


def _never(ident: str) -> str:
    """An id that never existed, as long as ``ident`` (errors cut echoed input at 80 characters)."""
    return ident[:-1] + ("x" if ident[-1] != "x" else "y")


def _same_as_never(
    site: Site, url: str, ident: str, never: str, names: tuple[str, str] = ("", "")
) -> None:
    """An internal id gets the answer an id that never existed gets (``names``: of the two)."""
    internal = site.public(url)
    absent = site.public(url.replace(ident, never))
    assert internal.status_code == absent.status_code == 404, url  # type: ignore[attr-defined]
    one = internal.text.replace(ident, "(id)").replace(names[0] or "(id)", "(naam)")  # type: ignore[attr-defined]
    other = absent.text.replace(never, "(id)").replace(names[1] or "(id)", "(naam)")  # type: ignore[attr-defined]
    assert one == other, url


def test_publiek_never_sees_internal_indicators_until_published(site: Site) -> None:
    secrets = site.secrets
    internal = list(secrets.ids)
    # 1. the owner (local viewer) and every signed-in role see them
    assert internal[0] in site.viewer.get("/indicatoren").text
    # 2. publiek: a crawl finds nothing of them, nor of the stapeling
    responses = _crawl(site, internal)
    assert len(responses) > 60, "de crawl bereikte te weinig pagina's"
    assert any(u.startswith("/regio/BU0531") for u in responses), "buurtprofielen gecrawld"
    for url, text in responses.items():
        assert not secrets.found_in(text), (url, secrets.found_in(text)[:3])
        body = text.split("\n", 2)[2].replace(urlsplit(url).path, "(gevraagd pad)")
        assert not any(m in body for m in STAPELING_MARKS), url
    # an internal id answers as an id that never existed, on every route that takes one
    for url in (
        f"/indicatoren/{internal[0]}",
        f"/api/v1/indicatoren/{internal[0]}",
        f"/gemeente/{GEMEENTE}?indicator={internal[0]}",
        f"/gemeente/{GEMEENTE}/tabel.csv?indicator={internal[0]}",
        f"/api/v1/waarden?indicator={internal[0]}&gebied={GEMEENTE}",
        f"/api/v1/kaart/{GEMEENTE}.geojson?indicator={internal[0]}",
        f"/api/v1/stapeling/{GEMEENTE}?indicator={internal[0]}",
        f"/gemeente/{GEMEENTE}/stapeling?indicator={internal[0]}",
    ):
        _same_as_never(site, url, internal[0], _never(internal[0]))
    for path in ("/gemeente/{}/voorzieningen", "/api/v1/voorzieningen/{}"):
        _same_as_never(
            site,
            path.format(GEMEENTE),
            GEMEENTE,
            OTHER_GEMEENTE,
            ("Hendrik-Ido-Ambacht", "Amsterdam"),
        )
    openapi = site.public("/api/v1/openapi.json").json()  # type: ignore[attr-defined]
    assert not any(p.startswith("/api/v1/voorzieningen") for p in openapi["paths"])
    assert any(
        p.startswith("/api/v1/voorzieningen")
        for p in site.viewer.get("/api/v1/openapi.json").json()["paths"]
    )

    # 3. a beheerder publishes the partner source: its indicators appear for publiek
    done = site.act(f"bron:{PARTNER_SOURCE}", "publiceren")
    assert done.status_code == 303, done.text  # type: ignore[attr-defined]
    listing = site.public("/api/v1/indicatoren").text  # type: ignore[attr-defined]
    assert all(i in listing for i in internal)
    values = "".join(
        site.public(f"/api/v1/waarden?indicator={i}&gebied={GEMEENTE}").text  # type: ignore[attr-defined]
        for i in internal
    )
    assert any(number_in(f, values) for a in secrets.amounts for f in forms(a)), (
        "na publicatie staan de bedragen in de API (de zoekactie kan ze vinden)"
    )
    assert PARTNER in site.public(f"/indicatoren/{internal[0]}").text  # type: ignore[attr-defined]
    # the stapeling is still internal
    assert site.public(f"/gemeente/{GEMEENTE}/voorzieningen").status_code == 404  # type: ignore[attr-defined]

    # 4. withdrawn again: gone everywhere
    assert site.act(f"bron:{PARTNER_SOURCE}", "intrekken").status_code == 303  # type: ignore[attr-defined]
    for url, text in _crawl(site, internal).items():
        assert not secrets.found_in(text), (url, secrets.found_in(text)[:3])

    # 5. the audit log holds both acts, with reason and before → after, and the chain verifies
    with open_platform(None, url=site.url) as db:
        log = AuditLog(db)
        log.verify()
        acts = [e for e in log.entries() if e.event in (Event.PUBLICATION, Event.WITHDRAWAL)]
    assert [(e.event, e.actor) for e in acts[-2:]] == [
        (Event.PUBLICATION.value, "beheer"),
        (Event.WITHDRAWAL.value, "beheer"),
    ]
    assert all(REASON in e.details and PARTNER_SOURCE in e.details for e in acts[-2:])
    assert '"voor":"intern"' in acts[-2].details and '"na":"openbaar"' in acts[-2].details


def test_a_published_stapeling_is_public_and_withdrawn_is_gone(site: Site) -> None:
    page = f"/gemeente/{GEMEENTE}/voorzieningen"
    assert site.public(page).status_code == 404  # type: ignore[attr-defined]
    assert site.act(f"bron:{STAPELING_KEY}", "publiceren").status_code == 303  # type: ignore[attr-defined]
    shown = site.public(page)
    assert shown.status_code == 200 and "Stapeling van voorzieningen" in shown.text  # type: ignore[attr-defined]
    assert 'id="stapeling-voorzieningen"' in site.public(f"/regio/{GEMEENTE}").text  # type: ignore[attr-defined]
    assert site.public(f"/api/v1/voorzieningen/{GEMEENTE}").status_code == 200  # type: ignore[attr-defined]
    paths = site.public("/api/v1/openapi.json").json()["paths"]  # type: ignore[attr-defined]
    assert any(p.startswith("/api/v1/voorzieningen") for p in paths)
    assert site.act(f"bron:{STAPELING_KEY}", "intrekken").status_code == 303  # type: ignore[attr-defined]
    assert site.public(page).status_code == 404  # type: ignore[attr-defined]
    assert "stapeling-voorzieningen" not in site.public(f"/regio/{GEMEENTE}").text  # type: ignore[attr-defined]


def test_withdrawing_an_open_indicator_hides_it_and_its_derivations(site: Site) -> None:
    catalog = builtin_catalog()
    inhabitants = next(i for i in catalog.indicators if i.source and i.source.column == "a_inw")
    derived = [
        i.id
        for i in catalog.indicators
        if i.derived and inhabitants.id in (i.derived.numerator, i.derived.denominator)
    ]
    assert site.act(f"indicator:{inhabitants.id}", "intrekken").status_code == 303  # type: ignore[attr-defined]
    listing = {i["id"] for i in site.public("/api/v1/indicatoren").json()}  # type: ignore[attr-defined]
    assert inhabitants.id not in listing
    assert not set(derived) & listing and derived
    assert site.public(f"/indicatoren/{inhabitants.id}").status_code == 404  # type: ignore[attr-defined]
    assert site.act(f"indicator:{inhabitants.id}", "publiceren").status_code == 303  # type: ignore[attr-defined]
    listing = {i["id"] for i in site.public("/api/v1/indicatoren").json()}  # type: ignore[attr-defined]
    assert {inhabitants.id, *derived} <= listing


def test_the_form_refuses_without_reason_or_csrf(site: Site) -> None:
    refused = site.act(f"bron:{PARTNER_SOURCE}", "publiceren", reason="")
    assert refused.status_code == 422 and "BB-PUB-005" in refused.text  # type: ignore[attr-defined]
    token, _ = site.admin
    site.client.cookies.set(COOKIE, token)
    no_csrf = site.client.post(
        "/beheer/publicatie",
        data={"onderwerp": f"bron:{PARTNER_SOURCE}", "actie": "publiceren", "reden": REASON},
    )
    site.client.cookies.clear()
    assert no_csrf.status_code == 403 and "BB-AUTH-003" in no_csrf.text
    page = site.public(f"/api/v1/indicatoren/{site.secrets.ids[0]}")
    assert page.status_code == 404  # type: ignore[attr-defined]


def test_publiek_exports_hold_no_internal_byte(site: Site) -> None:
    """A public indicator's XLSX and GeoPackage, written in the process that serves internal
    figures (the owner downloaded them just before), carry no byte of them: not in the file, not
    in a member of the XLSX zip, not as a stored double (GDAL and SQLite write pages, openpyxl
    zips XML; stale heap bytes in either would show here)."""
    secrets = site.secrets
    base = f"/gemeente/{GEMEENTE}/tabel"
    for ident in secrets.ids:  # the owner's downloads fill this process's heap with them
        for kind in ("xlsx", "gpkg"):
            assert site.viewer.get(f"{base}.{kind}?indicator={ident}").status_code == 200
    for kind in ("xlsx", "gpkg"):
        response = site.public(f"{base}.{kind}?indicator={PUBLIC_INDICATOR}")
        assert response.status_code == 200, kind  # type: ignore[attr-defined]
        data: bytes = response.content  # type: ignore[attr-defined]
        parts = [data]
        if kind == "xlsx":
            with zipfile.ZipFile(io.BytesIO(data)) as xlsx:
                parts += [xlsx.read(name) for name in xlsx.namelist()]
        for part in parts:
            text = part.decode("latin-1")
            for word in (*secrets.ids, *secrets.titles, PARTNER):
                assert word.encode() not in part and word not in text, (kind, word)
            for amount in secrets.amounts:
                assert struct.pack("<d", amount) not in part, (kind, amount)
                assert not [f for f in forms(amount) if number_in(f, text)], (kind, amount)
        assert any(PUBLIC_INDICATOR.encode() in part for part in parts), kind  # it can hit
