"""The CLI's import output is correct Dutch: numbers, lists, singular and plural."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.store.importer import BUNDLED_FILES
from tests.cbs_files import kwb_rows, write_kwb_csv

runner = CliRunner()


def _init(tmp_path: Path) -> Path:
    root = tmp_path / "werkmap"
    result = runner.invoke(app, ["init", str(root), "--zonder-cbs"])
    assert result.exit_code == 0, result.output
    return root


def _one_line(text: str) -> str:
    return " ".join(text.split())


def test_health_monitor_summary_lists_periods_and_counts_in_dutch(tmp_path: Path) -> None:
    root = _init(tmp_path)
    result = runner.invoke(app, ["importeer", str(BUNDLED_FILES[1]), "--werkmap", str(root)])
    assert result.exit_code == 0, result.output
    out = _one_line(result.output)
    assert "perioden 2016 en 2020, 34.682 rijen" in out
    assert "perioden 2016. 2020." not in out and "indicatoren" not in out


def test_partial_file_is_warned_and_hiding_needs_vervang(tmp_path: Path) -> None:
    root = _init(tmp_path)
    full = write_kwb_csv(tmp_path / "kwb-2023.csv")
    result = runner.invoke(app, ["importeer", str(full), "--werkmap", str(root)])
    assert result.exit_code == 0, result.output
    assert "periode 2023, 147 rijen" in _one_line(result.output)
    header, rows = kwb_rows()
    part = [r for r in rows if r[0].strip() in {"NL00", "GM0505"} or r[0].startswith("WK050501")]
    at = header.index("a_inw")
    gemeente = next(r for r in part if r[0].strip() == "GM0505")
    gemeente[at] = "."  # Dordrecht's inhabitants: published in the workspace, '.' here
    partial = write_kwb_csv(tmp_path / "kwb-2023-deel.csv", rows_override=part)
    result = runner.invoke(app, ["importeer", str(partial), "--werkmap", str(root)])
    assert result.exit_code == 2 and "BB-IMP-030" in result.output
    assert "1 gepubliceerd cijfer" in _one_line(result.output)
    result = runner.invoke(app, ["importeer", str(partial), "--werkmap", str(root), "--vervang"])
    assert result.exit_code == 0, result.output
    out = _one_line(result.output)
    assert (
        f"Dit bestand bevat {len(part)} regio's; in de werkmap staan voor 2023 147 regio's" in out
    )
    assert "1 gepubliceerd cijfer is nu verborgen" in out
    assert "vervangen uit import 1 (kwb-2023.csv)" in out
    assert "van andere regio's bij dezelfde indicatoren bleven ongewijzigd" in out


def test_package_summary_uses_singular_for_one() -> None:
    from buurtbeeld.cli.import_texts import nl_list, package_summary
    from buurtbeeld.store.intake import IntakeReport

    one = IntakeReport(
        file_name="p.zip", indicators=["a"], published=1, hidden=1, audited_hidden_cells=1
    )
    assert package_summary("p.zip", one) == (
        "p.zip — 1 indicator, 1 gepubliceerde en 1 verborgen cel; "
        "aanvalscontrole op 1 verborgen cel geslaagd."
    )
    many = IntakeReport(
        file_name="p.zip", indicators=["a", "b"], published=1200, hidden=3, audited_hidden_cells=3
    )
    assert "2 indicatoren, 1.200 gepubliceerde en 3 verborgen cellen" in package_summary(
        "p.zip", many
    )
    assert nl_list(["2016", "2020", "2024"]) == "2016, 2020 en 2024"
