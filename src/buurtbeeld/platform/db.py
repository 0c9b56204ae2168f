"""The platform database: an embedded SQLite file in the workspace, or PostgreSQL.

``open_platform(werkmap)`` connects to ``BUURTBEELD_DATABASE_URL`` when it is set (PostgreSQL
through psycopg 3), else to ``<werkmap>/platform.sqlite``, and brings the schema up to date with
the Alembic migrations shipped in this package (idempotent; several server processes starting at
once take turns through a lock). ``buurtbeeld platform migreer`` does the same explicitly.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from buurtbeeld.platform.errors import PlatformError

ENV_DATABASE_URL = "BUURTBEELD_DATABASE_URL"
DB_FILE = "platform.sqlite"
VERSION_TABLE = "platform_schema_version"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"
_PG_LOCK_KEY = 0x42_55_55_52  # "BUUR": the advisory lock that serialises migrations


def platform_present(werkmap: Path) -> bool:
    """Whether ``BUURTBEELD_DATABASE_URL`` is set or ``werkmap`` has its platform database.

    Only then may a reader open it: :func:`open_platform` would otherwise create a new file.
    """
    return bool(os.environ.get(ENV_DATABASE_URL, "").strip()) or (werkmap / DB_FILE).exists()


def database_url(werkmap: Path | None, url: str | None = None) -> str:
    """The SQLAlchemy URL to use: ``url``, else the environment, else the workspace's SQLite file."""
    raw = (url or os.environ.get(ENV_DATABASE_URL, "")).strip()
    if not raw:
        if werkmap is None:
            raise PlatformError(
                "Er is geen platformdatabase: geen werkmap en geen BUURTBEELD_DATABASE_URL.",
                code="BB-PLT-002",
                hint="Geef --werkmap op, of zet BUURTBEELD_DATABASE_URL op een PostgreSQL-database.",
            )
        return f"sqlite:///{(werkmap / DB_FILE).resolve()}"
    scheme = raw.split(":", 1)[0].lower()
    if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
        return "postgresql+psycopg:" + raw.split(":", 1)[1]
    if scheme == "sqlite":
        return raw
    raise PlatformError(
        f"BUURTBEELD_DATABASE_URL gebruikt een onbekend databasetype ('{scheme[:20]}').",
        code="BB-PLT-002",
        hint="Gebruik postgresql://gebruiker@host:5432/database (PostgreSQL) of laat de "
        "variabele leeg voor het ingebouwde SQLite-bestand in de werkmap.",
    )


def redact(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "(ongeldige database-URL)"


@dataclass
class PlatformDB:
    """An open platform database."""

    engine: Engine

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def display_url(self) -> str:
        """The URL without password."""
        return redact(self.engine.url.render_as_string(hide_password=False))

    @contextlib.contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside one transaction (committed at the end, rolled back on error)."""
        try:
            with self.engine.begin() as con:
                yield con
        except OperationalError as err:
            raise _unreachable(self.display_url) from err

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()

    def __enter__(self) -> PlatformDB:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def _unreachable(display_url: str) -> PlatformError:
    return PlatformError(
        f"De platformdatabase is niet bereikbaar of niet bruikbaar ({display_url}).",
        code="BB-PLT-003",
        hint="Controleer BUURTBEELD_DATABASE_URL (host, poort, gebruiker, database) en of de "
        "database draait; bij het SQLite-bestand: de rechten op de werkmap.",
    )


def _sqlite_pragmas(dbapi_con: Any, _record: Any) -> None:
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")  # several server processes write sign-ins
    cur.execute("PRAGMA journal_mode=WAL")  # readers are not blocked by a writer
    cur.close()


def connect(url: str) -> PlatformDB:
    """An engine for ``url`` (no migrations)."""
    try:
        parsed = make_url(url)
    except ArgumentError as err:
        raise PlatformError(
            "BUURTBEELD_DATABASE_URL is geen geldige database-URL.",
            code="BB-PLT-002",
            hint="Gebruik de vorm postgresql://gebruiker:wachtwoord@host:5432/database.",
        ) from err
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        if not path.parent.is_dir():
            raise PlatformError(
                f"De map voor de platformdatabase bestaat niet: {path.parent}.",
                code="BB-PLT-002",
                hint="Maak eerst een werkmap met 'buurtbeeld init <map>'.",
            )
        if not path.exists():  # password hashes and sessions: readable by the owner only
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        engine = create_engine(parsed)
        event.listen(engine, "connect", _sqlite_pragmas)
    else:
        engine = create_engine(parsed, pool_pre_ping=True)
    return PlatformDB(engine)


def open_platform(
    werkmap: Path | None, *, url: str | None = None, migrate: bool = True
) -> PlatformDB:
    """Open the platform database of ``werkmap`` (or ``BUURTBEELD_DATABASE_URL``), migrated."""
    db = connect(database_url(werkmap, url))
    if migrate:
        try:
            upgrade(db)
        except BaseException:
            db.close()
            raise
    return db


def _alembic_config(con: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = con
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this version of Buurtbeeld."""
    from alembic.script import ScriptDirectory

    cfg = _alembic_config(None)  # type: ignore[arg-type]
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def current_revision(db: PlatformDB) -> str | None:
    """The migration the database is at (``None``: empty database)."""
    from alembic.migration import MigrationContext

    with db.begin() as con:
        return MigrationContext.configure(
            con, opts={"version_table": VERSION_TABLE}
        ).get_current_revision()


@contextlib.contextmanager
def _migration_lock(db: PlatformDB) -> Iterator[None]:
    """Only one process migrates at a time (server workers start together)."""
    if db.dialect == "sqlite":
        lock_path = Path(db.engine.url.database or "").with_suffix(".sqlite.lock")
        fd = os.open(lock_path, os.O_CREAT | os.O_RDWR, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        return
    with db.engine.connect() as con:
        con.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
        con.commit()
        try:
            yield
        finally:
            con.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
            con.commit()


def upgrade(db: PlatformDB) -> list[str]:
    """Apply the missing migrations; the revisions applied (empty when already up to date)."""
    from alembic import command
    from alembic.script import ScriptDirectory

    head = head_revision()
    try:
        current = current_revision(db)
        if current == head:
            return []
        with _migration_lock(db):
            current = current_revision(db)
            script = ScriptDirectory.from_config(_alembic_config(None))  # type: ignore[arg-type]
            known = {rev.revision for rev in script.walk_revisions()}
            if current is not None and current not in known:
                raise PlatformError(
                    f"De platformdatabase hoort bij een nieuwere versie van Buurtbeeld "
                    f"(migratie {current[:20]}).",
                    code="BB-PLT-004",
                    hint="Werk Buurtbeeld bij naar de versie die deze database gemaakt heeft.",
                )
            pending = [
                rev.revision
                for rev in script.iterate_revisions(head, current)  # newest first
            ]
            with db.engine.begin() as con:
                command.upgrade(_alembic_config(con), "head")
    except OperationalError as err:
        raise _unreachable(db.display_url) from err
    return list(reversed(pending))
