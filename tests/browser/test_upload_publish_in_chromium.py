"""The whole path of a partner's figures in Chromium: upload → internal → publish → public.

Issue 12 end to end, on the real server with sign-in and a real import runner process: a
beheerder uploads the signed stapeling package on Beheer → Imports; the figures are then there
for a lezer but do not exist for a visitor; the beheerder publishes the source with a reason on
Beheer → Publicatie; the visitor then sees the stapeling page. axe-core finds no serious
violation on any page of the path; the screenshot of the public page is checked for drawn content.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import open_platform
from buurtbeeld.platform.users import UserStore
from buurtbeeld.store.workspace import open_workspace
from tests.browser.conftest import serve
from tests.browser.test_sign_in_in_chromium import _serious_violations
from tests.conftest import copy_workspace
from tests.signing import register

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PASSWORD = "groene-fiets-op-de-dijk-4"
REASON = "Koppelpartij en gemeente stemden in op 2 december."
OVERLAP_PAGE = "/gemeente/GM0531/voorzieningen"
SOURCE_OPTION = "bron:stapeling:stapeling"


@pytest.fixture(scope="module")
def site(
    tmp_path_factory: pytest.TempPathFactory,
    filled_workspace_template: Path,
    linked_package: tuple[Path, object],
) -> Iterator[tuple[str, Path, Path]]:
    root = tmp_path_factory.mktemp("pad") / "werkmap"
    copy_workspace(filled_workspace_template, root)
    package, key = linked_package
    register(open_workspace(root), key, "koppelpartij")  # type: ignore[arg-type]
    with open_platform(root) as db:
        users = UserStore(db)
        users.create("bea", "beheerder", PASSWORD, actor="test")
        users.create("lex", "lezer", PASSWORD, actor="test")
    with serve(root, auth=AuthConfig(session_secret="u" * 40)) as url:
        yield url, root, package


def _sign_in(browser: Any, url: str, user: str, target: str) -> tuple[Any, Any]:
    context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(f"{url}/inloggen?volgende={target}")
    page.get_by_label("Gebruikersnaam").fill(user)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(url + target)
    return context, page


def _drawn(png: bytes) -> int:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return sum(1 for p in image.get_flattened_data() if sum(p) < 300)  # type: ignore[arg-type]


def test_upload_then_publish_then_the_public_sees_it(
    browser: Any, site: tuple[str, Path, Path], tmp_path: Path
) -> None:
    url, root, package = site
    visitor = browser.new_context(bypass_csp=True)  # axe is injected as an inline script
    assert visitor.new_page().goto(url + OVERLAP_PAGE).status == 404  # nothing there yet

    # 1. The beheerder uploads the partner's package; the runner imports it.
    admin, page = _sign_in(browser, url, "bea", "/beheer/imports")
    page.get_by_label("Beveiligd pakket van een ketenpartner", exact=False).check()
    page.get_by_label("Bestand (hoogstens", exact=False).set_input_files(str(package))
    page.get_by_role("button", name="Uploaden en importeren").click()
    page.wait_for_url(url + "/beheer/imports/*")
    page.locator("#rapport").wait_for(timeout=300_000)
    assert "Traceback" not in page.content()
    assert not _serious_violations(page)

    # 2. Imported but internal: a lezer sees the stapeling, a visitor gets "does not exist".
    reader, reader_page = _sign_in(browser, url, "lex", "/")
    deadline = time.monotonic() + 120  # the server switches to the new generation in a moment
    while reader_page.goto(url + OVERLAP_PAGE).status != 200:
        assert time.monotonic() < deadline, "the lezer never saw the imported stapeling"
        time.sleep(0.5)
    assert visitor.new_page().goto(url + OVERLAP_PAGE).status == 404
    reader.close()

    # 3. The beheerder publishes the source with a reason.
    page.goto(url + "/beheer/publicatie")
    page.get_by_label("Bron of indicator").select_option(SOURCE_OPTION)
    page.get_by_label("Publiceren (openbaar maken)").check()
    page.get_by_label("Reden (verplicht, komt in het auditlog)").fill(REASON)
    page.get_by_role("button", name="Vastleggen").click()
    page.wait_for_url("**/beheer/publicatie?gedaan=gepubliceerd*")
    assert not _serious_violations(page)
    admin.close()

    # 4. The visitor now sees it: a drawn page, no serious accessibility finding.
    public = visitor.new_page()
    assert public.goto(url + OVERLAP_PAGE).status == 200
    assert public.get_by_role("heading", level=1).inner_text().startswith("Stapeling")
    shot = public.screenshot(full_page=True)
    (tmp_path / "publiek.png").write_bytes(shot)
    assert _drawn(shot) > 2000, "the public page is not drawn"
    assert not _serious_violations(public)
    visitor.close()

    # The audit log tells the story in order, and its chain holds.
    with open_platform(root) as db:
        log = AuditLog(db)
        log.verify()
        events = [e.event for e in log.entries()]
    assert events.index("pakket_import") < events.index("publicatie")
