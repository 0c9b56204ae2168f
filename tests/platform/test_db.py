"""The platform database: migrations shipped in the package, idempotent, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from buurtbeeld.cli.main import app
from buurtbeeld.platform.db import (
    DB_FILE,
    ENV_DATABASE_URL,
    VERSION_TABLE,
    current_revision,
    database_url,
    head_revision,
    open_platform,
    upgrade,
)
from buurtbeeld.platform.errors import PlatformError
from buurtbeeld.platform.tables import metadata
from tests.platform.conftest import BACKENDS

runner = CliRunner()


def test_migrations_create_the_described_tables_once(platform_url: str) -> None:
    with open_platform(None, url=platform_url, migrate=False) as db:
        assert current_revision(db) is None
        applied = upgrade(db)
        versions = Path(__file__).parents[2] / "src/buurtbeeld/platform/migrations/versions"
        assert len(applied) == len(list(versions.glob("[0-9]*.py")))
        assert applied[-1] == head_revision()
        assert upgrade(db) == []  # idempotent
        assert current_revision(db) == head_revision()
        found = inspect(db.engine)
        for table in metadata.sorted_tables:
            columns = {c["name"] for c in found.get_columns(table.name)}
            assert columns == {c.name for c in table.columns}, table.name
        assert VERSION_TABLE in found.get_table_names()


def test_a_database_of_a_newer_version_is_refused(platform_url: str) -> None:
    with open_platform(None, url=platform_url) as db, db.begin() as con:
        con.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999_toekomst'"))
    with pytest.raises(PlatformError) as err, open_platform(None, url=platform_url):
        pass
    assert err.value.code == "BB-PLT-004"


MIGRATE_SCRIPT = """
import sys
from buurtbeeld.platform.db import open_platform
with open_platform(None, url=sys.argv[1]):
    pass
"""


def test_server_processes_starting_together_migrate_once(platform_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE_SCRIPT, platform_url], env=env, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    results = [(p.communicate(timeout=300)[1], p.returncode) for p in procs]
    assert all(code == 0 for _, code in results), results
    with open_platform(None, url=platform_url, migrate=False) as db:
        assert current_revision(db) == head_revision()


def test_default_is_a_private_sqlite_file_in_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    assert database_url(tmp_path) == f"sqlite:///{tmp_path.resolve() / DB_FILE}"
    with open_platform(tmp_path) as db:
        assert db.dialect == "sqlite"
    mode = stat.S_IMODE((tmp_path / DB_FILE).stat().st_mode)
    assert mode & 0o077 == 0  # readable by the owner only (password hashes)


def test_the_environment_chooses_postgresql(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_DATABASE_URL, "postgresql://bb:geheim@db.gemeente.example:5432/bb")
    assert database_url(None) == "postgresql+psycopg://bb:geheim@db.gemeente.example:5432/bb"
    monkeypatch.setenv(ENV_DATABASE_URL, "mysql://x@y/z")
    with pytest.raises(PlatformError) as err:
        database_url(None)
    assert err.value.code == "BB-PLT-002"
    monkeypatch.delenv(ENV_DATABASE_URL)
    with pytest.raises(PlatformError) as err:
        database_url(None)
    assert err.value.code == "BB-PLT-002"


def test_unreachable_postgresql_is_a_dutch_error_without_the_password() -> None:
    with pytest.raises(PlatformError) as err:
        open_platform(None, url="postgresql://bb:zeergeheim@127.0.0.1:1/bb?connect_timeout=2")
    assert err.value.code == "BB-PLT-003"
    assert "zeergeheim" not in str(err.value) and "127.0.0.1" in str(err.value)


@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)
def test_cli_migreer_is_idempotent(cli_env: Path) -> None:
    first = runner.invoke(app, ["platform", "migreer", "--werkmap", str(cli_env)])
    assert first.exit_code == 0, first.output
    assert re.search(rf"migraties toegepast: [0-9, ]*{head_revision()}\)", first.output)
    second = runner.invoke(app, ["platform", "migreer", "--werkmap", str(cli_env)])
    assert second.exit_code == 0 and "al actueel" in second.output


def test_cli_refuses_a_folder_that_is_not_a_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    result = runner.invoke(app, ["gebruiker", "lijst", "--werkmap", str(tmp_path)])
    assert result.exit_code == 2 and "BB-WS-001" in result.output
    assert not (tmp_path / DB_FILE).exists()


def test_the_cli_knows_the_workspace_file_name() -> None:
    from buurtbeeld.cli.platform import CONFIG_FILE
    from buurtbeeld.store.workspace import CONFIG_FILE as STORE_CONFIG_FILE

    assert CONFIG_FILE == STORE_CONFIG_FILE
