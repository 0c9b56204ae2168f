"""Create and open workspaces.

A workspace is a folder::

    werkmap/
      buurtbeeld.toml    settings (name, default gemeente, current division year)
      buurtbeeld.duckdb  the cube: regions, boundaries, imports, observations
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

from buurtbeeld.errors import ConfigError, WorkspaceError
from buurtbeeld.geo.boundaries import BUNDLED, read_bundled
from buurtbeeld.geo.registry import bundled_regions
from buurtbeeld.store.schema import MIGRATIONS, SCHEMA_VERSION, STATEMENTS

CONFIG_FILE = "buurtbeeld.toml"
DB_FILE = "buurtbeeld.duckdb"


@dataclass(frozen=True)
class WorkspaceConfig:
    """Settings from buurtbeeld.toml."""

    name: str = "Buurtbeeld"
    default_gemeente: str | None = None
    division_year: int = 2023
    public: bool = False  # a public instance: holds only public data (`publieke-werkmap`)

    def to_toml(self) -> str:
        """Serialise as TOML text."""
        lines = [
            "[werkmap]",
            f'naam = "{_escape(self.name)}"',
            f"indelingsjaar = {self.division_year}",
        ]
        if self.default_gemeente:
            lines.append(f'standaardgemeente = "{self.default_gemeente}"')
        if self.public:
            lines.append("publiek = true")
        return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


@dataclass(frozen=True)
class Workspace:
    """An opened workspace folder."""

    root: Path
    config: WorkspaceConfig

    @property
    def db_path(self) -> Path:
        """Location of the DuckDB cube."""
        return self.root / DB_FILE

    def connect(self, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """A DuckDB connection to the cube."""
        try:
            return duckdb.connect(str(self.db_path), read_only=read_only)
        except duckdb.IOException as err:
            raise WorkspaceError(
                f"De database van werkmap '{self.root}' is in gebruik of niet leesbaar.",
                code="BB-WS-003",
                hint="Stop een draaiende 'buurtbeeld serve' voor deze werkmap en probeer het opnieuw.",
            ) from err

    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection inside one transaction; rolled back on any error."""
        con = self.connect()
        try:
            con.begin()
            try:
                yield con
            except BaseException:
                con.rollback()
                raise
            con.commit()
        finally:
            con.close()


def create_workspace(
    root: Path,
    *,
    name: str = "Buurtbeeld",
    default_gemeente: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> Workspace:
    """Create a workspace folder with the region registry and bundled boundaries.

    Raises
    ------
    WorkspaceError
        When ``root`` already holds a workspace (``BB-WS-002``).
    """
    if (root / CONFIG_FILE).exists() or (root / DB_FILE).exists():
        raise WorkspaceError(
            f"'{root}' is al een werkmap.",
            code="BB-WS-002",
            hint="Kies een andere map, of open deze werkmap met --werkmap.",
        )
    root.mkdir(parents=True, exist_ok=True)
    config = WorkspaceConfig(name=name, default_gemeente=default_gemeente)
    tmp_db = root / (DB_FILE + ".nieuw")
    tmp_db.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp_db))
    try:
        for statement in STATEMENTS:
            con.execute(statement)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        if progress:
            progress("Regio's laden")
        regions = bundled_regions()
        con.register(
            "new_regions",
            pa.table(
                {
                    "code": [r.code for r in regions],
                    "division_year": [r.division_year for r in regions],
                    "level": [r.level for r in regions],
                    "name": [r.name for r in regions],
                    "parent_code": [r.parent_code for r in regions],
                }
            ),
        )
        con.execute("INSERT INTO region SELECT * FROM new_regions")
        for boundary_set in BUNDLED:
            if progress:
                progress(f"Grenzen laden: {boundary_set.level.plural} {boundary_set.year}")
            rows = read_bundled(boundary_set)
            con.register(
                "new_boundaries",
                pa.table(
                    {
                        "code": [r[0] for r in rows],
                        "level": [boundary_set.level.value] * len(rows),
                        "boundary_year": [boundary_set.year] * len(rows),
                        "geometry": [r[1] for r in rows],
                        "min_x": [r[2][0] for r in rows],
                        "min_y": [r[2][1] for r in rows],
                        "max_x": [r[2][2] for r in rows],
                        "max_y": [r[2][3] for r in rows],
                    }
                ),
            )
            con.execute("INSERT INTO boundary SELECT * FROM new_boundaries")
            con.unregister("new_boundaries")
        con.execute("CHECKPOINT")
        con.close()
    except BaseException:
        con.close()
        tmp_db.unlink(missing_ok=True)
        raise
    tmp_db.rename(root / DB_FILE)
    (root / CONFIG_FILE).write_text(config.to_toml(), encoding="utf-8")
    return Workspace(root=root, config=config)


def open_workspace(root: Path) -> Workspace:
    """Open an existing workspace folder.

    Raises
    ------
    WorkspaceError
        When the folder is not a workspace (``BB-WS-001``).
    ConfigError
        When buurtbeeld.toml cannot be read (``BB-CFG-001``).
    """
    config_path = root / CONFIG_FILE
    if not config_path.exists() or not (root / DB_FILE).exists():
        raise WorkspaceError(f"'{root}' is geen Buurtbeeld-werkmap.")
    try:
        data = tomllib.loads(config_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise ConfigError(f"{config_path} is geen geldige TOML: {err}.") from err
    section = data.get("werkmap", {})
    config = WorkspaceConfig(
        name=str(section.get("naam", "Buurtbeeld")),
        default_gemeente=section.get("standaardgemeente"),
        division_year=int(section.get("indelingsjaar", 2023)),
        public=section.get("publiek") is True,
    )
    workspace = Workspace(root=root, config=config)
    _migrate(workspace)
    return workspace


def _migrate(workspace: Workspace) -> None:
    """Bring an older workspace's schema up to date, in one transaction (nothing is lost)."""
    con = workspace.connect(read_only=True)
    try:
        row = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    finally:
        con.close()
    version = int(row[0]) if row else 1
    if version > SCHEMA_VERSION:
        raise WorkspaceError(
            f"Werkmap '{workspace.root}' is gemaakt met een nieuwere Buurtbeeld (schema {version}).",
            code="BB-WS-004",
            hint="Werk Buurtbeeld bij naar de nieuwste versie.",
        )
    if version == SCHEMA_VERSION:
        return
    with workspace.transaction() as con:
        for target in range(version + 1, SCHEMA_VERSION + 1):
            for statement in MIGRATIONS.get(target, ()):
                con.execute(statement)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
