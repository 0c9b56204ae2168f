"""Fixtures: the platform database on SQLite and on a throwaway PostgreSQL cluster.

The cluster comes from Debian's ``postgresql`` package (shared/STACK.md): ``initdb`` + ``pg_ctl``
in a temporary folder, as user ``postgres`` when the tests run as root, started once per test
session (per xdist worker) and stopped at the end. Each test gets a database of its own. Without
the binaries the PostgreSQL half of the tests is skipped with the reason.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from buurtbeeld.platform.db import ENV_DATABASE_URL

BACKENDS = ["sqlite", "postgresql"]


def _pg_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """A running throwaway PostgreSQL cluster."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.as_root = os.geteuid() == 0
        if self.as_root:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                pytest.skip("de gebruiker 'postgres' ontbreekt (Debian-pakket postgresql)")
            if shutil.which("runuser") is None:
                pytest.skip("runuser ontbreekt: PostgreSQL kan niet als 'postgres' starten")
        self.root = Path(tempfile.mkdtemp(prefix="buurtbeeld-pg-"))
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        self.data = self.root / "data"
        self.port = _free_port()

    def _run(self, *args: str) -> None:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off"
        )
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l", str(self.root / "log"),
                  "-w", "start")  # fmt: skip

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        import psycopg

        name = "t_" + uuid.uuid4().hex[:12]
        with psycopg.connect(self.admin_url, autocommit=True) as con:
            con.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://postgres@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """A throwaway PostgreSQL cluster for the whole session (skipped without the binaries)."""
    bindir = _pg_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL ontbreekt (/usr/lib/postgresql/*/bin; Debian-pakket postgresql)")
    cluster = Cluster(bindir)
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=BACKENDS)
def platform_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty platform database: SQLite file, then PostgreSQL database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'platform.sqlite'}"
    cluster: Cluster = request.getfixturevalue("postgres_cluster")
    return cluster.new_database()


@pytest.fixture
def cli_env(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A workspace folder for the CLI; on PostgreSQL also ``BUURTBEELD_DATABASE_URL``.

    Parametrise a test with ``@pytest.mark.parametrize("cli_env", BACKENDS, indirect=True)``.
    """
    root = tmp_path / "werkmap"
    root.mkdir()
    (root / "buurtbeeld.toml").write_text('[werkmap]\nnaam = "Test"\n', encoding="utf-8")
    monkeypatch.delenv(ENV_DATABASE_URL, raising=False)
    if request.param == "postgresql":
        cluster: Cluster = request.getfixturevalue("postgres_cluster")
        monkeypatch.setenv(ENV_DATABASE_URL, cluster.new_database())
    return root
