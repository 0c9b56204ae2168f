"""End to end (issue 17 item 3 through the web): a beheerder uploads a gemeente's own table with
its definition on Beheer → Imports in real Chromium; the background job's report says how many
small counts were hidden; the imported indicator is then drawn on Dordrecht's map. axe-core finds
no serious violation on the upload form (with the definition form opened) and the report.
Screenshot: ``kaart-eigen-tabel-web.png``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import open_platform
from buurtbeeld.platform.users import UserStore
from buurtbeeld.store.workspace import open_workspace
from tests.browser.conftest import serve
from tests.browser.test_boundaries_in_chromium import _coloured_share
from tests.browser.test_sign_in_in_chromium import _serious_violations
from tests.conftest import copy_workspace
from tests.store.test_own_table import _buurten, _definition, _figures, _write_csv

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "blauwe-reiger-in-de-biesbosch-9"


@pytest.fixture
def own_table_server(
    tmp_path: Path, filled_workspace_template: Path
) -> Iterator[tuple[str, Path, Path]]:
    root = tmp_path / "werkmap"
    copy_workspace(filled_workspace_template, root)
    with open_platform(root) as db:
        UserStore(db).create("bea", "beheerder", PASSWORD, actor="test")
    buurten = _buurten(open_workspace(root))
    rows = [[c, 2024, d, h] for c, (d, h) in zip(buurten, _figures(len(buurten)), strict=True)]
    data = _write_csv(
        tmp_path / "schulden.csv", ["buurtcode", "jaar", "schulden", "huishoudens"], rows
    )
    definition = _definition(tmp_path, region="buurtcode", kind="code")
    with serve(root, auth=AuthConfig(session_secret="t" * 40)) as url:
        yield url, data, definition


def test_own_table_uploaded_in_the_browser_is_drawn_on_the_map(
    browser: Any, own_table_server: tuple[str, Path, Path], tmp_path: Path
) -> None:
    url, data, definition = own_table_server
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url + "/inloggen?volgende=/beheer/imports")
    page.get_by_label("Gebruikersnaam").fill("bea")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(url + "/beheer/imports")
    page.locator("#eigen-tabel summary").click()  # the definition form opened, checked too
    assert page.locator("#def_tabel").is_visible()
    assert not _serious_violations(page)

    page.get_by_label("Eigen tabel per buurt of wijk", exact=False).check()
    page.get_by_label("Bestand (hoogstens", exact=False).set_input_files(str(data))
    page.get_by_label("Definitiebestand (.yaml)").set_input_files(str(definition))
    page.get_by_role("button", name="Uploaden en importeren").click()
    page.wait_for_url(url + "/beheer/imports/*")
    page.locator("#rapport").wait_for(timeout=300_000)  # the page's script follows the job
    report = page.locator("#rapport").inner_text()
    assert "Geïmporteerd: schulden.csv (tabel:schulden)" in report
    assert "kleine aantallen verborgen bij het importeren" in report
    assert "eigen_schulden_schulden" in report and "Traceback" not in page.content()
    assert not _serious_violations(page)

    # the server switches to the new cube generation within a moment (web/served.py): wait
    # until it serves the new indicator, as a user reloading the page would
    deadline = time.monotonic() + 120
    while page.request.get(f"{url}/api/v1/indicatoren/eigen_schulden_schulden").status != 200:
        assert time.monotonic() < deadline, "the server never served the imported indicator"
        time.sleep(0.5)
    page.goto(f"{url}/gemeente/GM0505?indicator=eigen_schulden_schulden&periode=2024")
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=60000)
    png = page.locator("#kaart").screenshot()
    (tmp_path / "kaart-eigen-tabel-web.png").write_bytes(png)
    assert page.get_attribute("#kaart", "data-niveau") == "buurt"
    assert _coloured_share(png) > 0.15, "the uploaded indicator's map shows hardly any buurten"
    assert page.locator("#indicator option:checked").inner_text() == "Huishoudens met schulden"
    text = page.locator("main").inner_text()
    assert "GGD Zuid-Holland Zuid" in text and "verborgen" in text
    assert not errors, errors
    context.close()
