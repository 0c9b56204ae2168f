"""Maps of gemeenten without buurt polygons, in real Chromium: the wijk map, then the buurt map.

Screenshots are written to the test's tmp folder (``kaart-*.png``) for a human to look at.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from buurtbeeld.store.boundary_import import import_boundaries
from buurtbeeld.store.workspace import open_workspace
from tests.browser.conftest import serve
from tests.conftest import copy_workspace

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
BACKGROUND = (247, 247, 247)


def _coloured_share(png: bytes) -> float:
    image = Image.open(io.BytesIO(png)).convert("RGB")
    pixels = list(image.get_flattened_data())
    near = lambda p, q: all(abs(a - b) <= 6 for a, b in zip(p, q, strict=True))  # noqa: E731
    coloured = sum(1 for p in pixels if not near(p, BACKGROUND) and not near(p, (255, 255, 255)))
    return coloured / len(pixels)


def _render(browser: Any, url: str, shot: Path, *, axe: bool = False) -> tuple[Any, bytes]:
    # axe-core is injected as an inline script, which the app's CSP blocks: bypass it for axe only
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=axe)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(url)
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=30000)
    png = page.locator("#kaart").screenshot()
    shot.write_bytes(png)
    page.screenshot(path=str(shot.with_name(shot.stem + "-pagina.png")), full_page=False)
    assert not errors, errors
    return page, png


def test_middelburg_buurt_page_draws_its_wijken(
    browser: Any, live_server: str, tmp_path: Path
) -> None:
    page, png = _render(
        browser,
        f"{live_server}/gemeente/GM0687?indicator=inwoners",
        tmp_path / "kaart-middelburg.png",
        axe=True,
    )
    assert page.get_attribute("#kaart", "data-niveau") == "wijk"
    assert page.get_attribute("#kaart", "data-features") == "24"
    assert _coloured_share(png) > 0.15, "the wijk map of Middelburg shows hardly any polygons"
    note = page.locator("#kaart-terugval").inner_text()
    assert "Voor de buurten van Middelburg zijn geen grenzen beschikbaar" in note
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert not serious, serious
    page.close()


def test_amsterdam_buurt_map_after_importing_the_wijk_en_buurtkaart(
    browser: Any,
    tmp_path: Path,
    filled_workspace_template: Path,
    wijkbuurtkaart_2023: Path,
) -> None:
    root = tmp_path / "werkmap"
    copy_workspace(filled_workspace_template, root)
    import_boundaries(open_workspace(root), wijkbuurtkaart_2023)
    with serve(root) as server:
        page, png = _render(
            browser,
            f"{server}/gemeente/GM0363?indicator=inwoners",
            tmp_path / "kaart-amsterdam.png",
        )
        assert page.get_attribute("#kaart", "data-niveau") == "buurt"
        assert page.get_attribute("#kaart", "data-features") == "479"
        assert page.locator("#kaart-terugval").count() == 0
        assert _coloured_share(png) > 0.15, "Amsterdam's buurt map shows hardly any polygons"
        page.close()
