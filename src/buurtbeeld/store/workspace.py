"""Create and open workspaces.

A workspace is a folder::

    werkmap/
      buurtbeeld.toml    settings (name, default gemeente, current division year)
      buurtbeeld.duckdb  the cube: regions, boundaries, imports, observations (a link to the
                         current generation in generaties/: store/generations.py)
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
from buurtbeeld.store import generations
from buurtbeeld.store.schema import MIGRATIONS, SCHEMA_VERSION, STATEMENTS

CONFIG_FILE = "buurtbeeld.toml"
DB_FILE = generations.DB_FILE


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
        """A DuckDB connection to the current generation of the cube.

        Writes go through :meth:`transaction` (a new generation); a read-write connection here
        changes the current file in place and fails while a server reads it (``BB-WS-003``).
        """
        return generations.open_current(self.root, read_only=read_only)[0]

    def open_generation(self) -> tuple[duckdb.DuckDBPyConnection, str]:
        """A read-only connection to the current generation, and that generation's id."""
        return generations.open_current(self.root, read_only=True)

    def generation(self) -> str:
        """The id of the current generation (changes with every import)."""
        return generations.generation_id(self.root)

    @contextmanager
    def transaction(self, notes: list[str] | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
        """A read-write connection inside one transaction, on a new generation of the cube.

        Committed and published atomically at the end, or discarded on any error; readers
        (``buurtbeeld serve``) keep reading the current generation meanwhile. One writer at a
        time (``BB-WS-010``). ``notes`` receives Dutch notes about a crashed earlier import that
        was cleaned up.
        """
        with generations.new_generation(self.root, notes) as con:
            yield con


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
        con.register("new_regions", _regions_table())
        con.execute(
            "INSERT INTO region (code, division_year, level, name, parent_code, name_note) "
            "SELECT * FROM new_regions"
        )
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
    generations.publish(root, tmp_db)
    (root / CONFIG_FILE).write_text(config.to_toml(), encoding="utf-8")
    return Workspace(root=root, config=config)


def _regions_table() -> pa.Table:
    regions = bundled_regions()
    return pa.table(
        {
            "code": [r.code for r in regions],
            "division_year": [r.division_year for r in regions],
            "level": [r.level for r in regions],
            "name": [r.name for r in regions],
            "parent_code": [r.parent_code for r in regions],
            "name_note": pa.array([r.name_note for r in regions], pa.string()),
        }
    )


def refresh_names(con: duckdb.DuckDBPyConnection) -> int:
    """Give the bundled divisions' regions their CBS names and notes (schema 4); returns rows."""
    con.register("named_regions", _regions_table())
    try:
        return len(
            con.execute(
                """UPDATE region SET name = n.name, name_note = n.name_note FROM named_regions n
               WHERE region.code = n.code AND region.division_year = n.division_year
               RETURNING region.code"""
            ).fetchall()
        )
    finally:
        con.unregister("named_regions")


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
            if target == 4:
                refresh_names(con)
        con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", [str(SCHEMA_VERSION)])
