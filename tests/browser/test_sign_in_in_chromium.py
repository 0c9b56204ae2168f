"""Sign in and out as a user does: Chromium, the real server, default (Secure) cookies, axe-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import open_platform
from buurtbeeld.platform.users import UserStore
from tests.browser.conftest import serve
from tests.conftest import copy_workspace

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "groene-fiets-op-de-dijk-4"


@pytest.fixture(scope="module")
def sign_in_server(
    tmp_path_factory: pytest.TempPathFactory, empty_workspace_template: Path
) -> Iterator[str]:
    root = tmp_path_factory.mktemp("aanmelden") / "werkmap"
    copy_workspace(empty_workspace_template, root)
    with open_platform(root) as db:
        UserStore(db).create("els", "analist", PASSWORD, actor="test")
    # The defaults a gemeente gets: Secure, __Host- cookies (browsers accept them on 127.0.0.1).
    with serve(root, auth=AuthConfig(session_secret="s" * 40)) as url:
        yield url


def _serious_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_sign_in_and_out_in_chromium(browser: Any, sign_in_server: str) -> None:
    context = browser.new_context(bypass_csp=True)  # axe is injected as an inline script
    page = context.new_page()
    page.goto(sign_in_server + "/inloggen?volgende=/over")
    assert page.get_by_role("heading", name="Aanmelden").is_visible()
    assert not _serious_violations(page)

    page.get_by_label("Gebruikersnaam").fill("els")
    page.get_by_label("Wachtwoord").fill("verkeerd-wachtwoord-1")
    page.get_by_role("button", name="Aanmelden").click()
    assert (
        page.get_by_role("alert").inner_text().startswith("Gebruikersnaam of wachtwoord onjuist.")
    )
    assert not _serious_violations(page)  # the page with its error message

    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(sign_in_server + "/over")
    cookie = next(c for c in context.cookies() if c["name"] == "__Host-bb_sessie")
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"

    # The logout button sits in the menu line like a link (what the screenshot showed).
    logout = page.get_by_role("button", name="Afmelden (els)")
    api, button = page.get_by_role("link", name="API").bounding_box(), logout.bounding_box()
    assert (
        api
        and button
        and abs((api["y"] + api["height"] / 2) - (button["y"] + button["height"] / 2)) < 3
    )
    assert not _serious_violations(page)
    logout.click()
    page.wait_for_url(sign_in_server + "/")
    assert page.get_by_role("link", name="Aanmelden").is_visible()
    assert not any(c["name"] == "__Host-bb_sessie" for c in context.cookies())
    context.close()
