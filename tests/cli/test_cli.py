"""The Typer CLI: Dutch help, clear errors with exit code 2, imports through the CLI."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from tests.cbs_files import write_kwb_csv

runner = CliRunner()


def test_help_is_dutch() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for word in ("init", "importeer", "serve", "demo", "werkmap"):
        assert word in result.output
    assert "Importeer CBS-bestanden" in runner.invoke(app, ["importeer", "--help"]).output


def test_init_import_and_reimport(tmp_path: Path) -> None:
    root = tmp_path / "werkmap"
    result = runner.invoke(app, ["init", str(root), "--zonder-cbs", "--gemeente", "GM0505"])
    assert result.exit_code == 0, result.output
    assert "Werkmap gemaakt" in result.output
    csv_file = write_kwb_csv(tmp_path / "kwb-2023.csv")
    result = runner.invoke(app, ["importeer", str(csv_file), "--werkmap", str(root)])
    assert result.exit_code == 0, result.output
    assert "Geïmporteerd" in result.output and "bijstand_per_1000" in result.output
    result = runner.invoke(app, ["importeer", str(csv_file), "--werkmap", str(root)])
    assert result.exit_code == 0 and "al geïmporteerd" in result.output
    assert (root / "buurtbeeld.toml").read_text(encoding="utf-8").count(
        'standaardgemeente = "GM0505"'
    ) == 1


def test_errors_are_dutch_with_code_and_exit_code_2(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["importeer", str(tmp_path / "x.csv"), "--werkmap", str(tmp_path / "geen")]
    )
    assert result.exit_code == 2
    assert "BB-WS-001" in result.output and "Oplossing" in result.output
    root = tmp_path / "werkmap"
    runner.invoke(app, ["init", str(root), "--zonder-cbs"])
    result = runner.invoke(app, ["init", str(root), "--zonder-cbs"])
    assert result.exit_code == 2 and "BB-WS-002" in result.output
    bad = tmp_path / "lijst.csv"
    bad.write_text("a;b\n1;2\n", encoding="utf-8")
    result = runner.invoke(app, ["importeer", str(bad), "--werkmap", str(root)])
    assert result.exit_code == 2 and "BB-IMP-020" in result.output


def test_demo_builds_without_serving(tmp_path: Path) -> None:
    root = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--werkmap", str(root), "--niet-starten"])
    assert result.exit_code == 0, result.output
    assert "/gemeente/GM0505" in result.output and "/gemeente/GM0642" in result.output
    for register in ("wmo", "jeugdhulp", "bijstand", "schuldsignalen"):
        assert f"Demo-pakket {register} geaccepteerd" in result.output
    # the demo made a signing key per demo source and registered it as a partner
    partners = runner.invoke(app, ["partner", "lijst", "--werkmap", str(root)])
    assert partners.output.count("demo-") == 4, partners.output
    for private in (root / "bron-demo").glob(".buurtbeeld-sleutel-*"):
        assert private.stat().st_mode & 0o077 == 0
    again = runner.invoke(app, ["demo", "--werkmap", str(root), "--niet-starten"])
    assert "Bestaande demowerkmap" in again.output
