"""A public instance: a new workspace that holds only public data (issue 12 item 3).

``write_public_workspace`` builds a fresh DuckDB file from the schema and copies into it, with
``INSERT … SELECT`` from the source workspace attached read-only, only what is public: regions and
boundaries, the observations and definitions of public indicators, the stapeling cells of public
stapeling datasets, and the lineage (``import_batch``) of imports that wrote nothing internal
(without their reports, which may name other imports). Nothing is copied and then deleted, so the
file never held an internal figure. ``buurtbeeld.toml`` says ``publiek = true``: the app shows
everything in it to everyone.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

from buurtbeeld.errors import WorkspaceError
from buurtbeeld.store.schema import SCHEMA_VERSION, STATEMENTS
from buurtbeeld.store.workspace import (
    CONFIG_FILE,
    DB_FILE,
    Workspace,
    WorkspaceConfig,
    open_workspace,
)


@dataclass(frozen=True)
class PublicCopy:
    """What a public workspace holds."""

    workspace: Workspace
    indicators: int
    observations: int
    stapeling_cells: int
    imports: int
    left_out_indicators: int


def write_public_workspace(
    source: Workspace,
    target: Path,
    *,
    indicators: frozenset[str],
    overlap_datasets: frozenset[str],
    import_ids: frozenset[int],
) -> PublicCopy:
    """Write a new workspace at ``target`` with only the public part of ``source``.

    Raises
    ------
    WorkspaceError
        ``target`` exists and is not empty (``BB-PUB-020``), or is the source (``BB-PUB-021``).
    """
    if target.resolve() == source.root.resolve():
        raise WorkspaceError(
            "De publieke werkmap kan niet dezelfde map zijn als de bronwerkmap.",
            code="BB-PUB-021",
            hint="Kies een nieuwe, lege map als doel.",
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise WorkspaceError(
            f"De doelmap '{target}' bestaat al en is niet leeg.",
            code="BB-PUB-020",
            hint="Kies een nieuwe map; Buurtbeeld overschrijft geen bestaande werkmap.",
        )
    staging = target.parent / f".{target.name}.nieuw-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        counts = _copy(source, staging / DB_FILE, indicators, overlap_datasets, import_ids)
        config = WorkspaceConfig(
            name=f"{source.config.name} (publiek)",
            default_gemeente=source.config.default_gemeente,
            division_year=source.config.division_year,
            public=True,
        )
        (staging / CONFIG_FILE).write_text(config.to_toml(), encoding="utf-8")
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    indicator_count, observations, cells, imports, left_out = counts
    return PublicCopy(
        open_workspace(target), indicator_count, observations, cells, imports, left_out
    )


def _copy(
    source: Workspace,
    path: Path,
    indicators: frozenset[str],
    datasets: frozenset[str],
    import_ids: frozenset[int],
) -> tuple[int, ...]:
    con = duckdb.connect(str(path))
    try:
        for statement in STATEMENTS:
            con.execute(statement)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        quoted = str(source.db_path).replace("'", "''")  # ATTACH takes no parameter
        con.execute(f"ATTACH '{quoted}' AS src (READ_ONLY)")
        ids, sets, imports = sorted(indicators), sorted(datasets), sorted(import_ids)
        con.execute("INSERT INTO region BY NAME SELECT * FROM src.region")
        con.execute("INSERT INTO boundary BY NAME SELECT * FROM src.boundary")
        con.execute(
            """INSERT INTO import_batch BY NAME
               SELECT * REPLACE ('{}' AS report_json) FROM src.import_batch
               WHERE import_id IN (SELECT unnest(?::INTEGER[]))""",
            [imports],
        )
        con.execute(
            """INSERT INTO indicator_def BY NAME SELECT * FROM src.indicator_def
               WHERE id IN (SELECT unnest(?::VARCHAR[]))""",
            [ids],
        )
        con.execute(
            """INSERT INTO observation BY NAME SELECT * FROM src.observation
               WHERE indicator_id IN (SELECT unnest(?::VARCHAR[]))
               ORDER BY indicator_id, period, region_code""",
            [ids],
        )
        con.execute(
            """INSERT INTO stapeling BY NAME SELECT * FROM src.stapeling
               WHERE dataset IN (SELECT unnest(?::VARCHAR[]))""",
            [sets],
        )
        con.execute(
            """INSERT INTO stapeling_voorziening BY NAME SELECT * FROM src.stapeling_voorziening
               WHERE import_id IN (SELECT DISTINCT import_id FROM stapeling)"""
        )
        queries = (
            "SELECT count(DISTINCT indicator_id) FROM observation",
            "SELECT count(*) FROM observation",
            "SELECT count(*) FROM stapeling",
            "SELECT count(*) FROM import_batch",
            """SELECT count(DISTINCT indicator_id) FROM src.observation
               WHERE indicator_id NOT IN (SELECT DISTINCT indicator_id FROM observation)""",
        )
        counts = tuple(int((con.execute(q).fetchone() or (0,))[0]) for q in queries)
        con.execute("DETACH src")
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return counts
