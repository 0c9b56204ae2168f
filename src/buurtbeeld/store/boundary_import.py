"""Import a CBS wijk- en buurtkaart into a workspace: one boundary year, in one transaction.

The boundary table keys polygons by ``(code, boundary_year)``, so a kaart of 2023 sits next to
the bundled layers (gemeenten and wijken 2022, buurten 2019); the ``Cube`` picks per region the
year that has its code. An import replaces the polygons of its year for the levels the file
contains, and is recorded in ``import_batch`` (dataset ``grenzen``) for the lineage.
Importing the same file again changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from buurtbeeld.geo.boundaries import GeometryRow
from buurtbeeld.geo.codes import RegionLevel
from buurtbeeld.geo.wijkbuurtkaart import read_wijk_buurtkaart
from buurtbeeld.store.batches import file_sha256, next_import_id
from buurtbeeld.store.workspace import Workspace

DATASET = "grenzen"
LEVELS = ("gemeente", "wijk", "buurt")


@dataclass
class BoundaryImportReport:
    """What an import of a wijk- en buurtkaart did, per level (gemeente, wijk, buurt)."""

    file_name: str
    year: int
    division_year: int
    import_id: int
    already_imported: bool = False
    polygons: dict[str, int] = field(default_factory=dict)
    replaced: dict[str, int] = field(default_factory=dict)
    water_skipped: dict[str, int] = field(default_factory=dict)
    newly_covered: dict[str, int] = field(default_factory=dict)
    still_missing: dict[str, list[str]] = field(default_factory=dict)
    renamed: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        """The report as JSON (stored with the import batch)."""
        return json.dumps(asdict(self), ensure_ascii=False)


def insert_boundaries(
    con: duckdb.DuckDBPyConnection, level: RegionLevel, year: int, rows: list[GeometryRow]
) -> None:
    """Append the polygons of one level and boundary year."""
    con.register(
        "new_boundaries",
        pa.table(
            {
                "code": [r[0] for r in rows],
                "level": [level.value] * len(rows),
                "boundary_year": [year] * len(rows),
                "geometry": [r[1] for r in rows],
                "min_x": [r[2][0] for r in rows],
                "min_y": [r[2][1] for r in rows],
                "max_x": [r[2][2] for r in rows],
                "max_y": [r[2][3] for r in rows],
            }
        ),
    )
    try:
        con.execute(
            "INSERT INTO boundary (code, level, boundary_year, geometry, min_x, min_y, max_x, max_y) "
            "SELECT * FROM new_boundaries"
        )
    finally:
        con.unregister("new_boundaries")


def regions_without_polygon(
    con: duckdb.DuckDBPyConnection, division_year: int
) -> dict[str, list[str]]:
    """Per level, the regions of a division that have no polygon in any boundary year."""
    rows = con.execute(
        """SELECT r.level, list(r.code ORDER BY r.code) FROM region r
           WHERE r.division_year = ? AND r.level IN ('gemeente', 'wijk', 'buurt')
             AND NOT EXISTS (SELECT 1 FROM boundary b WHERE b.code = r.code AND b.level = r.level)
           GROUP BY r.level""",
        [division_year],
    ).fetchall()
    found = {str(level): list(codes) for level, codes in rows}
    return {level: found.get(level, []) for level in LEVELS}


def _rename(con: duckdb.DuckDBPyConnection, year: int, names: dict[str, str]) -> int:
    """Give the regions of the division of the kaart's own year CBS's names from the kaart.

    The kaart of year Y names the regions of division Y (its names replace the bundled 2024
    names and their notes: geo/names.py); other divisions keep theirs. Returns how many names
    changed.
    """
    if not names:
        return 0
    con.register("kaart_names", pa.table({"code": list(names), "name": list(names.values())}))
    try:
        row = con.execute(
            """UPDATE region SET name = k.name, name_note = NULL FROM kaart_names k
               WHERE region.code = k.code AND region.division_year = ?
                 AND (region.name <> k.name OR region.name_note IS NOT NULL)""",
            [year],
        ).fetchone()
    finally:
        con.unregister("kaart_names")
    return int(row[0]) if row else 0


def _current_import(
    con: duckdb.DuckDBPyConnection, digest: str, year: int | None
) -> tuple[int, int] | None:
    """``(import id, year)`` when this file is the latest boundary import of its year."""
    row = con.execute(
        """SELECT b.import_id, b.periods FROM import_batch b
           WHERE b.dataset = ? AND b.file_sha256 = ?
             AND b.import_id = (SELECT max(import_id) FROM import_batch
                                WHERE dataset = b.dataset AND periods = b.periods)""",
        [DATASET, digest],
    ).fetchone()
    if row is None or (year is not None and int(row[1]) != year):
        return None
    return int(row[0]), int(row[1])


def import_boundaries(
    workspace: Workspace,
    path: Path,
    *,
    year: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> BoundaryImportReport:
    """Read, simplify and store a wijk- en buurtkaart; nothing changes when anything fails.

    Raises
    ------
    BoundaryFileError
        The file is not a usable wijk- en buurtkaart (``BB-GEO-011`` … ``BB-GEO-017``).
    """
    division_year = workspace.config.division_year
    digest = file_sha256(path) if path.is_file() else ""
    con = workspace.connect(read_only=True)
    try:
        current = _current_import(con, digest, year)
    finally:
        con.close()
    if current is not None:  # the same file again: nothing to read, nothing changes
        return BoundaryImportReport(
            path.name, current[1], division_year, current[0], already_imported=True
        )
    kaart = read_wijk_buurtkaart(path, year=year, progress=progress)
    if progress:
        progress(f"Grenzen {kaart.year} opslaan")
    with workspace.transaction() as con:
        before = regions_without_polygon(con, division_year)
        import_id = next_import_id(con)
        report = BoundaryImportReport(kaart.file_name, kaart.year, division_year, import_id)
        for layer in kaart.layers:
            level = layer.level.value
            row = con.execute(
                "SELECT count(*) FROM boundary WHERE boundary_year = ? AND level = ?",
                [kaart.year, level],
            ).fetchone()
            report.replaced[level] = int(row[0]) if row else 0
            con.execute(
                "DELETE FROM boundary WHERE boundary_year = ? AND level = ?", [kaart.year, level]
            )
            insert_boundaries(con, layer.level, kaart.year, layer.rows)
            report.polygons[level] = len(layer.rows)
            report.water_skipped[level] = layer.water_skipped
            report.renamed[level] = _rename(con, kaart.year, layer.names)
        after = regions_without_polygon(con, division_year)
        report.newly_covered = {lv: len(set(before[lv]) - set(after[lv])) for lv in LEVELS}
        report.still_missing = after
        # One row per file: a file imported before and since replaced moves to this new import id.
        con.execute(
            "DELETE FROM import_batch WHERE dataset = ? AND file_sha256 = ?", [DATASET, digest]
        )
        con.execute(
            "INSERT INTO import_batch (import_id, dataset, source_label, file_name, file_sha256, "
            "imported_at, periods, observations, report_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                import_id,
                DATASET,
                f"CBS/Kadaster wijk- en buurtkaart {kaart.year} (grenzen)",
                kaart.file_name,
                digest,
                datetime.now(UTC).replace(tzinfo=None),
                str(kaart.year),
                0,
                report.to_json(),
            ],
        )
    return report
