"""Search a buurt by name from the start page, in real Chromium (keyboard, axe-core)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def test_search_by_name_from_the_start_page(browser: Any, live_server: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/")
    box = page.get_by_label("Zoek een gemeente, wijk of buurt op naam of code")
    box.fill("crabbéhof")  # an accent the name does not have, and lower case
    box.press("Enter")
    page.wait_for_url("**/zoek?q=*")
    results = page.locator("ul.bb-results li")
    assert results.count() == 3
    assert page.get_by_role("status").inner_text().startswith("3 regio's gevonden")
    png = page.screenshot(full_page=True)
    (tmp_path / "zoeken.png").write_bytes(png)
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.getextrema()[0] < 100, "the result page is blank"
    page.get_by_role("link", name="Crabbehof-Noord").click()
    page.wait_for_url("**/regio/BU05050801")
    assert page.locator("h1").inner_text() == "Crabbehof-Noord"
    # the same search with capitals, typed in the box on the result page
    page.goto(f"{live_server}/zoek")
    page.get_by_role("searchbox").fill("STERRENBURG")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url("**/zoek?q=STERRENBURG")
    assert page.locator("ul.bb-results li").first.get_attribute("data-code") == "WK050509"
    assert not errors, errors
    page.close()


@pytest.mark.parametrize("path", ["/zoek?q=crabbehof", "/zoek?q=qqzzxx", "/zoek"])
def test_search_page_has_no_accessibility_violations(
    browser: Any, live_server: str, path: str
) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("moderate", "serious", "critical")
    ]
    assert not found, "\n".join(found)
    context.close()
