"""Duiding and doorbraken as users meet them: Chromium, the real server, axe-core on every page.

An analist writes a duiding that is refused (a BSN), then a clean one, approves it, and a lezer
sees it next to the figures; a case worker records a doorbraak and sees the protected analysis.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import ENV_DATABASE_URL, open_platform
from buurtbeeld.platform.users import UserStore
from tests.browser.conftest import serve
from tests.browser.test_sign_in_in_chromium import _serious_violations

pytestmark = pytest.mark.browser
PASSWORD = "groene-fiets-op-de-dijk-4"
MAP = "/gemeente/GM0505?indicator=bijstand_per_1000&niveau=wijk&periode=2023"
CLEAN = "De daling volgt op de opening van het werkgeversservicepunt in het voorjaar van 2023."


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, app_workspace: Path) -> Iterator[str]:
    root = tmp_path_factory.mktemp("duiding") / "werkmap"
    shutil.copytree(app_workspace, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv(ENV_DATABASE_URL, raising=False)
        with open_platform(root) as db:
            UserStore(db).create("ana", "analist", PASSWORD, actor="test")
            UserStore(db).create("lees", "lezer", PASSWORD, actor="test")
        with serve(root, auth=AuthConfig(session_secret="s" * 40)) as url:
            yield url


COLOURS = """() => {
  const probe = document.createElement('div');
  probe.style.border = '1px solid var(--utrecht-radio-button-invalid-border-color)';
  document.body.appendChild(probe);
  const out = [getComputedStyle(document.querySelector('#blokkade-regel')).borderTopColor,
               getComputedStyle(probe).borderTopColor];
  probe.remove();
  return out;
}"""


def _sign_in(page: Any, base: str, name: str, next_path: str) -> None:
    page.goto(f"{base}/inloggen?volgende={next_path.replace('&', '%26').replace('?', '%3F')}")
    page.get_by_label("Gebruikersnaam").fill(name)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(base + next_path)


def test_refused_clean_approved_seen_and_doorbraken(browser: Any, server: str) -> None:
    context = browser.new_context(bypass_csp=True)  # axe is injected as an inline script
    page = context.new_page()
    _sign_in(page, server, "ana", MAP)
    page.get_by_role("link", name="Duiding toevoegen").click()
    assert page.get_by_label("Gebied (CBS-code van gemeente, wijk of buurt)").input_value() == (
        "GM0505"
    )
    assert not _serious_violations(page)

    page.get_by_label("Duiding (hoogstens 1000 tekens)").fill(
        "De stijging komt door één gezin, BSN 111222333, dat verhuisde."
    )
    page.get_by_role("button", name="Duiding indienen").click()
    alert = page.get_by_role("alert").inner_text()
    assert "burgerservicenummer" in alert and "BB-DUI-001" in alert
    assert "111222333" not in alert.split("gemarkeerd")[0]  # the message names where, not what
    assert not _serious_violations(page)

    page.get_by_label("Duiding (hoogstens 1000 tekens)").fill(CLEAN)
    page.get_by_role("button", name="Duiding indienen").click()
    assert "ingediend" in page.get_by_role("status").inner_text()
    assert not _serious_violations(page)

    page.goto(server + "/duiding/beoordelen")
    assert CLEAN in page.content()
    assert not _serious_violations(page)
    page.get_by_role("button", name="Goedkeuren").first.click()
    assert page.locator("#geen-duiding").is_visible()
    assert not _serious_violations(page)

    page.goto(server + "/doorbraken/nieuw?gemeente=GM0505")
    assert not _serious_violations(page)
    # A required choice is not shown as an error (red) before the user tried to send the form.
    colour, error = page.evaluate(COLOURS)
    assert colour != error
    page.get_by_role("button", name="Doorbraak vastleggen").click()  # nothing chosen: refused
    colour, error = page.evaluate(COLOURS)
    assert colour == error
    page.get_by_label("Regel", exact=True).check()
    page.get_by_label("Nee: alleen tellen").check()
    page.get_by_role("button", name="Doorbraak vastleggen").click()
    assert "vastgelegd" in page.get_by_role("status").inner_text()
    page.goto(server + "/doorbraken?gemeente=GM0505")
    assert page.get_by_role("heading", name="Per wijk").is_visible()
    assert not _serious_violations(page)
    context.close()

    reader = browser.new_context(bypass_csp=True)
    page = reader.new_page()
    _sign_in(page, server, "lees", MAP)
    section = page.locator("#duiding")
    assert CLEAN in section.inner_text() and "Analist" in section.inner_text()
    assert not _serious_violations(page)
    page.goto(server + "/duiding/nieuw")  # a lezer (invited professional) may propose
    assert not _serious_violations(page)
    reader.close()
