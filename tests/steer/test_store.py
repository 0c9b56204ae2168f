"""The framework in the platform database (SQLite and PostgreSQL), and the CLI `kader`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import inspect
from typer.testing import CliRunner

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.cli.main import app
from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.db import open_platform
from buurtbeeld.steer import tables
from buurtbeeld.steer.errors import SteerError
from buurtbeeld.steer.framework import parse_framework
from buurtbeeld.steer.framework_store import load_framework, save_framework
from buurtbeeld.steer.workspace import DEMO_FRAMEWORK, load_demo_framework
from tests.platform.conftest import BACKENDS

KNOWN = [i.id for i in builtin_catalog().indicators]
runner = CliRunner()


def test_the_migration_creates_the_described_tables(platform_url: str) -> None:
    with open_platform(None, url=platform_url) as db:
        found = inspect(db.engine)
        for table in tables.metadata.sorted_tables:
            columns = {c["name"] for c in found.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name


def test_a_saved_framework_reads_back_equal_and_is_audited(platform_url: str) -> None:
    framework = parse_framework(DEMO_FRAMEWORK.read_text(encoding="utf-8"), KNOWN)
    with open_platform(None, url=platform_url) as db:
        assert load_framework(db) is None
        assert save_framework(db, framework, "analist-a", source="yaml") == 1
        assert load_framework(db) == framework
        assert save_framework(db, framework, "analist-b", source="web") == 2
        entries = [e for e in AuditLog(db).entries() if e.event == "kader_gewijzigd"]
        assert [(e.actor, json.loads(e.details)["versie"]) for e in entries] == [
            ("analist-a", 1),
            ("analist-b", 2),
        ]
        AuditLog(db).verify()


def test_the_demo_framework_is_loaded_once_and_an_own_framework_is_kept(platform_url: str) -> None:
    with open_platform(None, url=platform_url) as db:
        assert load_demo_framework(db, KNOWN) is not None
        own = parse_framework(
            "kader: Eigen\ngemeente: GM0505\naandachtsgebieden:\n"
            "  - sleutel: wonen\n    naam: Wonen\n",
            KNOWN,
        )
        save_framework(db, own, "analist", source="yaml")
        assert load_demo_framework(db, KNOWN) is None  # a second demo run keeps it
        assert load_framework(db) == own


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_cli_imports_exports_and_shows_and_saves_nothing_on_error(
    cli_env: Path, app_workspace: Path, tmp_path: Path
) -> None:
    # the catalogue comes from a real workspace; on PostgreSQL cli_env set the database URL
    werkmap = tmp_path / "werkmap-met-cijfers"
    import shutil

    shutil.copytree(app_workspace, werkmap)
    bad = tmp_path / "fout.yaml"
    bad.write_text(
        DEMO_FRAMEWORK.read_text(encoding="utf-8").replace("[jeugdzorg_pct]", "[jeugdzorg_typo]"),
        encoding="utf-8",
    )
    result = runner.invoke(app, ["kader", "importeer", str(bad), "--werkmap", str(werkmap)])
    assert result.exit_code == 2, result.output
    assert "BB-STR-003" in result.output and "Regel" in result.output
    result = runner.invoke(app, ["kader", "exporteer", "--werkmap", str(werkmap)])
    assert result.exit_code == 2 and "BB-STR-008" in result.output  # nothing was saved

    result = runner.invoke(
        app, ["kader", "importeer", str(DEMO_FRAMEWORK), "--werkmap", str(werkmap)]
    )
    assert result.exit_code == 0, result.output
    assert "7 aandachtsgebieden" in " ".join(result.output.split())
    out = tmp_path / "terug.yaml"
    result = runner.invoke(app, ["kader", "exporteer", "--werkmap", str(werkmap), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert parse_framework(out.read_text(encoding="utf-8"), KNOWN) == parse_framework(
        DEMO_FRAMEWORK.read_text(encoding="utf-8"), KNOWN
    )
    result = runner.invoke(app, ["kader", "toon", "--werkmap", str(werkmap)])
    assert result.exit_code == 0
    assert "Zorg dichtbij" in result.output and "moeite_rondkomen_pct" in result.output


def test_removing_a_focus_area_with_goals_is_refused(platform_url: str) -> None:
    from sqlalchemy import insert

    framework = parse_framework(DEMO_FRAMEWORK.read_text(encoding="utf-8"), KNOWN)
    with open_platform(None, url=platform_url) as db:
        save_framework(db, framework, "analist", source="yaml")
        with db.begin() as con:
            con.execute(
                insert(tables.goals).values(
                    focus_key="wonen", description="x", indicator_id="woz_waarde",
                    baseline_period="2023", explanation="", changed_at="t", changed_by="a",
                )
            )  # fmt: skip
        smaller = parse_framework(
            "kader: K\ngemeente: GM0505\naandachtsgebieden:\n  - sleutel: meedoen\n    naam: M\n",
            KNOWN,
        )
        with pytest.raises(SteerError) as err:
            save_framework(db, smaller, "analist", source="yaml")
        assert err.value.code == "BB-STR-009"
        assert load_framework(db) == framework


def test_indicators_of_own_data_join_the_framework(
    filled_workspace: object, tmp_path: Path
) -> None:
    """Item 1: indicators come from the whole catalogue of the workspace, own data included
    (and partner packages, which define their indicators the same way)."""
    from buurtbeeld.steer.workspace import workspace_indicator_ids
    from buurtbeeld.store.own_table import import_own_table
    from tests.store.test_own_table import _buurten, _definition, _figures, _write_csv

    workspace = filled_workspace
    buurten = _buurten(workspace)  # type: ignore[arg-type]
    rows = [[code, 2024, debts, households]
            for code, (debts, households) in zip(buurten, _figures(len(buurten)), strict=True)]  # fmt: skip
    data = _write_csv(
        tmp_path / "schulden.csv", ["buurtcode", "jaar", "schulden", "huishoudens"], rows
    )
    import_own_table(workspace, data, _definition(tmp_path, region="buurtcode", kind="code"))  # type: ignore[arg-type]
    known = workspace_indicator_ids(workspace.root)  # type: ignore[attr-defined]
    assert "eigen_schulden_pct" in known and "bijstand_per_1000" in known
    text = (
        "kader: K\ngemeente: GM0505\naandachtsgebieden:\n  - sleutel: geld\n    naam: Geld\n"
        "    subdoelen:\n      - sleutel: schulden\n        naam: Minder schulden\n"
        "        indicatoren: [eigen_schulden_pct, bijstand_per_1000]\n"
    )
    framework = parse_framework(text, known)
    assert framework.indicator_ids() == ["eigen_schulden_pct", "bijstand_per_1000"]
    with pytest.raises(SteerError) as err:
        parse_framework(text, KNOWN)  # the built-in catalogue alone does not know it
    assert err.value.code == "BB-STR-003" and "regel 9" in str(err.value).lower()
