"""Writes shared by the open-data import and the package intake (inside their transaction)."""

from __future__ import annotations

import duckdb
import pyarrow as pa


def next_import_id(con: duckdb.DuckDBPyConnection) -> int:
    """The id the next import batch gets."""
    row = con.execute("SELECT coalesce(max(import_id), 0) + 1 FROM import_batch").fetchone()
    return int(row[0]) if row else 1


def insert_observations(con: duckdb.DuckDBPyConnection, table: pa.Table) -> None:
    """Append observations sorted by key, so DuckDB's zone maps prune code-range queries."""
    con.register("new_observations", table)
    try:
        con.execute(
            "INSERT INTO observation SELECT * FROM new_observations ORDER BY indicator_id, period, region_code"
        )
    finally:
        con.unregister("new_observations")
