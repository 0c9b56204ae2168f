"""The Typer CLI: Dutch help, clear errors with exit code 2, imports through the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from buurtbeeld.cli.boundary import DEBUG_ENV, ErrorBoundary
from buurtbeeld.cli.main import app
from buurtbeeld.errors import NotFoundError
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
    # the stapeling (made in the background by default) is tested end to end in
    # tests/browser/test_demo_stapeling_in_chromium.py
    result = runner.invoke(
        app, ["demo", "--werkmap", str(root), "--niet-starten", "--zonder-stapeling"]
    )
    assert result.exit_code == 0, result.output
    assert "Stapeling van voorzieningen: niet in deze demo" in result.output
    assert "/gemeente/GM0505" in result.output and "/gemeente/GM0642" in result.output
    for register in ("wmo", "jeugdhulp", "bijstand", "schuldsignalen"):
        assert f"Demo-pakket {register} geaccepteerd" in result.output
    assert "1 indicatoren" not in result.output  # bijstand has one indicator: singular
    # the demo made a signing key per demo source and registered it as a partner
    partners = runner.invoke(app, ["partner", "lijst", "--werkmap", str(root)])
    assert partners.output.count("demo-") == 4, partners.output
    for private in (root / "bron-demo").glob(".buurtbeeld-sleutel-*"):
        assert private.stat().st_mode & 0o077 == 0
    again = runner.invoke(
        app, ["demo", "--werkmap", str(root), "--niet-starten", "--zonder-stapeling"]
    )
    assert "Bestaande demowerkmap" in again.output
    # the example framework for Dordrecht (issue 16), loaded once
    assert "Indicatorenkader" in result.output and "Indicatorenkader" not in again.output
    shown = runner.invoke(app, ["kader", "toon", "--werkmap", str(root)])
    assert shown.exit_code == 0 and "Bestaanszekerheid" in shown.output


HEAVY = ("duckdb", "pandas", "pyarrow", "numpy", "scipy", "ibis", "geopandas", "fastapi", "uvicorn")


@pytest.mark.parametrize("args", [["--help"], ["bron", "--help"], ["serve", "--help"]])
def test_help_loads_no_heavy_library(args: list[str]) -> None:
    """`buurtbeeld --help` must not wait for DuckDB, pandas, Ibis, SciPy or the web stack."""
    probe = (
        "import sys\n"
        "from buurtbeeld.cli.main import app\n"
        f"try:\n    app({args!r})\nexcept SystemExit:\n    pass\n"
        f"print('LOADED', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert "Toon deze hulp en stop." in done.stdout
    assert "LOADED []" in done.stdout, done.stdout.splitlines()[-1]


def test_help_is_dutch_throughout() -> None:
    for args in (["--help"], ["serve", "--help"], ["importeer", "--help"]):
        output = runner.invoke(app, args).output
        for english in (
            "Usage:",
            "Show this message",
            "Options",
            "Commands",
            "default:",
            "[OPTIONS]",
            "COMMAND",
        ):
            assert english not in output, (args, english)
    assert "Gebruik:" in runner.invoke(app, ["--help"]).output
    for args, dutch in (
        (["importeer"], "Argument 'bestanden' ontbreekt."),
        (["bestaatniet"], "Onbekende opdracht 'bestaatniet'."),
        (["serve", "--poort", "x"], "Ongeldige waarde voor '--poort'"),
        (["serve", "--onzin"], "Onbekende optie: --onzin"),
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2 and dutch in result.output, (args, result.output)
    from buurtbeeld.source.synthetic import REGISTERS

    genereer = runner.invoke(app, ["bron", "genereer", "--help"]).output
    assert all(name in genereer for name in REGISTERS)


def _boundary_app() -> typer.Typer:
    """A two-command app on the CLI's own boundary (the real commands cannot be made to crash)."""
    crashing = typer.Typer(cls=ErrorBoundary, pretty_exceptions_enable=False)

    @crashing.command("kapot")
    def broken() -> None:
        raise RuntimeError("geheim BU05050101 telt 3")

    @crashing.command("fout")
    def failing() -> None:
        raise NotFoundError("Regio BU99 bestaat niet.", code="BB-NF-003")

    return crashing


def test_one_boundary_turns_every_error_into_a_coded_message(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert isinstance(typer.main.get_command(app), ErrorBoundary)
    crashing = _boundary_app()
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    result = runner.invoke(crashing, ["kapot"])
    assert result.exit_code == 1
    assert "BB-CLI-001" in result.output and "RuntimeError" in result.output
    assert "geheim" not in result.output and "Traceback" not in result.output
    result = runner.invoke(crashing, ["fout"])
    assert result.exit_code == 2
    assert "Fout BB-NF-003" in result.output and "Oplossing" in result.output
    monkeypatch.setenv(DEBUG_ENV, "1")
    result = runner.invoke(crashing, ["kapot"])
    assert result.exit_code == 1 and "BB-CLI-001" in result.output
    assert "Traceback" in result.output and "geheim" in result.output


def test_no_traceback_from_the_real_cli(tmp_path: Path) -> None:
    """A directory given as a file, through the installed command's code path."""
    root = tmp_path / "werkmap"
    assert runner.invoke(app, ["init", str(root), "--zonder-cbs"]).exit_code == 0
    folder = tmp_path / "kwb-2023.csv"
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "buurtbeeld.cli.main", "importeer", str(folder), "-w", str(root)],
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != DEBUG_ENV},
    )
    assert done.returncode in (1, 2), done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "Fout BB-" in done.stderr and "Oplossing" in done.stderr
