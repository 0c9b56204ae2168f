"""Hotspots, jam-wijken, buurttypen and the analysis overview in real Chromium: maps, axe-core."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
GM = "GM0344"
HOTSPOTS = f"/gemeente/{GM}/hotspots?indicator=bijstand_per_1000"
BACKGROUND = (247, 247, 247)


def _pixels(png: bytes) -> list[tuple[int, int, int]]:
    return list(Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data())  # type: ignore[arg-type]


def _near(a: tuple[int, ...], b: tuple[int, ...], tol: int) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=False))


def _drawn(pixels: list[tuple[int, int, int]], hex_colour: str) -> int:
    rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    blended = tuple(round(0.9 * c + 0.1 * b) for c, b in zip(rgb, BACKGROUND, strict=True))
    return sum(1 for p in pixels if _near(p, blended, 8))


def _open_map(
    browser: Any, url: str, tmp_path: Path, name: str
) -> tuple[Any, list[Any], list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(url)
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=60000)
    png = page.locator("#kaart").screenshot()
    (tmp_path / f"{name}.png").write_bytes(png)
    page.screenshot(path=str(tmp_path / f"{name}-pagina.png"), full_page=False)
    return page, _pixels(png), problems


def test_hotspot_map_draws_hot_spots_and_hatches_hidden_buurten(
    browser: Any, live_server: str, tmp_path: Path
) -> None:
    page, pixels, problems = _open_map(browser, live_server + HOTSPOTS, tmp_path, "hotspots")
    hot = page.locator('tr[data-klasse="hoog"]').count()
    assert hot > 0
    assert _drawn(pixels, "#b2182b") > 30, "the hot spots are not on the map"
    assert sum(1 for p in pixels if _near(p, (130, 130, 130), 12)) > 100, "no hatching"
    assert "Benjamini-Hochberg" in page.locator("#uitleg").inner_text()
    assert not problems, problems
    page.close()


def test_buurttypen_map_draws_the_types_of_the_legend(
    browser: Any, live_server: str, tmp_path: Path
) -> None:
    url = f"{live_server}/gemeente/{GM}/buurttypen"
    page, pixels, problems = _open_map(browser, url, tmp_path, "buurttypen")
    colours = page.locator(".bb-legend li[data-type] .bb-swatch").evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    hexes = ["#" + "".join(f"{int(x):02x}" for x in c[4:-1].split(", ")[:3]) for c in colours]
    drawn = [h for h in hexes if _drawn(pixels, h) > 100]
    assert len(drawn) >= 3, (hexes, drawn)
    assert not problems, problems
    page.close()


@pytest.mark.parametrize(
    "path",
    [
        HOTSPOTS,
        f"/gemeente/{GM}/hotspots?indicator=bijstand_per_1000&statistiek=moran",
        f"/gemeente/{GM}/hotspots?indicator=stapelscore",
        f"/gemeente/{GM}/jamwijken?indicator=eenzaam_pct&indicator=moeite_rondkomen_pct",
        f"/gemeente/{GM}/buurttypen",
        f"/gemeente/{GM}/analyse",
        "/gemeente/GM0363/hotspots",
        "/regio/BU03440341",
    ],
)
def test_no_serious_accessibility_violations(browser: Any, live_server: str, path: str) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    page.goto(live_server + path)
    if page.locator("#kaart").count():
        page.wait_for_selector("#kaart[data-gerenderd]", timeout=60000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
    context.close()
