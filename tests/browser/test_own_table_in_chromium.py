"""End to end (issue 17): a gemeente's own table imported with ``importeer-tabel`` is on the
map in real Chromium, with small counts hidden. Screenshot: ``kaart-eigen-tabel.png``."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from buurtbeeld.store.own_table import import_own_table
from buurtbeeld.store.workspace import open_workspace
from tests.browser.conftest import serve
from tests.browser.test_boundaries_in_chromium import _coloured_share, _render
from tests.store.test_own_table import _buurten, _definition, _figures, _write_csv

pytestmark = pytest.mark.browser


def test_imported_own_indicator_is_drawn_on_the_map(
    browser: Any, filled_workspace_template: Path, tmp_path: Path
) -> None:
    root = tmp_path / "werkmap"
    shutil.copytree(filled_workspace_template, root)
    workspace = open_workspace(root)
    buurten = _buurten(workspace)
    figures = _figures(len(buurten))
    rows = [[c, 2024, d, h] for c, (d, h) in zip(buurten, figures, strict=True)]
    data = _write_csv(
        tmp_path / "schulden.csv", ["buurtcode", "jaar", "schulden", "huishoudens"], rows
    )
    report = import_own_table(
        workspace, data, _definition(tmp_path, region="buurtcode", kind="code")
    )
    hidden = report.markers["klein_aantal"]
    with serve(root) as url:
        page, png = _render(
            browser,
            f"{url}/gemeente/GM0505?indicator=eigen_schulden_schulden&periode=2024",
            tmp_path / "kaart-eigen-tabel.png",
        )
        assert page.get_attribute("#kaart", "data-niveau") == "buurt"
        assert _coloured_share(png) > 0.15, "the own indicator's map shows hardly any buurten"
        chosen = page.locator("#indicator option:checked").inner_text()
        assert chosen == "Huishoudens met schulden"
        group = page.locator("#indicator option:checked").evaluate("o => o.parentElement.label")
        assert group == "Inkomen en armoede"
        text = page.locator("main").inner_text()
        assert "GGD Zuid-Holland Zuid" in text
        assert text.count("verborgen") >= 1 and hidden > 0
        page.close()
