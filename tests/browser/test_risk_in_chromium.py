"""The risk-factor page as a user sees it: real Chromium, forest plot pixels, axe-core."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.browser.conftest import serve
from tests.web.test_risk_pages import build_risk_workspace

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PAGE = "/gemeente/GM0505/risicofactoren"
INTERVAL = (0x15, 0x42, 0x73)


def _near(a: tuple[int, ...], b: tuple[int, ...], tol: int) -> bool:
    return all(abs(x - y) <= tol for x, y in zip(a, b, strict=False))


@pytest.fixture(scope="module")
def risk_server(
    tmp_path_factory: pytest.TempPathFactory, filled_workspace_template: Path
) -> Iterator[str]:
    root, _ = build_risk_workspace(tmp_path_factory.mktemp("risico"), filled_workspace_template)
    with serve(root, auth=None) as url:
        yield url


def test_the_forest_plot_draws_every_released_interval(
    browser: Any, risk_server: str, tmp_path: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requested: list[str] = []
    page.on("request", lambda r: requested.append(r.url))
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto(risk_server + PAGE)
    chart = page.locator("svg.bb-forest")
    png = chart.screenshot()
    (tmp_path / "risicofactoren.png").write_bytes(png)
    pixels = list(Image.open(io.BytesIO(png)).convert("RGB").get_flattened_data())  # type: ignore[arg-type]
    rows = page.locator("#risicotabel tbody tr")
    adjusted = [rows.nth(i).locator("td").nth(2).inner_text() for i in range(rows.count())]
    released = [a for a in adjusted if a != "achtergehouden"]
    assert released, "no released adjusted relative risk in the demo package"
    marks = sum(1 for p in pixels if _near(p, INTERVAL, 10))
    assert marks > 60 * len(released), f"the plot draws too little ({marks} pixels)"
    # every number of the table is in the plot's text alternatives, and only those
    titles = chart.locator("g > title").evaluate_all("els => els.map(e => e.textContent)")
    assert sorted(t.split(": ", 1)[1] for t in titles) == sorted(released)
    assert (
        "op groepsniveau, nooit een score voor een persoon"
        in page.locator("#groepsniveau").inner_text()
    )
    assert not problems, problems
    assert all(u.startswith(risk_server) for u in requested), "a request left the machine"
    page.close()


@pytest.mark.parametrize(
    "path", [PAGE, "/gemeente/GM0363/risicofactoren", "/gemeente/GM0505/analyse"]
)
def test_no_serious_accessibility_violations(browser: Any, risk_server: str, path: str) -> None:
    context = browser.new_context(bypass_csp=True)  # axe-core is injected inline
    page = context.new_page()
    page.goto(risk_server + path)
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']} – {[n['target'] for n in v['nodes'][:3]]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, "\n".join(serious)
    context.close()
