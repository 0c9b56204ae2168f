"""End to end from the CLI chain: pseudonimiseer → koppel (with the partners' packages) →
importeer-pakket → the stapeling page in real Chromium (pixels of the map and the chart, axe-core).

The workspace is the one of the whole-flow scan test (tests/cli/test_stapeling_flow.py: three
partners, ``buurtbeeld bron`` and ``buurtbeeld koppel`` through the CLI), so the package on the
page is the one ``buurtbeeld koppel`` makes — not a package assembled in a test
(tests/browser/test_overlap_in_chromium.py).
"""

from __future__ import annotations

import io
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from PIL import Image

from tests.browser.conftest import serve
from tests.cli.test_stapeling_flow import Flow, flow  # noqa: F401  (the CLI flow fixture)

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
GEMEENTE = "GM0531"
PAGE = f"/gemeente/{GEMEENTE}/voorzieningen"
BAR = (0x1A, 0x4F, 0x8B)
BACKGROUND = (247, 247, 247)


@pytest.fixture(scope="module")
def demo_server(flow: Flow) -> Iterator[str]:  # noqa: F811
    with serve(flow.workspace) as url:
        yield url


def _pixels(png: bytes) -> list[tuple[int, int, int]]:
    return list(Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data())  # type: ignore[arg-type]


def _fullest_area(flow: Flow) -> str:  # noqa: F811
    """The gemeente or wijk with the most published non-zero household combinations in the
    package ``buurtbeeld koppel`` made (which ones protection publishes is its choice; the chart
    must draw them wherever they are)."""
    package = flow.folder / "koppelpartij" / f"stapeling-{GEMEENTE}.zip"
    with zipfile.ZipFile(package) as z:
        rows = pq.read_table(io.BytesIO(z.read("huishoudens.parquet"))).to_pylist()
    names = [n for n in rows[0] if n in ("wmo", "jeugdhulp", "bijstand")]
    shown: Counter[str] = Counter()
    for r in rows:
        leaf = all(r[n] != "totaal" for n in names)
        if leaf and r["regiocode"][:2] in ("GM", "WK") and r["waarde"]:
            shown[r["regiocode"]] += 1
    area, n = shown.most_common(1)[0]
    assert n >= 2, "no area with published combinations"
    return area


def test_the_koppel_package_is_drawn_on_the_map_and_in_the_chart(
    browser: Any,
    demo_server: str,
    tmp_path: Path,
    flow: Flow,  # noqa: F811
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{demo_server}{PAGE}?niveau=buurt")
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=30000)
    text = page.locator("main").inner_text()
    for title in ("Wmo", "Jeugdhulp", "Bijstand"):
        assert title in text
    png = page.locator("#kaart").screenshot()
    (tmp_path / "kaart.png").write_bytes(png)
    pixels = _pixels(png)
    off = sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, BACKGROUND, strict=True)) > 30)
    assert off > len(pixels) // 20, "the map is (nearly) empty"
    area = _fullest_area(flow)
    chosen = "" if area == GEMEENTE else f"gebied={area}&"  # the gemeente is the default area
    page.goto(f"{demo_server}{PAGE}?{chosen}eenheid=huishoudens")
    chart = page.locator("svg.bb-upset")
    png = chart.screenshot()
    (tmp_path / "upset.png").write_bytes(png)
    assert (
        sum(1 for p in _pixels(png) if all(abs(a - b) <= 6 for a, b in zip(p, BAR, strict=True)))
        > 200
    )
    assert not problems, problems
    page.close()


def test_no_serious_accessibility_violations(browser: Any, demo_server: str) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    page.goto(f"{demo_server}{PAGE}?niveau=buurt")
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=30000)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
    context.close()
