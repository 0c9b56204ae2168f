"""A public instance: a new workspace that holds only public data (issue 12 item 3).

``write_public_workspace`` builds a fresh DuckDB file from the schema and copies into it, with
only what is public: regions and boundaries, the observations and definitions of public
indicators, the stapeling cells of public stapeling datasets, and the lineage (``import_batch``)
of imports that wrote nothing internal (without their reports, which may name other imports).
Nothing is copied and then deleted, and the file is written by a fresh process that only ever
held the public rows, so the file never held an internal figure, not even in unused bytes.
``buurtbeeld.toml`` says ``publiek = true``: the app shows everything in it to everyone.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa

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


# What the public file holds: (table, query on the source). The stapeling provisions follow
# the stapeling cells that were selected, the lineage loses its reports.
_PUBLIC_ROWS = (
    ("region", "SELECT * FROM region", None),
    ("boundary", "SELECT * FROM boundary", None),
    (
        "import_batch",
        "SELECT * REPLACE ('{}' AS report_json) FROM import_batch"
        " WHERE import_id IN (SELECT unnest($imports::INTEGER[]))",
        "imports",
    ),
    (
        "indicator_def",
        "SELECT * FROM indicator_def WHERE id IN (SELECT unnest($ids::VARCHAR[]))",
        "ids",
    ),
    (
        "observation",
        "SELECT * FROM observation WHERE indicator_id IN (SELECT unnest($ids::VARCHAR[]))"
        " ORDER BY indicator_id, period, region_code",
        "ids",
    ),
    (
        "stapeling",
        "SELECT * FROM stapeling WHERE dataset IN (SELECT unnest($sets::VARCHAR[]))",
        "sets",
    ),
    (
        "stapeling_voorziening",
        "SELECT * FROM stapeling_voorziening WHERE import_id IN (SELECT DISTINCT import_id"
        " FROM stapeling WHERE dataset IN (SELECT unnest($sets::VARCHAR[])))",
        "sets",
    ),
)


def _copy(
    source: Workspace,
    path: Path,
    indicators: frozenset[str],
    datasets: frozenset[str],
    import_ids: frozenset[int],
) -> tuple[int, ...]:
    """Select the public rows here, write the file in a fresh process that sees only those.

    DuckDB can write uninitialised heap memory into the unused tail of a compressed string block
    (duckdb/duckdb#23382): a file written by a process that has read internal figures may carry
    their bytes. So this process only reads the source and hands the public rows over as Arrow
    IPC files (exact buffers, zero padding); a spawned interpreter, whose heap never held an
    internal figure, writes the DuckDB file from them.
    """
    transfer = path.parent / ".overdracht"
    transfer.mkdir()
    params = {
        "ids": sorted(indicators),
        "sets": sorted(datasets),
        "imports": sorted(import_ids),
    }
    con = duckdb.connect(str(source.db_path), read_only=True)
    try:
        for table, query, name in _PUBLIC_ROWS:
            rows = con.execute(query, {name: params[name]} if name else {}).to_arrow_table()
            with pa.ipc.new_file(transfer / f"{table}.arrow", rows.schema) as writer:
                writer.write_table(rows)
        left_out = con.execute(
            "SELECT count(DISTINCT indicator_id) FROM observation"
            " WHERE indicator_id NOT IN (SELECT unnest($ids::VARCHAR[]))",
            {"ids": params["ids"]},
        ).fetchone()
    finally:
        con.close()
    spawn = multiprocessing.get_context("spawn")  # not fork: a fork inherits this heap
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        counts = pool.submit(_write_fresh, str(path), str(transfer)).result()
    shutil.rmtree(transfer)
    return (*counts, int((left_out or (0,))[0]))


def _write_fresh(path: str, transfer: str) -> tuple[int, int, int, int]:
    """In the spawned process: a new workspace file from the schema and the transferred rows."""
    con = duckdb.connect(path)
    try:
        for statement in STATEMENTS:
            con.execute(statement)
        con.execute("INSERT INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        for table, _, _ in _PUBLIC_ROWS:
            with pa.memory_map(str(Path(transfer) / f"{table}.arrow")) as source:
                rows = pa.ipc.open_file(source).read_all()
            con.register("public_rows", rows)
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM public_rows")
            con.unregister("public_rows")
        queries = (
            "SELECT count(DISTINCT indicator_id) FROM observation",
            "SELECT count(*) FROM observation",
            "SELECT count(*) FROM stapeling",
            "SELECT count(*) FROM import_batch",
        )
        found = [int((con.execute(q).fetchone() or (0,))[0]) for q in queries]
        con.execute("CHECKPOINT")
    finally:
        con.close()
    return found[0], found[1], found[2], found[3]
