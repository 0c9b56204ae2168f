"""End to end from ``buurtbeeld demo --stapeling``: the four demo registers go through
pseudonimiseren → koppelen → samen beveiligen → importeer-pakket, and the stapeling page of
Dordrecht shows figures in real Chromium (pixels of the map and the chart, axe-core) - issue 11,
item 5.

Joint protection of the demo's four registers takes about 0.5 GB since the linked tables hold
only the exclusive combinations, the marginals and the total (2026-12-04), but still about four
minutes of CPU (nearly all of it in the LP audit's component LPs with the partners' marginals;
docs/benchmarks.md, issue 11): on this shared 2-core machine that is 10-15 min wall clock, far
over the ~3 min a browser test may take. Run with ``BUURTBEELD_DEMO_STAPELING=1`` until the
audit is faster.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from tests.browser.conftest import serve

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        os.environ.get("BUURTBEELD_DEMO_STAPELING") != "1",
        reason="de demo-stapeling duurt nog minuten rekentijd: zet BUURTBEELD_DEMO_STAPELING=1",
    ),
]
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PAGE = "/gemeente/GM0505/voorzieningen"
BAR = (0x1A, 0x4F, 0x8B)
BACKGROUND = (247, 247, 247)


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = tmp_path_factory.mktemp("demo") / "werkmap"
    result = CliRunner().invoke(
        app, ["demo", "--werkmap", str(root), "--niet-starten", "--stapeling"]
    )
    assert result.exit_code == 0, result.output
    flat = " ".join(result.output.split())
    assert "Demo-stapeling geaccepteerd: 4 registers gekoppeld" in flat, result.output
    with serve(root) as url:
        yield url


def _pixels(png: bytes) -> list[tuple[int, int, int]]:
    return list(Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data())  # type: ignore[arg-type]


def test_the_demo_stapeling_of_dordrecht_is_drawn(
    browser: Any, demo_server: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(f"{demo_server}{PAGE}")
    page.wait_for_selector("#kaart[data-gerenderd]", timeout=30000)
    text = page.locator("main").inner_text()
    for title in ("Wmo", "Jeugdhulp", "Bijstand", "Schuldsignalen"):
        assert title in text
    png = page.locator("#kaart").screenshot()
    (tmp_path / "kaart.png").write_bytes(png)
    pixels = _pixels(png)
    off = sum(1 for p in pixels if max(abs(a - b) for a, b in zip(p, BACKGROUND, strict=True)) > 30)
    assert off > len(pixels) // 20, "the map is (nearly) empty"
    # the UpSet chart of the whole gemeente: published combinations are drawn as bars
    png = page.locator("svg.bb-upset").screenshot()
    (tmp_path / "upset.png").write_bytes(png)
    assert (
        sum(1 for p in _pixels(png) if all(abs(a - b) <= 6 for a, b in zip(p, BAR, strict=True)))
        > 200
    )
    assert not problems, problems
    page.close()


def test_no_serious_accessibility_violations_on_the_demo_stapeling(
    browser: Any, demo_server: str
) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    page.goto(f"{demo_server}{PAGE}")
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
