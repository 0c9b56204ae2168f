"""Sign-in through a real OpenID provider: round trip, roles, logout and every refusal."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from buurtbeeld.platform import auth_settings
from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.db import ENV_DATABASE_URL, open_platform
from buurtbeeld.platform.sessions import SessionStore
from buurtbeeld.platform.users import UserStore
from buurtbeeld.web.app import create_app
from tests.conftest import copy_workspace
from tests.oidc.browser import Browser
from tests.oidc.conftest import APP

SECRET = "Zq8vN2rT5kLx0WbE7yHc3MfA9uPjD6sG1oRi4tKe"  # random, as load_settings demands
COOKIE = "bb_sessie"  # http on 127.0.0.1: no "__Host-" prefix (that needs Secure)


@pytest.fixture
def sign_in_app(
    request: pytest.FixtureRequest,
    provider: str,
    tmp_path: Path,
    empty_workspace_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Callable[..., Browser]]:
    """Build the app for one OIDC client of the provider and hand out a browser for it.

    Parametrised indirectly with "sqlite" (default) or "postgresql" (the platform database).
    """
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    if getattr(request, "param", "sqlite") == "postgresql":
        cluster = request.getfixturevalue("postgres_cluster")
        monkeypatch.setenv(ENV_DATABASE_URL, cluster.new_database())
    browsers: list[Browser] = []
    clients: list[TestClient] = []

    def build(client_id: str = "buurtbeeld") -> Browser:
        root = tmp_path / client_id
        copy_workspace(empty_workspace_template, root)
        config = auth_settings.from_environment(
            {
                "BUURTBEELD_AANMELDEN": "oidc",
                "BUURTBEELD_SESSIE_GEHEIM": SECRET,
                "BUURTBEELD_ADRES": APP,
                "BUURTBEELD_OIDC_UITGEVER": provider,
                "BUURTBEELD_OIDC_CLIENT_ID": client_id,
                "BUURTBEELD_OIDC_CLIENT_SECRET": "geheim-voor-tests",
                "BUURTBEELD_OIDC_SCOPES": "openid profile roles",
                "BUURTBEELD_OIDC_ROLLEN": "bb-beheer=beheerder,bb-lezen=lezer",
            }
        )
        client = TestClient(create_app(root, auth=config), base_url=APP)
        client.__enter__()
        clients.append(client)
        browser = Browser(client)
        browser.root = root  # type: ignore[attr-defined]
        browsers.append(browser)
        return browser

    yield build
    for browser in browsers:
        browser.close()
    for client in clients:
        client.__exit__(None, None, None)


def _platform(browser: Browser) -> tuple[UserStore, SessionStore, AuditLog]:
    db = open_platform(browser.root)  # type: ignore[attr-defined]
    browser.opened.append(db)  # closed with the browser
    audit = AuditLog(db)
    return UserStore(db, audit), SessionStore(db), audit


@pytest.mark.parametrize("sign_in_app", ["sqlite", "postgresql"], indirect=True)
def test_round_trip_signs_in_with_the_mapped_role(sign_in_app: Callable[..., Browser]) -> None:
    browser = sign_in_app()
    page = browser.sign_in("anna")

    assert page.status_code == 200
    assert str(page.url) == f"{APP}/over"  # back where the sign-in started
    assert "Afmelden (anna)" in page.text
    start = parse_qs(urlsplit(browser.visited[1]).query)  # the authorisation request
    assert start["code_challenge_method"] == ["S256"] and start["code_challenge"][0]
    assert start["nonce"][0] and start["state"][0]
    users, sessions, audit = _platform(browser)
    anna = users.get("anna")
    assert anna is not None and anna.role.value == "beheerder" and anna.external
    token = browser.app.cookies.get(COOKIE)
    session = sessions.get(token)
    assert session is not None and session.user.name == "anna"
    assert [(e.actor, e.event) for e in audit.entries()][-1] == ("anna", "aanmelding")


def test_the_highest_mapped_role_wins_and_unmapped_values_are_ignored(
    sign_in_app: Callable[..., Browser],
) -> None:
    browser = sign_in_app()
    browser.sign_in("bram")  # roles: bb-lezen, iets-anders
    users, _, _ = _platform(browser)
    bram = users.get("bram")
    assert bram is not None and bram.role.value == "lezer"


def test_an_account_without_a_mapped_role_is_refused(sign_in_app: Callable[..., Browser]) -> None:
    browser = sign_in_app()
    page = browser.sign_in("carla")  # only "iets-anders"

    assert page.status_code == 403
    assert "BB-AUTH-011" in page.text and "geen rol in Buurtbeeld" in page.text
    assert browser.app.cookies.get(COOKIE) is None
    users, _, audit = _platform(browser)
    assert users.get("carla") is None
    assert [e.event for e in audit.entries()][-1] == "aanmelding_mislukt"


def test_the_session_cookie_flags(sign_in_app: Callable[..., Browser]) -> None:
    browser = sign_in_app()
    browser.go(f"{APP}/inloggen/oidc")
    page = browser.submit(browser.go(browser.visited[-1]), {"prompt": "login", "login": "anna"})
    if 'value="consent"' in page.text:
        page = browser.submit(page, {"prompt": "consent"})
    callback = next(
        r for r in browser.app.cookies.jar if r.name == COOKIE
    )  # what the browser stored
    assert callback.path == "/" and not callback.secure
    assert callback.has_nonstandard_attr("HttpOnly")


@pytest.mark.parametrize("sign_in_app", ["sqlite", "postgresql"], indirect=True)
def test_logout_ends_the_session_here_and_at_the_provider(
    sign_in_app: Callable[..., Browser],
) -> None:
    browser = sign_in_app()
    page = browser.sign_in("anna")
    token = browser.app.cookies.get(COOKIE)
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]

    response = browser.app.post("/uitloggen", data={"csrf": csrf}, follow_redirects=False)

    assert response.status_code == 303
    end = urlsplit(response.headers["location"])
    query = parse_qs(end.query)
    assert end.path == "/session/end" and query["client_id"] == ["buurtbeeld"]
    assert query["post_logout_redirect_uri"] == [f"{APP}/"]
    _, sessions, audit = _platform(browser)
    assert sessions.get(token) is None
    assert [(e.actor, e.event) for e in audit.entries()][-1] == ("anna", "afmelding")
    browser.app.cookies.set(COOKIE, token)  # replaying the old cookie does not sign in
    assert "Afmelden (anna)" not in browser.app.get("/over").text
    # The provider asks to confirm and sends the browser back to the app.
    confirm = browser.go(response.headers["location"])
    back = browser.submit(confirm, {"logout": "yes"})
    assert str(back.url) == f"{APP}/" and back.status_code == 200


@pytest.mark.parametrize(
    ("client_id", "code", "words"),
    [
        ("bb-verlopen", "BB-AUTH-007", "is verlopen"),
        ("bb-andere-aud", "BB-AUTH-008", "andere toepassing"),
        ("bb-vervalst", "BB-AUTH-006", "geen geldige handtekening"),
        ("bb-andere-nonce", "BB-AUTH-010", "hoort niet bij deze aanmelding"),
        ("bb-andere-uitgever", "BB-AUTH-009", "andere uitgever"),
    ],
)
def test_a_bad_id_token_is_refused_with_a_dutch_page(
    sign_in_app: Callable[..., Browser], client_id: str, code: str, words: str
) -> None:
    browser = sign_in_app(client_id)
    page = browser.sign_in("anna")

    assert page.status_code == 400, (page.url, page.text[:3000])
    assert code in page.text and words in page.text and '<html lang="nl">' in page.text
    assert "Traceback" not in page.text and "eyJ" not in page.text  # no stack trace, no token
    assert browser.app.cookies.get(COOKIE) is None
    users, _, audit = _platform(browser)
    assert users.get("anna") is None
    assert [e.event for e in audit.entries()][-1] == "aanmelding_mislukt"


def _callback_url(browser: Browser) -> str:
    """Sign in at the provider but stop before the app's callback; return its URL."""
    browser.go(f"{APP}/inloggen/oidc")
    real_go = browser.go
    stopped: list[str] = []

    def go(url: str, **kwargs: object) -> object:
        response = browser._send(str(kwargs.get("method", "GET")), url, kwargs.get("data"))  # type: ignore[arg-type]
        while response.status_code in (302, 303):
            target = str(response.url.join(response.headers["location"]))
            if target.startswith(f"{APP}/inloggen/oidc/terug"):
                stopped.append(target)
                return response
            response = browser._send("GET", target)
        return response

    browser.go = go  # type: ignore[method-assign]
    try:
        page = browser.submit(
            browser.web.get(browser.visited[-1]), {"prompt": "login", "login": "anna"}
        )
        if 'value="consent"' in getattr(page, "text", ""):
            browser.submit(page, {"prompt": "consent"})
    finally:
        browser.go = real_go  # type: ignore[method-assign]
    return stopped[0]


def test_a_wrong_state_is_refused(sign_in_app: Callable[..., Browser]) -> None:
    browser = sign_in_app()
    callback = _callback_url(browser)
    state = parse_qs(urlsplit(callback).query)["state"][0]

    page = browser.go(callback.replace(state, state[:-2] + "xx"))

    assert page.status_code == 400 and "BB-AUTH-004" in page.text
    assert browser.app.cookies.get(COOKIE) is None


def test_a_callback_in_another_browser_is_refused(sign_in_app: Callable[..., Browser]) -> None:
    browser = sign_in_app()
    callback = _callback_url(browser)
    browser.app.cookies.clear()  # the sealed sign-in (state, nonce, verifier) is not there

    page = browser.go(callback)

    assert page.status_code == 400 and "BB-AUTH-004" in page.text
    assert "Traceback" not in page.text
