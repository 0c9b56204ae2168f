"""Development over time in real Chromium: the profile's line chart and the change map."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
LINE = (0x1F, 0x4E, 0x8C)


def _near(a: tuple[int, ...], b: tuple[int, ...], tol: int) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=False))


def test_profile_chart_draws_the_line_and_the_gap(
    browser: Any, live_server: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/regio/BU05050101")
    chart = page.locator("#ontwikkeling-eenzaam_pct svg")
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    png = chart.screenshot()
    (tmp_path / "grafiek.png").write_bytes(png)
    pixels = list(Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data())
    assert sum(1 for p in pixels if _near(p, LINE, 40)) > 150, "no line in the chart"
    # the same figures in a table next to it
    rows = page.locator("#ontwikkeling-eenzaam_pct table tbody tr")
    assert rows.count() == 2
    # a hidden period is a labelled gap, not a point at 0
    page.goto(f"{live_server}/regio/BU05050910")
    gap = page.locator("#ontwikkeling-eenzaam_65plus_pct .bb-chart-gap")
    assert gap.count() == 1 and gap.text_content() == "verborgen"
    assert gap.is_visible()
    page.close()


def test_change_map_renders(browser: Any, live_server: str, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/gemeente/GM0505/verandering?indicator=ervaren_gezondheid_goed_pct")
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=30000)
    assert int(page.get_attribute("#kaart", "data-features") or 0) > 100
    png = page.locator("#kaart").screenshot()
    (tmp_path / "verandering.png").write_bytes(png)
    pixels = list(Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data())
    teal = (0x5A, 0xB4, 0xAC)  # "stijging", blended at 0.9 over the background
    blended = tuple(round(0.9 * c + 0.1 * 247) for c in teal)
    assert sum(1 for p in pixels if _near(p, blended, 10)) > 200, "no rising buurten drawn"
    assert not errors, errors
    page.close()


@pytest.mark.parametrize(
    "path", ["/regio/BU05050910", "/gemeente/GM0505/verandering?indicator=eenzaam_pct"]
)
def test_development_pages_have_no_accessibility_violations(
    browser: Any, live_server: str, path: str
) -> None:
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    page.goto(live_server + path)
    if page.locator("#kaart").count():
        page.wait_for_selector("#kaart[data-gerenderd]", timeout=30000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("moderate", "serious", "critical")
    ]
    assert not found, "\n".join(found)
    context.close()
