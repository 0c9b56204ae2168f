"""``buurtbeeld importeer-grenzen``: a Dutch report per level, refusals with code and exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from tests.conftest import copy_workspace

runner = CliRunner()


def test_importeer_grenzen_reports_polygons_and_newly_covered_regions(
    tmp_path: Path, empty_workspace_template: Path, wijkbuurtkaart_2023: Path
) -> None:
    root = tmp_path / "werkmap"
    copy_workspace(empty_workspace_template, root)
    assert "importeer-grenzen" in runner.invoke(app, ["--help"]).output
    help_text = runner.invoke(app, ["importeer-grenzen", "--help"]).output
    assert "wijk- en buurtkaart" in help_text and "--jaar" in help_text
    result = runner.invoke(
        app, ["importeer-grenzen", str(wijkbuurtkaart_2023), "--werkmap", str(root)]
    )
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "Grenzen geïmporteerd: wijkenbuurten_2023_v1.gpkg als grenzen 2023" in out
    # 608 buurt polygons (one water row skipped), 479 Amsterdam buurten newly on the map
    assert "buurten │ 608 │ 0 │ 1 │ 479 │" in out
    assert "1 gemeente, 99 wijken, 479 buurten" in out
    again = runner.invoke(
        app, ["importeer-grenzen", str(wijkbuurtkaart_2023), "--werkmap", str(root)]
    )
    assert again.exit_code == 0 and "al geïmporteerd" in again.output


def test_importeer_grenzen_refuses_a_directory_and_a_file_without_year(
    tmp_path: Path, empty_workspace_template: Path, wijkbuurtkaart_2023: Path
) -> None:
    root = tmp_path / "werkmap"
    copy_workspace(empty_workspace_template, root)
    result = runner.invoke(app, ["importeer-grenzen", str(tmp_path), "--werkmap", str(root)])
    assert result.exit_code == 2
    assert "BB-GEO-011" in result.output and "Oplossing" in result.output
    no_year = tmp_path / "kaart.gpkg"
    shutil.copy(wijkbuurtkaart_2023, no_year)
    result = runner.invoke(app, ["importeer-grenzen", str(no_year), "--werkmap", str(root)])
    assert result.exit_code == 2 and "BB-GEO-015" in result.output and "--jaar" in result.output
    result = runner.invoke(
        app, ["importeer-grenzen", str(no_year), "--werkmap", str(root), "--jaar", "2023"]
    )
    assert result.exit_code == 0, result.output
