"""The stapeling of provisions as a user sees it: real Chromium, real map, pixels, axe-core."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser.conftest import serve

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PAGE = "/gemeente/GM0531/voorzieningen"
BAR = (0x1A, 0x4F, 0x8B)


def _near(a: tuple[int, ...], b: tuple[int, ...], tol: int) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=False))


def _pixels(png: bytes) -> list[tuple[int, int, int]]:
    return list(Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data())  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def overlap_server(overlap_workspace_template: Path) -> Iterator[str]:
    with serve(overlap_workspace_template) as url:
        yield url


def test_the_map_draws_shares_and_hatches_hidden_buurten(
    browser: Any, overlap_server: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{overlap_server}{PAGE}?niveau=buurt")
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=30000)
    assert page.get_attribute("#kaart", "data-features") == "12"
    png = page.locator("#kaart").screenshot()
    (tmp_path / "stapeling-kaart.png").write_bytes(png)
    pixels = _pixels(png)
    legend = page.locator(".bb-legend .bb-swatch").evaluate_all(
        "els => els.map(e => getComputedStyle(e).backgroundColor)"
    )
    coloured = [
        tuple(int(x) for x in c[4:-1].split(", ")[:3]) for c in legend if c.startswith("rgb(")
    ]
    background = (247, 247, 247)
    drawn = 0
    for colour in coloured[:-2]:  # the classes; the last two swatches are hidden and missing
        blended = tuple(round(0.9 * c + 0.1 * b) for c, b in zip(colour, background, strict=True))
        drawn += sum(1 for p in pixels if _near(p, blended, 8)) > 100
    assert drawn >= 2, "the map shows fewer than two legend classes"
    if page.locator("#verborgen").count():
        assert sum(1 for p in pixels if _near(p, (130, 130, 130), 12)) > 100, "no hatching"
    assert "Periode 2024" in page.locator(".bb-legend").inner_text()
    assert not problems, problems
    assert all(u.startswith(overlap_server) for u in requested), "a request left the machine"
    page.close()


def test_the_upset_chart_draws_bars_and_says_what_is_hidden(
    browser: Any, overlap_server: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    areas = page.request.get(f"{overlap_server}/api/v1/voorzieningen/GM0531?niveau=buurt").json()
    mixed = next(
        a["code"]
        for a in areas["gebieden"]
        if {c["aantal"]["status"] for c in a["personen"]["combinaties"]} == {"value", "hidden"}
    )
    page.goto(f"{overlap_server}{PAGE}?gebied={mixed}&eenheid=personen")
    chart = page.locator("svg.bb-upset")
    png = chart.screenshot()
    (tmp_path / "upset.png").write_bytes(png)
    assert sum(1 for p in _pixels(png) if _near(p, BAR, 6)) > 200, "no bars"
    rows = page.locator("#combinatietabel-personen tbody tr[data-combinatie]")
    words = [rows.nth(i).locator("td[data-eenheid=personen]").inner_text() for i in range(7)]
    bars = chart.locator("text").evaluate_all("els => els.map(e => e.textContent)")
    # every number of the table is in the chart, and as often "verborgen"
    for word in words:
        assert word in bars
    assert words.count("verborgen") == bars.count("verborgen") > 0
    page.close()


@pytest.mark.parametrize(
    "path", [f"{PAGE}?niveau=buurt", f"{PAGE}?gebied=WK053101", "/regio/WK053101"]
)
def test_no_serious_accessibility_violations(browser: Any, overlap_server: str, path: str) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    page.goto(overlap_server + path)
    if page.locator("#kaart").count():
        page.wait_for_selector("#kaart[data-gerenderd]", timeout=30000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
    context.close()
