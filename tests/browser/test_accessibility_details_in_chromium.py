"""What axe cannot see (issue 13 item 6): Dutch map controls, cooperative gestures when zoomed
in, tab stops before the national table, legend swatches in forced colours, dotted gaps."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

pytestmark = pytest.mark.browser

PAST_TABLE_HEADING = """() => {
  const heading = document.getElementById('tabel');
  const el = document.activeElement;
  return !!el && el !== document.body &&
    !!(heading.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING);
}"""


def _map_page(browser: Any, live_server: str, path: str, width: int, height: int) -> Any:
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(live_server + path)
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=60000)
    return page


def test_map_controls_are_labelled_in_dutch(browser: Any, live_server: str) -> None:
    page = _map_page(browser, live_server, "/gemeente/GM0505", 1280, 900)
    assert page.get_attribute(".maplibregl-ctrl-zoom-in", "aria-label") == "Inzoomen"
    assert page.get_attribute(".maplibregl-ctrl-zoom-out", "aria-label") == "Uitzoomen"
    assert page.get_attribute("canvas.maplibregl-canvas", "aria-label") == "Kaart"
    assert not page.evaluate("window.buurtbeeldKaart.cooperativeGestures.isEnabled()")
    # missing buurten are dotted, not white like a low value
    layer = page.evaluate("window.buurtbeeldKaart.getPaintProperty('ontbreekt', 'fill-pattern')")
    assert layer == "stippen"
    page.close()


def test_zoomed_in_page_scrolls_past_the_map(browser: Any, live_server: str) -> None:
    """A 1280-pixel screen at 400 % zoom is 320 CSS pixels wide."""
    page = _map_page(browser, live_server, "/gemeente/GM0505", 320, 640)
    assert page.evaluate("window.buurtbeeldKaart.cooperativeGestures.isEnabled()")
    page.locator("#kaart").scroll_into_view_if_needed()
    box = page.locator("#kaart").bounding_box()
    zoom = page.evaluate("window.buurtbeeldKaart.getZoom()")
    scrolled = page.evaluate("window.scrollY")
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 20)
    page.mouse.wheel(0, 400)
    page.wait_for_timeout(500)
    assert page.evaluate("window.buurtbeeldKaart.getZoom()") == zoom
    assert page.evaluate("window.scrollY") > scrolled
    page.close()


def test_national_page_reaches_its_table_in_few_tab_stops(browser: Any, live_server: str) -> None:
    page = _map_page(browser, live_server, "/gemeente/NL00", 1280, 900)
    # real Tab presses from the top until the focus is past the table's heading
    stops = 0
    while not page.evaluate(PAST_TABLE_HEADING) and stops < 60:
        page.keyboard.press("Tab")
        stops += 1
    assert stops < 40, f"{stops} tab stops before the table"  # was about 2,441
    page.evaluate("document.activeElement.blur()")
    page.focus("#naar-tabel")
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#tabel"
    page.close()


def test_legend_swatches_keep_their_colour_in_forced_colours(
    browser: Any, live_server: str
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.emulate_media(forced_colors="active")
    page.goto(f"{live_server}/gemeente/GM0505/stapeling")
    swatches = page.locator(".bb-legend .bb-swatch")
    colours = []
    for i in range(min(swatches.count(), 4)):
        png = swatches.nth(i).screenshot()
        image = Image.open(io.BytesIO(png)).convert("RGB")
        w, h = image.size
        colours.append(image.getpixel((w // 2, h // 2)))
    # "0 van N" white, then the classes: all different, none blanked to one system colour
    assert len(set(colours)) == len(colours), colours
    assert colours[1] != (255, 255, 255) and colours[1][2] < 200, colours  # yellow, not white
    geen = page.locator(".bb-legend .bb-swatch--missing").first
    assert "radial-gradient" in geen.evaluate("el => getComputedStyle(el).backgroundImage")
    page.close()
