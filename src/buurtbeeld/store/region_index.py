"""Every observation of a served workspace grouped by region, for the region profile.

The observation table is sorted by (indicator, period, region) so that maps — one indicator and
period for many regions — prune on DuckDB's zone maps. A profile asks the opposite: every
indicator and period for one region and its wijk, gemeente and the country. On that order each
profile query scans the whole table (60–140 ms per query on the national demo, four to five
queries per page: 433 ms). A served workspace cannot change, so this index reads the table once,
ordered by region, into Arrow columns (strings dictionary-encoded: about 25 bytes per
observation) and answers a region with a slice.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

COLUMNS = ("indicator_id", "value", "status", "status_note", "period", "division_year")


@dataclass(frozen=True)
class RegionObservation:
    """One stored observation of a region (hidden cells carry no value)."""

    indicator_id: str
    value: float | None
    status: str
    note: str | None
    period: str
    division_year: int | None = None  # the division the figure follows (health monitor: 2020)


class RegionIndex:
    """Observations by region code, read on first use (thread-safe)."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._lock = threading.Lock()
        self._table: pa.Table | None = None
        self._spans: dict[str, tuple[int, int]] = {}

    def observations(self, code: str) -> list[RegionObservation]:
        """Every observation of ``code``, by indicator and period (oldest first)."""
        table = self._load()
        span = self._spans.get(code)
        if span is None:
            return []
        part = table.slice(span[0], span[1] - span[0]).to_pydict()
        return [
            RegionObservation(*values) for values in zip(*(part[c] for c in COLUMNS), strict=True)
        ]

    def _load(self) -> pa.Table:
        if self._table is not None:
            return self._table
        with self._lock:
            if self._table is None:
                table = (
                    self._con.cursor()
                    .execute(
                        "SELECT region_code, indicator_id, value, status, status_note, period, division_year "
                        "FROM observation ORDER BY region_code, indicator_id, period"
                    )
                    .to_arrow_table()
                )
                self._spans = _spans(table.column("region_code"))
                table = table.drop_columns(["region_code"])
                for name in ("indicator_id", "status", "status_note", "period"):
                    index = table.schema.get_field_index(name)
                    table = table.set_column(index, name, pc.dictionary_encode(table.column(name)))
                self._table = table.combine_chunks()
        return self._table


def _spans(codes: pa.ChunkedArray) -> dict[str, tuple[int, int]]:
    """(start, end) row of every code in a sorted column."""
    if len(codes) == 0:
        return {}
    runs = pc.run_end_encode(codes.combine_chunks())
    ends = runs.run_ends.to_pylist()
    starts = [0, *ends[:-1]]
    return dict(zip(runs.values.to_pylist(), zip(starts, ends, strict=True), strict=True))
