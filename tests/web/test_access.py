"""The route table enforced in the real app: every route × every role, on SQLite and PostgreSQL.

The app serves the workspace with the imported stapeling package (partner figures of GM0531) and
has sign-in configured; each role signs in through a real server-side session in the platform
database. Expectations are written here per route class from the intent of the table (public
figures for everyone, partner figures only when signed in, sign-in for everyone, beheer for the
beheerder, the audit log for the privacy officer) and never computed with ``roles.allowed``. The
status of a permitted request is what the same app answers without sign-in (the local viewer),
so a role that may use a route gets exactly the owner's answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL, open_platform
from buurtbeeld.platform.sessions import SessionStore
from buurtbeeld.platform.users import UserStore
from buurtbeeld.steer.workspace import load_demo_framework
from buurtbeeld.web.app import create_app
from tests.overlap_package import GEMEENTE, SOURCE
from tests.platform.conftest import (
    BACKENDS,
    Cluster,
    postgres_cluster,  # noqa: F401 (fixture)
)

BASE = "https://127.0.0.1"
COOKIE = "__Host-bb_sessie"
ANONYMOUS = "publiek"
ACCOUNTS = ("lezer", "analist", "beheerder", "privacyfunctionaris")
ROLES = (ANONYMOUS, *ACCOUNTS)
INDICATOR = "bijstand_per_1000"
STATIC_FILE = next(
    p.relative_to(Path(__file__).parents[2] / "src/buurtbeeld/web/static").as_posix()
    for p in sorted((Path(__file__).parents[2] / "src/buurtbeeld/web/static/css").iterdir())
)
PARTNER_MARKS = ("/voorzieningen", "Stapeling van voorzieningen", SOURCE)
NO_STAPELING = "GM0363"  # a gemeente without partner figures in the test workspace

# Who may use a class of routes (the intent of the table, written out).
WHO = {
    "publiek": set(ROLES),
    "aanmelden": set(ROLES),
    "intern": set(ACCOUNTS),
    "gepubliceerd": set(ROLES),  # publiek: only what is published (nothing here: 404)
    "analist": {"analist", "beheerder"},
    "beheer": {"beheerder"},
    "audit": {"privacyfunctionaris"},
    "import": {"beheerder"},  # Beheer → Imports: only with sign-in (no local-viewer answer)
}

# Every route of the app, by class. A new route fails the test until it is classified here.
APP_ROUTES: dict[tuple[str, str], str] = {
    ("GET", "/"): "publiek",
    ("GET", "/gemeente"): "publiek",
    ("GET", "/gemeente/{code}"): "publiek",
    ("GET", "/gemeente/{code}/tabel.csv"): "publiek",
    ("GET", "/gemeente/{code}/stapeling"): "publiek",
    ("GET", "/gemeente/{code}/stapeling.csv"): "publiek",
    ("GET", "/regio/{code}"): "publiek",
    # Reports and exports (issue 13 item 3): public; the content follows visibility.
    ("GET", "/regio/{code}/rapport"): "publiek",
    ("GET", "/regio/{code}/rapport.pdf"): "publiek",
    ("GET", "/gemeente/{code}/tabel.xlsx"): "publiek",
    ("GET", "/gemeente/{code}/tabel.gpkg"): "publiek",
    ("GET", "/gemeente/{code}/verandering"): "publiek",
    ("GET", "/gemeente/{code}/verandering.geojson"): "publiek",
    ("GET", "/indicatoren"): "publiek",
    ("GET", "/indicatoren/{indicator_id}"): "publiek",
    ("GET", "/over"): "publiek",
    ("GET", "/toegankelijkheid"): "publiek",
    ("GET", "/gezond"): "publiek",
    ("GET", "/static"): "publiek",
    ("GET", "/api/v1/docs"): "publiek",
    ("GET", "/api/v1/openapi.json"): "publiek",
    ("GET", "/api/v1/gemeenten"): "publiek",
    ("GET", "/api/v1/zoek"): "publiek",
    ("GET", "/zoek"): "publiek",
    ("GET", "/api/v1/regios/{code}"): "publiek",
    ("GET", "/api/v1/regios/{code}/profiel"): "publiek",
    ("GET", "/api/v1/indicatoren"): "publiek",
    ("GET", "/api/v1/indicatoren/{indicator_id}"): "publiek",
    ("GET", "/api/v1/waarden"): "publiek",
    ("GET", "/api/v1/kaart/{gebied}.geojson"): "publiek",
    ("GET", "/api/v1/kaart/{gebied}/klassen.json"): "publiek",
    ("GET", "/api/v1/kaart/{gebied}/namen.json"): "publiek",
    ("GET", "/api/v1/tegels/{niveau}/{z}/{x}/{y}.pbf"): "publiek",
    ("GET", "/api/v1/ondergrond/water.geojson"): "publiek",
    ("GET", "/api/v1/stapeling/{gebied}"): "publiek",
    ("GET", "/api/v1/stapeling/{gebied}.geojson"): "publiek",
    # Analysis (issue 15): public routes over the app's (visibility-filtered) catalogue.
    ("GET", "/gemeente/{code}/analyse"): "publiek",
    ("GET", "/gemeente/{code}/hotspots"): "publiek",
    ("GET", "/gemeente/{code}/hotspots.csv"): "publiek",
    ("GET", "/api/v1/hotspots/{gebied}.geojson"): "publiek",
    ("GET", "/gemeente/{code}/jamwijken"): "publiek",
    ("GET", "/gemeente/{code}/jamwijken.csv"): "publiek",
    ("GET", "/gemeente/{code}/buurttypen"): "publiek",
    ("GET", "/gemeente/{code}/buurttypen.csv"): "publiek",
    ("GET", "/api/v1/buurttypen/{gebied}.geojson"): "publiek",
    # Group-level risk factors (issue 15 item 4): internal estimates of a research environment.
    ("GET", "/gemeente/{code}/risicofactoren"): "intern",
    ("GET", "/gemeente/{code}/risicofactoren.csv"): "intern",
    # Partner figures (stapeling van voorzieningen): a public route whose content is internal
    # until a beheerder publishes it; for publiek it does not exist (web/visibility.py).
    ("GET", "/gemeente/{code}/voorzieningen"): "gepubliceerd",
    ("GET", "/gemeente/{code}/voorzieningen.csv"): "gepubliceerd",
    ("GET", "/api/v1/voorzieningen/{gebied}"): "gepubliceerd",
    ("GET", "/api/v1/voorzieningen/{gebied}.geojson"): "gepubliceerd",
    # Publication (issue 12 item 3): the beheerder's page and form.
    ("GET", "/beheer/publicatie"): "beheer",
    ("POST", "/beheer/publicatie"): "beheer",
    ("GET", "/inloggen"): "aanmelden",
    ("POST", "/inloggen"): "aanmelden",
    ("GET", "/inloggen/oidc"): "aanmelden",
    ("GET", "/inloggen/oidc/terug"): "aanmelden",
    ("POST", "/uitloggen"): "aanmelden",
    ("GET", "/beheer/imports"): "import",
    ("POST", "/beheer/imports"): "import",
    ("GET", "/beheer/imports/{job_id}"): "import",
    ("GET", "/beheer/imports/{job_id}/status"): "import",
    # Steering (issue 16): internal; the framework and goals written by an analist, the
    # inventory's fields by a beheerder.
    ("GET", "/sturen"): "intern",
    ("GET", "/sturen/kader.yaml"): "intern",
    ("GET", "/sturen/kader/bewerken"): "analist",
    ("POST", "/sturen/kader"): "analist",
    ("POST", "/sturen/kader/indicator"): "analist",
    ("GET", "/sturen/bronnen"): "intern",
    ("POST", "/sturen/bronnen"): "beheer",
    ("GET", "/sturen/bronnen.csv"): "intern",
    ("GET", "/sturen/bronnen.xlsx"): "intern",
    ("GET", "/sturen/doelen/{thema}"): "intern",
    ("POST", "/sturen/doelen/{thema}"): "analist",
    ("POST", "/sturen/doelen/{thema}/streefwaarde"): "analist",
    ("POST", "/sturen/doelen/{thema}/ambitie"): "analist",
    ("POST", "/sturen/doelen/{thema}/verwijder"): "analist",
    ("GET", "/sturen/doelen/{thema}/pc.xlsx"): "intern",
    ("GET", "/sturen/doelen/{thema}/pc.pdf"): "intern",
    # Duiding (issue 16 item 4): every signed-in role proposes, an analist reviews.
    ("GET", "/duiding/nieuw"): "intern",
    ("POST", "/duiding/nieuw"): "intern",
    ("GET", "/duiding/beoordelen"): "analist",
    ("POST", "/duiding/{duiding_id}/goedkeuren"): "analist",
    ("POST", "/duiding/{duiding_id}/afwijzen"): "analist",
    # Doorbraken register (issue 16 item 5): every signed-in role records; protected analysis.
    ("GET", "/doorbraken"): "intern",
    ("GET", "/doorbraken/analyse.csv"): "intern",
    ("GET", "/doorbraken/nieuw"): "intern",
    ("POST", "/doorbraken/nieuw"): "intern",
}
# What a permitted write answers when posted without its fields (written out per route): the
# form comes back with the coded error (422), an unknown source or goal is not found (404); an
# empty ambition is a valid ambition (303 back to the page).
EMPTY_POST_STATUS = {
    "/sturen/kader": 422,
    "/sturen/kader/indicator": 422,  # no indicator: BB-STR-003
    "/sturen/bronnen": 404,
    "/sturen/doelen/{thema}": 422,
    "/sturen/doelen/{thema}/streefwaarde": 422,
    "/sturen/doelen/{thema}/ambitie": 303,
    "/sturen/doelen/{thema}/verwijder": 404,
}
# What a permitted POST answers without a valid body or object (the lookup ran: no refusal).
WRITE_STATUS = {
    ("POST", "/duiding/nieuw"): 422,  # an empty duiding: the form again, BB-DUI-003
    ("POST", "/duiding/{duiding_id}/goedkeuren"): 404,  # no such duiding: BB-DUI-007
    ("POST", "/duiding/{duiding_id}/afwijzen"): 404,
    ("POST", "/doorbraken/nieuw"): 422,  # no wijk chosen: the form again, BB-DBR-006
}
OPTIONAL = {("GET", "/klaar"): "publiek"}  # readiness (helper "pseudo"), once merged

# Query strings that make a route answer with figures (else it asks for them).
QUERIES = {
    "/gemeente": f"code={GEMEENTE}",
    "/api/v1/waarden": f"indicator={INDICATOR}&gebied={GEMEENTE}",
    "/api/v1/kaart/{gebied}.geojson": f"indicator={INDICATOR}",
    "/api/v1/kaart/{gebied}/klassen.json": f"indicator={INDICATOR}",
    "/api/v1/tegels/{niveau}/{z}/{x}/{y}.pbf": f"indicator={INDICATOR}",
    "/api/v1/zoek": "q=crabbehof",
    "/doorbraken": f"gemeente={GEMEENTE}",
    "/doorbraken/analyse.csv": f"gemeente={GEMEENTE}",
    "/doorbraken/nieuw": f"gemeente={GEMEENTE}",
}

# Prefixes of the table for pages not built yet: the refusal must not depend on existence.
NOT_BUILT: tuple[tuple[str, str, str], ...] = (
    ("GET", "/intern/rapport", "intern"),
    ("GET", "/api/v1/intern/iets", "intern"),
    ("GET", "/duiding/GM0531", "analist"),
    ("POST", "/duiding/GM0531", "analist"),
    ("GET", "/beheer", "beheer"),
    ("GET", "/beheer/gebruikers", "beheer"),
    ("POST", "/beheer/gebruikers", "beheer"),
    ("GET", "/audit", "audit"),
    ("GET", "/audit/export.csv", "audit"),
)


def _fill(path: str) -> str:
    """A real URL for a route template: GM0531 (with partner figures), a real indicator."""
    if path == "/static":
        return f"/static/{STATIC_FILE}"
    url = re.sub(r"\{(code|gebied)\}", GEMEENTE, path)
    url = url.replace("{indicator_id}", INDICATOR).replace("{thema}", "bestaanszekerheid")
    url = url.replace("{duiding_id}", "999999")
    url = url.replace("{job_id}", "1")  # no import has run in this app
    url = url.replace("{niveau}/{z}/{x}/{y}", "wijk/6/32/21")  # a tile over Dordrecht
    assert "{" not in url, f"onbekende padparameter in {path}"
    query = QUERIES.get(path)
    return f"{url}?{query}" if query else url


@dataclass
class Site:
    """The app with sign-in, a session per account role, and the local viewer's answers."""

    client: TestClient
    viewer: TestClient
    sessions: dict[str, tuple[str, str]]  # role → (cookie token, CSRF token)
    db_url: str

    def request(self, role: str, method: str, url: str, **kwargs: object) -> object:
        headers: dict[str, str] = {}
        cookies = {}
        if role == ANONYMOUS:
            cookies["bb_formulier"] = "anoniem-formulier-token"
            headers["x-csrf-token"] = "anoniem-formulier-token"
        else:
            token, csrf = self.sessions[role]
            cookies[COOKIE] = token
            headers["x-csrf-token"] = csrf
        self.client.cookies.clear()
        for name, value in cookies.items():
            self.client.cookies.set(name, value)
        return self.client.request(method, url, headers=headers, follow_redirects=False, **kwargs)  # type: ignore[arg-type]

    def fresh_session(self, role: str) -> tuple[str, str]:
        with open_platform(None, url=self.db_url) as db:
            user = UserStore(db).get(f"test-{role}")
            assert user is not None
            store = SessionStore(db)
            token = store.create(user, timedelta(hours=1))
            session = store.get(token)
            assert session is not None
            return token, session.csrf_token


@pytest.fixture(scope="module", params=BACKENDS)
def site(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    overlap_workspace_template: Path,
) -> Iterator[Site]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('platform') / 'platform.sqlite'}"
    else:
        cluster: Cluster = request.getfixturevalue("postgres_cluster")
        url = cluster.new_database()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(ENV_DATABASE_URL, url)
        sessions = {}
        with open_platform(None, url=url) as db:
            load_demo_framework(db, [i.id for i in builtin_catalog().indicators])
            users, store = UserStore(db), SessionStore(db)
            for role in ACCOUNTS:
                user = users.create(f"test-{role}", role, "paarse-olifant-wandelt-7", actor="test")
                token = store.create(user, timedelta(hours=1))
                session = store.get(token)
                assert session is not None
                sessions[role] = (token, session.csrf_token)
        app = create_app(overlap_workspace_template, auth=AuthConfig(session_secret="x" * 40))
        patch.delenv(ENV_DATABASE_URL)
        viewer_app = create_app(overlap_workspace_template, auth=None)
        viewer_app.state.steer_db = open_platform(None, url=url)  # the same framework
        with (
            TestClient(app, base_url=BASE) as client,
            TestClient(viewer_app, base_url="http://127.0.0.1") as viewer,
        ):
            yield Site(client, viewer, sessions, url)


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """(method, path) of every route, also inside included routers (FastAPI >= 0.120 keeps an
    included router as one entry with the original router and the include's prefix)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _walk(included.routes, prefix + route.include_context.prefix)
        elif isinstance(route, Mount):
            yield "GET", prefix + route.path
        else:
            for method in getattr(route, "methods", None) or ():
                if method != "HEAD":
                    yield method, prefix + route.path


def _app_routes(app: FastAPI) -> set[tuple[str, str]]:
    found = set(_walk(app.routes))
    assert len(found) > 20, "de routes van de app niet gevonden"
    return found


def test_every_route_of_the_app_is_classified(site: Site) -> None:
    found = _app_routes(site.client.app)  # type: ignore[arg-type]
    unclassified = (found - set(OPTIONAL)) ^ set(APP_ROUTES)
    assert not unclassified, f"route zonder klasse in deze test (of verdwenen): {unclassified}"


def _viewer_status(site: Site, method: str, url: str) -> int:
    if method != "GET":
        return -1
    status = site.viewer.get(url, follow_redirects=False).status_code
    assert status < 400, f"{url} werkt niet in de lokale viewer ({status}): vul het pad beter in"
    return status


def _sign_in_route_status(method: str, path: str) -> int:
    """What a sign-in route answers when it is *not* refused (written out per route)."""
    if path == "/inloggen":
        return 200 if method == "GET" else 401  # the form; a wrong password
    if path == "/uitloggen":
        return 303
    return 400  # OIDC is not configured here: BB-AUTH-015 (not an access refusal)


def _import_route_status(method: str, path: str) -> int:
    """What an import route answers when it is not refused (written out per route)."""
    if path == "/beheer/imports":
        return 200 if method == "GET" else 400  # the form; a post without file: BB-JOB-010
    return 404  # no import 1 yet: BB-JOB-002


def _assert_refused(response: object, role: str, method: str, url: str) -> None:
    status = response.status_code  # type: ignore[attr-defined]
    headers = response.headers  # type: ignore[attr-defined]
    page_get = method == "GET" and not url.startswith("/api/")
    if role == ANONYMOUS and page_get:
        assert status == 303, (role, url, status)
        assert headers["location"] == "/inloggen?volgende=" + quote(url, safe="")
    else:
        assert status == 403, (role, method, url, status)
        if url.startswith("/api/"):
            assert headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == "BB-PLT-040"  # type: ignore[attr-defined]
        else:
            assert "BB-PLT-040" in response.text and '<html lang="nl">' in response.text  # type: ignore[attr-defined]
    assert "content-security-policy" in headers  # a refusal is a response like any other


@pytest.mark.parametrize("role", ROLES)
def test_every_route_for_every_role(site: Site, role: str) -> None:
    for (method, path), kind in sorted(APP_ROUTES.items()):
        url = _fill(path)
        kwargs: dict[str, object] = {}
        if (method, path) == ("POST", "/inloggen"):
            kwargs["data"] = {"gebruikersnaam": f"niemand-{role}", "wachtwoord": "fout"}
        response = site.request(role, method, url, **kwargs)
        if (method, path) == ("POST", "/uitloggen") and role != ANONYMOUS:
            site.sessions[role] = site.fresh_session(role)  # logging out ended the session
        status = response.status_code  # type: ignore[attr-defined]
        if role not in WHO[kind]:
            _assert_refused(response, role, method, url)
        elif kind == "aanmelden":
            assert status == _sign_in_route_status(method, path), (role, url, status)
        elif kind == "gepubliceerd" and role == ANONYMOUS:  # not published: does not exist
            assert status == 404, (role, url, status)
        elif (method, path) == ("POST", "/beheer/publicatie"):
            assert status == 422, (role, url, status)  # an empty form: refused, nothing done
        elif kind == "import":
            assert status == _import_route_status(method, path), (role, url, status)
        elif (method, path) in WRITE_STATUS:
            assert status == WRITE_STATUS[method, path], (role, url, status)
        elif method == "POST":
            assert status == EMPTY_POST_STATUS[path], (role, url, status)
        else:
            assert status == _viewer_status(site, method, url), (role, url, status)


@pytest.mark.parametrize("role", ROLES)
def test_internal_prefixes_refuse_before_anything_exists(site: Site, role: str) -> None:
    for method, url, kind in NOT_BUILT:
        response = site.request(role, method, url)
        if role in WHO[kind]:
            assert response.status_code == 404, (role, url)  # type: ignore[attr-defined]
        else:
            _assert_refused(response, role, method, url)


def _without_path(response: object, code: str) -> tuple[int, str]:
    text = response.text  # type: ignore[attr-defined]
    names = {GEMEENTE: "Hendrik-Ido-Ambacht", NO_STAPELING: "Amsterdam"}
    text = re.sub(r"GM\d{4}", "GM____", text.replace(names.get(code, code), "(naam)"))
    return response.status_code, text  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "template",
    [
        "/gemeente/{}/voorzieningen",
        "/gemeente/{}/voorzieningen.csv",
        "/api/v1/voorzieningen/{}",
        "/api/v1/voorzieningen/{}.geojson",
    ],
)
def test_a_refusal_does_not_tell_whether_partner_figures_exist(site: Site, template: str) -> None:
    for role in (ANONYMOUS, "lezer"):
        answers = {
            code: site.request(role, "GET", template.format(code))
            for code in (GEMEENTE, NO_STAPELING, "GM9999")
        }
        if role == ANONYMOUS:  # not published: the same 404 as a gemeente without one
            same = {_without_path(answers[c], c) for c in (GEMEENTE, NO_STAPELING)}
            assert len(same) == 1, template
            assert {r.status_code for r in answers.values()} == {404}  # type: ignore[attr-defined]
        else:  # signed in, the same paths do tell: the figures exist for GM0531 only
            assert answers[GEMEENTE].status_code == 200  # type: ignore[attr-defined]
            assert answers["GM9999"].status_code == 404  # type: ignore[attr-defined]


def test_an_unknown_path_is_not_found_for_every_role(site: Site) -> None:
    for role in ROLES:
        for method, url in (("GET", "/bestaat-niet"), ("POST", "/gemeente"), ("PUT", "/")):
            response = site.request(role, method, url)
            assert response.status_code == 404, (role, method, url)  # type: ignore[attr-defined]


def test_head_follows_get(site: Site) -> None:
    page = f"/gemeente/{GEMEENTE}/voorzieningen"
    assert site.request(ANONYMOUS, "HEAD", page).status_code == 404  # type: ignore[attr-defined]
    assert site.request("lezer", "HEAD", page).status_code == 200  # type: ignore[attr-defined]


@pytest.mark.parametrize("role", ROLES)
def test_public_pages_show_partner_figures_only_to_signed_in_roles(site: Site, role: str) -> None:
    gemeente = site.request(role, "GET", f"/gemeente/{GEMEENTE}").text  # type: ignore[attr-defined]
    profile = site.request(role, "GET", f"/regio/{GEMEENTE}").text  # type: ignore[attr-defined]
    wijk = site.viewer.get(f"/api/v1/voorzieningen/{GEMEENTE}?niveau=wijk").json()["gebieden"][0]
    wijk_profile = site.request(role, "GET", f"/regio/{wijk['code']}").text  # type: ignore[attr-defined]
    for text in (gemeente, profile, wijk_profile):
        if role == ANONYMOUS:
            assert not any(mark in text for mark in PARTNER_MARKS), role
        else:
            assert "Stapeling van voorzieningen" in text, role
            assert SOURCE in text or text is gemeente, role  # the profile names the source
    assert (f"/gemeente/{GEMEENTE}/voorzieningen" in gemeente) == (role != ANONYMOUS)
    assert ('id="stapeling-voorzieningen"' in profile) == (role != ANONYMOUS)
    # the local viewer (no sign-in) is the owner: it sees them
    assert "/voorzieningen" in site.viewer.get(f"/gemeente/{GEMEENTE}").text
    assert 'id="stapeling-voorzieningen"' in site.viewer.get(f"/regio/{GEMEENTE}").text
