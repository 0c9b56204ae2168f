"""A beheerder uploads a national KWB file in Chromium: progress in the page, then the report.

The real server (with sign-in) and a real runner process; the job page updates itself through
its script (no reload by the test). axe-core finds no serious violation on the upload page, the
progress page and the report; the screenshots show the progress bar and the report table.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import open_platform
from buurtbeeld.platform.users import UserStore
from buurtbeeld.store.importer import BUNDLED_FILES
from tests.browser.conftest import serve
from tests.browser.test_sign_in_in_chromium import _serious_violations
from tests.conftest import copy_workspace

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "groene-fiets-op-de-dijk-4"


@pytest.fixture(scope="module")
def import_server(
    tmp_path_factory: pytest.TempPathFactory, empty_workspace_template: Path
) -> Iterator[tuple[str, Path]]:
    base = tmp_path_factory.mktemp("webimport")
    root = base / "werkmap"
    copy_workspace(empty_workspace_template, root)
    with open_platform(root) as db:
        UserStore(db).create("bea", "beheerder", PASSWORD, actor="test")
    path = base / "kwb-2023-landelijk.parquet"  # CBS's national KWB 2023 (the bundled copy)
    shutil.copyfile(BUNDLED_FILES[0], path)
    with serve(root, auth=AuthConfig(session_secret="s" * 40)) as url:
        yield url, path


def _colours(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return len(image.getcolors(maxcolors=1 << 24) or [])


def test_upload_progress_and_report_in_chromium(
    browser: Any, import_server: tuple[str, Path]
) -> None:
    url, kwb = import_server
    context = browser.new_context(bypass_csp=True)  # axe is injected as an inline script
    page = context.new_page()
    page.goto(url + "/inloggen?volgende=/beheer/imports")
    page.get_by_label("Gebruikersnaam").fill("bea")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(url + "/beheer/imports")
    assert page.get_by_role("heading", name="Imports", exact=True).is_visible()
    assert not _serious_violations(page)

    page.get_by_label("CBS-bestand", exact=False).check()
    page.get_by_label("Bestand (hoogstens", exact=False).set_input_files(str(kwb))
    page.get_by_role("button", name="Uploaden en importeren").click()
    page.wait_for_url(url + "/beheer/imports/*")
    job_url = page.url
    status = page.locator("#taak-status")
    assert status.is_visible()
    if page.locator("#taak-voortgang").count():  # still running: the progress bar is shown
        shot = page.screenshot(full_page=True)
        assert _colours(shot) > 20  # a rendered page, not a blank one
        assert not _serious_violations(page)
    # the page's script follows the job and shows the report (the test does not reload)
    page.locator("#rapport").wait_for(timeout=300_000)
    assert page.url == job_url
    report = page.locator("#rapport").inner_text()
    assert "Geïmporteerd: kwb-2023-landelijk.parquet" in report
    assert "inwoners" in report and "Traceback" not in page.content()
    box = page.locator("#rapport table").bounding_box()
    assert box is not None and box["height"] > 100
    assert _colours(page.locator("#rapport").screenshot()) > 5
    assert not _serious_violations(page)
    # the list of imports names it, done
    page.goto(url + "/beheer/imports")
    assert "kwb-2023-landelijk.parquet" in page.content() and "klaar" in page.content()
    context.close()
