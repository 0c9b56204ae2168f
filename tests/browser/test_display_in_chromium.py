"""The stapelkaart's uncertain buurten, the 2020 division's own map and the legend's period, in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser

THREE = "indicator=bijstand_per_1000&indicator=jeugdzorg_pct&indicator=wmo_per_1000"


def test_stapelkaart_hatches_buurten_judged_on_too_little(browser: Any, live_server: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server}/gemeente/GM0855/stapeling?{THREE}")
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=60000)
    uncertain_rows = page.locator('tr[data-onzeker="ja"]').count()
    assert uncertain_rows > 0
    drawn = page.evaluate(
        """() => {
          const map = window.buurtbeeldKaart;
          if (!map.getLayer('onzeker')) return -1;
          return map.querySourceFeatures('gebieden', {filter: ['==', ['get', 'onzeker'], true]})
            .map(f => f.properties.code).filter((c, i, a) => a.indexOf(c) === i).length;
        }"""
    )
    assert drawn > 0, "the hatch layer for uncertain buurten is missing or empty"
    assert drawn <= uncertain_rows
    assert "onzeker" in page.locator(".bb-legend").inner_text()
    assert not errors, errors
    page.close()


def test_a_2020_gemeente_map_renders_its_own_buurten(browser: Any, live_server: str) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{live_server}/gemeente/GM0856?indicator=eenzaam_pct")
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=60000)
    assert int(page.get_attribute("#kaart", "data-features") or 0) > 20
    legend = page.locator(".bb-legend").inner_text()
    assert "Periode 2020" in legend
    assert "indeling 2020" in page.locator("#indeling").inner_text()
    page.close()
