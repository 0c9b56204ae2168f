"""Imports from the command line are in the audit log, where a platform exists."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.db import DB_FILE, ENV_DATABASE_URL, open_platform
from buurtbeeld.store.workspace import Workspace
from tests.cbs_files import kwb_rows, write_kwb_csv
from tests.store.test_generations import variant

runner = CliRunner()


def test_cli_imports_are_audited_with_the_platform(
    empty_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    root = empty_workspace.root
    open_platform(root).close()  # a shared platform in this workspace
    path = variant(tmp_path, 1)
    done = runner.invoke(app, ["importeer", "--werkmap", str(root), str(path)])
    assert done.exit_code == 0, done.output
    header, rows = kwb_rows()
    rows[1][header.index("a_inw")] = "-5"
    bad = write_kwb_csv(tmp_path / "kwb-2023-fout.csv", rows_override=rows)
    refused = runner.invoke(app, ["importeer", "--werkmap", str(root), str(bad)])
    assert refused.exit_code == 2
    with open_platform(root) as db:
        log = AuditLog(db)
        log.verify()
        entries = [e.as_dict() for e in log.entries()]
    events = [(e["gebeurtenis"], e["details"]["bestand"]) for e in entries]
    assert events == [
        ("import_gestart", path.name),
        ("import", path.name),
        ("import_gestart", bad.name),
        ("import_mislukt", bad.name),
    ]
    assert all(str(e["wie"]).startswith("cli") for e in entries)
    assert entries[1]["details"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert entries[1]["details"]["resultaat"] == "geimporteerd"
    assert str(entries[3]["details"]["code"]).startswith("BB-IMP-")


def test_without_a_platform_an_import_creates_none(
    empty_workspace: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    root = empty_workspace.root
    done = runner.invoke(app, ["importeer", "--werkmap", str(root), str(variant(tmp_path, 2))])
    assert done.exit_code == 0, done.output
    assert not (root / DB_FILE).exists()
