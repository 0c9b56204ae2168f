"""Local sign-in: the Dutch page, CSRF, cookie flags, generic errors, rate limit, audit, logout.

The real app (TestClient over https, so Secure cookies travel) with the real platform database
(SQLite in a fresh copy of a workspace).
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from buurtbeeld.errors import BuurtbeeldError, ConfigError
from buurtbeeld.platform import auth_settings
from buurtbeeld.platform.audit import AuditLog, Entry
from buurtbeeld.platform.auth_errors import AuthError
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL, open_platform
from buurtbeeld.platform.login_limit import LoginLimiter
from buurtbeeld.platform.oidc import OidcClientSettings, PendingLogin, seal, unseal
from buurtbeeld.platform.roles import allowed
from buurtbeeld.platform.sessions import Session, SessionStore
from buurtbeeld.platform.users import UserStore
from buurtbeeld.web.app import create_app
from tests.conftest import copy_workspace
from tests.platform.conftest import postgres_cluster  # noqa: F401 (fixture, for PostgreSQL runs)

PASSWORD = "paarse-olifant-wandelt-7"
COOKIE = "__Host-bb_sessie"
BASE = "https://127.0.0.1"


@pytest.fixture
def workspace(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    empty_workspace_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Path:
    """A workspace with user els; the platform database on SQLite, or PostgreSQL when the test
    is parametrised indirectly with "postgresql"."""
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    if getattr(request, "param", "sqlite") == "postgresql":
        cluster = request.getfixturevalue("postgres_cluster")
        monkeypatch.setenv(ENV_DATABASE_URL, cluster.new_database())
    root = tmp_path / "werkmap"
    copy_workspace(empty_workspace_template, root)
    _create_user(root, "els", PASSWORD)
    _create_user(root, "bart", PASSWORD, role="beheerder")  # may use every /beheer form
    return root


def _create_user(root: Path, name: str, password: str, role: str = "lezer") -> None:
    with open_platform(root) as db:
        UserStore(db).create(name, role, password, actor="test")


def _audit(root: Path) -> list[Entry]:
    with open_platform(root) as db:
        return list(AuditLog(db).entries())


def _session(root: Path, token: str | None) -> Session | None:
    with open_platform(root) as db:
        return SessionStore(db).get(token)


def _app(root: Path) -> FastAPI:
    return create_app(root, auth=AuthConfig(session_secret="x" * 40, local=True))


def _client(root_or_app: Path | FastAPI, address: str = "10.0.0.1") -> TestClient:
    app = _app(root_or_app) if isinstance(root_or_app, Path) else root_or_app
    return TestClient(app, base_url=BASE, client=(address, 5000))


@pytest.fixture
def client(workspace: Path) -> Iterator[TestClient]:
    with _client(workspace) as test_client:
        yield test_client


def _csrf(page_text: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', page_text)
    assert match, "formulier zonder CSRF-token"
    return match.group(1)


def _sign_in(client: TestClient, name: str = "els", password: str = PASSWORD) -> object:
    token = _csrf(client.get("/inloggen").text)
    return client.post(
        "/inloggen",
        data={"gebruikersnaam": name, "wachtwoord": password, "csrf": token},
        follow_redirects=False,
    )


def test_the_sign_in_page_is_dutch_and_its_form_has_a_csrf_token(client: TestClient) -> None:
    page = client.get("/inloggen")
    assert page.status_code == 200 and '<html lang="nl">' in page.text
    assert "Gebruikersnaam" in page.text and "Wachtwoord" in page.text
    assert _csrf(page.text) == client.cookies.get("bb_formulier")
    assert "no-store" in page.headers["cache-control"]
    assert "content-security-policy" in page.headers


@pytest.mark.parametrize("workspace", ["sqlite", "postgresql"], indirect=True)
def test_sign_in_sets_a_secure_httponly_samesite_cookie_and_records_it(
    client: TestClient, workspace: Path
) -> None:
    response = _sign_in(client)

    assert response.status_code == 303 and response.headers["location"] == "/"  # type: ignore[attr-defined]
    cookie = next(
        c
        for c in response.headers.get_list("set-cookie")
        if c.startswith(COOKIE + "=")  # type: ignore[attr-defined]
    )
    flags = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "secure", "samesite=lax", "path=/"} <= flags
    assert not any(f.startswith("domain") for f in flags)
    assert "Afmelden (els)" in client.get("/over").text
    entries = _audit(workspace)
    assert (entries[-1].actor, entries[-1].event) == ("els", "aanmelding")


@pytest.mark.parametrize("workspace", ["sqlite", "postgresql"], indirect=True)
def test_a_wrong_password_and_an_unknown_name_get_the_same_generic_error(
    client: TestClient, workspace: Path
) -> None:
    wrong = _sign_in(client, password="niet-het-wachtwoord")
    unknown = _sign_in(client, name="niemand")

    for response in (wrong, unknown):
        assert response.status_code == 401  # type: ignore[attr-defined]
        assert "Gebruikersnaam of wachtwoord onjuist." in response.text  # type: ignore[attr-defined]
        assert client.cookies.get(COOKIE) is None
    log = [(e.actor, e.event, e.details) for e in _audit(workspace)]
    assert log[-2][:2] == ("els", "aanmelding_mislukt")
    assert log[-1][:2] == ("onbekend", "aanmelding_mislukt")
    assert not any("niet-het-wachtwoord" in str(row) or "niemand" in str(row) for row in log)


@pytest.mark.parametrize("token", [None, "", "een-ander-token"])
def test_a_form_without_the_right_csrf_token_is_refused(
    client: TestClient, token: str | None
) -> None:
    client.get("/inloggen")  # the browser has the form cookie, the post lacks the token
    data = {"gebruikersnaam": "els", "wachtwoord": PASSWORD}
    if token is not None:
        data["csrf"] = token
    response = client.post("/inloggen", data=data, follow_redirects=False)

    assert response.status_code == 403 and "BB-AUTH-003" in response.text
    assert client.cookies.get(COOKIE) is None


@pytest.mark.parametrize("workspace", ["sqlite", "postgresql"], indirect=True)
def test_logout_needs_the_session_token_and_ends_the_session(
    client: TestClient, workspace: Path
) -> None:
    _sign_in(client)
    session_token = client.cookies.get(COOKIE)
    page = client.get("/over")

    refused = client.post("/uitloggen", data={"csrf": "geraden"}, follow_redirects=False)
    assert refused.status_code == 403 and "BB-AUTH-003" in refused.text
    assert _session(workspace, session_token) is not None

    done = client.post("/uitloggen", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/"
    assert _session(workspace, session_token) is None
    entries = _audit(workspace)
    assert (entries[-1].actor, entries[-1].event) == ("els", "afmelding")


@pytest.mark.parametrize("workspace", ["sqlite", "postgresql"], indirect=True)
def test_five_failures_block_the_account_even_with_the_right_password(
    workspace: Path,
) -> None:
    app = _app(workspace)
    with _client(app, "10.0.0.1") as first, _client(app, "10.0.0.2") as second:
        for _ in range(5):
            assert _sign_in(first, password="fout-wachtwoord-1").status_code == 401  # type: ignore[attr-defined]
        blocked = _sign_in(first)
        elsewhere = _sign_in(second)  # the account is blocked from every address
    for response in (blocked, elsewhere):
        assert response.status_code == 429  # type: ignore[attr-defined]
        assert "Te veel mislukte pogingen" in response.text  # type: ignore[attr-defined]
        assert "BB-AUTH-002" in response.text  # type: ignore[attr-defined]
        assert 0 < int(response.headers["retry-after"]) <= 900  # type: ignore[attr-defined]
    entries = _audit(workspace)
    assert [e.event for e in entries[-2:]] == ["aanmelding_mislukt"] * 2
    assert all(e.actor == "els" for e in entries[-7:])


def test_five_failures_block_the_address_for_other_accounts(workspace: Path) -> None:
    _create_user(workspace, "piet", PASSWORD + "x")
    with _client(workspace, "10.0.0.3") as guesser:
        for name in ("a1", "a2", "a3", "a4", "a5"):
            _sign_in(guesser, name=name)
        assert _sign_in(guesser, name="piet", password=PASSWORD + "x").status_code == 429  # type: ignore[attr-defined]


def test_the_limiter_forgets_failures_after_the_window() -> None:
    now = [1000.0]
    limiter = LoginLimiter(max_failures=5, window_seconds=900, clock=lambda: now[0])
    for _ in range(5):
        limiter.failed("els", "10.0.0.1")
    assert limiter.wait_seconds("els", "10.0.0.9") == 900
    now[0] += 600
    assert limiter.wait_seconds("ELS ", "10.0.0.9") == 300  # names compare case-insensitively
    now[0] += 300
    assert limiter.wait_seconds("els", "10.0.0.1") == 0


@pytest.mark.parametrize(
    "target", ["//kwaadaardig.example/", "https://kwaadaardig.example/", "/\t/kwaadaardig.example"]
)
def test_a_next_path_off_the_site_is_ignored(client: TestClient, target: str) -> None:
    token = _csrf(client.get("/inloggen").text)
    response = client.post(
        "/inloggen",
        data={"gebruikersnaam": "els", "wachtwoord": PASSWORD, "csrf": token, "volgende": target},
        follow_redirects=False,
    )
    assert response.status_code == 303 and response.headers["location"] == "/"


def test_signed_in_pages_are_private_to_caches(client: TestClient) -> None:
    assert "cache-control" not in client.get("/over").headers  # anonymous: unchanged
    _sign_in(client)
    assert client.get("/over").headers["cache-control"] == "private, no-store"
    assert "no-store" not in client.get("/static/css/buurtbeeld.css").headers.get(
        "cache-control", ""
    )


def test_without_configuration_the_app_has_no_sign_in(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("BUURTBEELD_AANMELDEN", raising=False)
    with TestClient(create_app(workspace), base_url="http://127.0.0.1") as viewer:
        assert viewer.get("/inloggen").status_code == 404
        page = viewer.get("/over")
        assert page.status_code == 200 and "Aanmelden" not in page.text


ENV = {
    "BUURTBEELD_AANMELDEN": "lokaal,oidc",
    "BUURTBEELD_SESSIE_GEHEIM": "Zq8vN2rT5kLx0WbE7yHc3MfA9uPjD6sG1oRi4tKe",
    "BUURTBEELD_ADRES": "https://buurtbeeld.gemeente.nl/",
    "BUURTBEELD_OIDC_UITGEVER": "https://idp.gemeente.nl/realms/gemeente",
    "BUURTBEELD_OIDC_CLIENT_ID": "buurtbeeld",
    "BUURTBEELD_OIDC_CLIENT_SECRET": "s",
    "BUURTBEELD_OIDC_ROLLEN": "BB Beheer=beheerder, bb-lezen=Lezer",
}


def test_the_platform_settings_give_the_sign_in_configuration() -> None:
    config = auth_settings.from_environment(ENV)

    assert config is not None and config.secure_cookies and config.local
    assert config.oidc is not None and config.role_for is not None
    assert config.oidc.redirect_uri == "https://buurtbeeld.gemeente.nl/inloggen/oidc/terug"
    assert config.oidc.post_logout_redirect_uri == "https://buurtbeeld.gemeente.nl/"
    assert config.role_for(["bb-lezen", "BB Beheer"]) == "beheerder"
    assert config.hosts == ("buurtbeeld.gemeente.nl",)  # the app answers to its address
    assert auth_settings.from_environment({}) is None


def test_the_app_answers_to_its_public_address(workspace: Path) -> None:
    config = AuthConfig(session_secret="x" * 40, hosts=("buurtbeeld.gemeente.nl",))
    app = create_app(workspace, auth=config)
    with TestClient(app, base_url="https://buurtbeeld.gemeente.nl") as public:
        assert public.get("/inloggen").status_code == 200
    with TestClient(app, base_url="https://ander.example") as other:
        assert other.get("/inloggen").status_code == 400  # BB-WEB-001, as before


def test_an_unreachable_provider_gives_a_dutch_page(workspace: Path) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    oidc = OidcClientSettings(
        issuer=f"http://127.0.0.1:{port}",
        client_id="buurtbeeld",
        client_secret="s",
        redirect_uri=f"{BASE}/inloggen/oidc/terug",
    )
    config = AuthConfig(session_secret="x" * 40, oidc=oidc, role_for=lambda values: None)
    with TestClient(create_app(workspace, auth=config), base_url=BASE) as client:
        page = client.get("/inloggen/oidc", follow_redirects=False)
    assert page.status_code == 502 and "BB-AUTH-012" in page.text
    assert "niet bereikbaar" in page.text and "Traceback" not in page.text


def test_a_pending_sign_in_that_was_altered_or_is_stale_is_refused() -> None:
    pending = PendingLogin.start("/over")
    sealed = seal(pending, "geheim-1" * 5)
    assert unseal(sealed, "geheim-1" * 5) == pending
    altered = sealed[:-3] + ("A" if sealed[-3] != "A" else "B") + sealed[-2:]
    for value, secret, now in [
        (altered, "geheim-1" * 5, None),
        (sealed, "geheim-2" * 5, None),  # another server secret
        (sealed, "geheim-1" * 5, pending.started + 601),  # after ten minutes
        ("", "geheim-1" * 5, None),
    ]:
        with pytest.raises(AuthError) as refused:
            unseal(value, secret, now=now)
        assert refused.value.code == "BB-AUTH-004"


def test_oidc_without_an_address_is_refused_in_dutch() -> None:
    env = {k: v for k, v in ENV.items() if k != "BUURTBEELD_ADRES"}
    with pytest.raises(ConfigError, match="BUURTBEELD_ADRES") as refused:
        auth_settings.from_environment(env)
    assert refused.value.code == "BB-AUTH-014"


def test_the_app_does_not_start_with_unsafe_settings(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("BUURTBEELD_ADRES", "http://buurtbeeld.gemeente.nl")
    with pytest.raises(BuurtbeeldError, match="onversleuteld"):
        create_app(workspace)


def _all_routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, also inside included routers (FastAPI keeps those nested)."""
    for route in routes:
        nested = getattr(route, "original_router", None)
        yield from _all_routes(nested.routes) if nested is not None else [route]


def test_every_state_changing_route_refuses_a_request_without_csrf_token(
    client: TestClient,
) -> None:
    # signed in as a beheerder (every write route admits that role, so the route table lets
    # each request reach the CSRF check): the session's token is the one that counts
    app: FastAPI = client.app  # type: ignore[assignment]
    with open_platform(app.state.workspace.root) as db:
        UserStore(db).create("bea", "beheerder", PASSWORD, actor="test")
    _sign_in(client, "bea")
    changing = [
        (method, re.sub(r"\{[^}]+\}", "x", route.path))
        for route in _all_routes(app.routes)
        for method in sorted(getattr(route, "methods", None) or ())
        if method not in ("GET", "HEAD", "OPTIONS")
    ]
    assert ("POST", "/inloggen") in changing and ("POST", "/uitloggen") in changing
    for method, path in changing:
        response = client.request(method, path, data={"veld": "waarde"})
        assert response.status_code == 403, (method, path)
        # A route the lezer may not use (duiding goedkeuren, beheer) is refused by the route
        # table first (BB-PLT-040); every other one by the CSRF check.
        code = "BB-AUTH-003" if allowed("lezer", method, path) else "BB-PLT-040"
        assert code in response.text, (method, path)
