"""A beheerder publishes the stapeling in Chromium; publiek then sees it (issue 12 item 3).

The real server with sign-in (Secure cookies), the workspace with the linked stapeling package of
GM0531 (internal by default). Checked: the page's look (screenshots: the form's primary button
and the visibility table are drawn), axe-core 0 serious violations before and after the act, the
act itself (status message, the decision in the list of decisions) and its effect for a visitor
who is not signed in.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import open_platform
from buurtbeeld.platform.users import UserStore
from tests.browser.conftest import serve
from tests.conftest import copy_workspace

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PASSWORD = "groene-fiets-op-de-dijk-4"
REASON = "Afgestemd met de koppelpartij in het overleg van december."
OVERLAP_PAGE = "/gemeente/GM0531/voorzieningen"


def _serious_violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def _colours(png: bytes) -> list[tuple[int, int, int]]:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    return list(image.get_flattened_data())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, overlap_workspace_template: Path
) -> Iterator[tuple[str, Path]]:
    root = tmp_path_factory.mktemp("publicatie") / "werkmap"
    copy_workspace(overlap_workspace_template, root)
    with open_platform(root) as db:
        UserStore(db).create("bea", "beheerder", PASSWORD, actor="test")
    with serve(root, auth=AuthConfig(session_secret="p" * 40)) as url:
        yield url, root


def test_a_beheerder_publishes_the_stapeling_in_chromium(
    browser: Any, server: tuple[str, Path], tmp_path: Path
) -> None:
    url, root = server
    visitor = browser.new_context()
    assert visitor.new_page().goto(url + OVERLAP_PAGE).status == 404  # internal: does not exist

    context = browser.new_context(bypass_csp=True, viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.goto(url + "/inloggen?volgende=/beheer/publicatie")
    page.get_by_label("Gebruikersnaam").fill("bea")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Aanmelden").click()
    page.wait_for_url(url + "/beheer/publicatie")
    assert page.get_by_role("heading", name="Publicatie van bronnen en indicatoren").is_visible()
    row = page.locator("#bronnen tr", has_text="stapeling:stapeling")
    assert "intern" in row.inner_text() and "(standaard)" in row.inner_text()
    assert not _serious_violations(page)

    # The look: the primary button is drawn in the theme's colour, the table has its rules.
    button = page.get_by_role("button", name="Vastleggen")
    png = button.screenshot()
    (tmp_path / "knop.png").write_bytes(png)
    colour = button.evaluate("b => getComputedStyle(b).backgroundColor")
    rgb = tuple(int(x) for x in colour[colour.index("(") + 1 : -1].split(",")[:3])
    pixels = _colours(png)
    assert rgb != (255, 255, 255)
    assert sum(1 for p in pixels if all(abs(a - b) <= 8 for a, b in zip(p, rgb, strict=True))) > (
        len(pixels) // 3
    ), "the button is not drawn in its colour"
    table = page.locator("#bronnen").screenshot()
    (tmp_path / "bronnen.png").write_bytes(table)
    dark = sum(1 for p in _colours(table) if sum(p) < 200)
    assert dark > 500, "the table's text is not drawn"

    # Publish: the chosen source, the action and a reason.
    page.get_by_label("Bron of indicator").select_option("bron:stapeling:stapeling")
    page.get_by_label("Publiceren (openbaar maken)").check()
    page.get_by_label("Reden (verplicht, komt in het auditlog)").fill(REASON)
    page.get_by_role("button", name="Vastleggen").click()
    page.wait_for_url("**/beheer/publicatie?gedaan=gepubliceerd*")
    status = page.get_by_role("status")
    assert "stapeling:stapeling" in status.inner_text() and "gepubliceerd" in status.inner_text()
    row = page.locator("#bronnen tr", has_text="stapeling:stapeling")
    assert "openbaar" in row.inner_text() and "(standaard)" not in row.inner_text()
    assert REASON in page.locator("#besluiten").inner_text()
    assert not _serious_violations(page)
    page.screenshot(path=str(tmp_path / "publicatie.png"), full_page=True)

    # A visitor who is not signed in now sees the stapeling.
    public = visitor.new_page()
    assert public.goto(url + OVERLAP_PAGE).status == 200
    assert public.get_by_role("heading", level=1).inner_text().startswith("Stapeling")
    with open_platform(root) as db:
        AuditLog(db).verify()
        assert any(REASON in e.details for e in AuditLog(db).entries())
    visitor.close()
    context.close()
