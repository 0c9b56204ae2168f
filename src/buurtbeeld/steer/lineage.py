"""What the cube's import lineage says about sources (read-only queries on ``Cube.cursor()``).

A *source* is a dataset of ``import_batch``: ``kwb``, ``gezondheidsmonitor``, or
``pakket:<dataset>`` for a partner package. Counts only, never a value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from buurtbeeld.store.cube import Cube

LEVELS = ("gemeente", "wijk", "buurt")


@dataclass
class SourceLineage:
    """One source as the workspace's imports show it."""

    dataset: str
    label: str
    last_delivery: datetime | None
    periods: list[str]
    files: int
    indicators: list[str] = field(default_factory=list)
    # level → (published, hidden) cells at each indicator's latest period
    coverage: dict[str, tuple[int, int]] = field(default_factory=dict)


def source_lineage(cube: Cube, gemeente: str | None = None) -> dict[str, SourceLineage]:
    """Every imported source with its last delivery, periods, indicators and coverage.

    Coverage counts the cells of each indicator's latest period (of a linked package: its
    combination cells of the latest period): of ``gemeente`` and its wijken
    and buurten when given (what that gemeente has of the source), else of every region.
    """
    cur = cube.cursor()
    where, params = "", []
    if gemeente:
        where = "WHERE o.region_code = ? OR o.region_code LIKE ? OR o.region_code LIKE ?"
        params = [gemeente, f"WK{gemeente[2:]}%", f"BU{gemeente[2:]}%"]
    out: dict[str, SourceLineage] = {}
    for dataset, label, last, periods, files in cur.execute(
        """SELECT dataset, arg_max(source_label, imported_at), max(imported_at),
                  string_agg(periods, ','), count(*)
           FROM import_batch GROUP BY dataset ORDER BY dataset"""
    ).fetchall():
        found = sorted({p.strip() for p in str(periods or "").split(",") if p.strip()})
        out[dataset] = SourceLineage(dataset, label, last, found, int(files))
    for dataset, indicator in cur.execute(
        """SELECT DISTINCT b.dataset, o.indicator_id FROM observation o
           JOIN import_batch b USING (import_id) ORDER BY 1, 2"""
    ).fetchall():
        if dataset in out:
            out[dataset].indicators.append(indicator)
    for dataset, level, published, hidden in cur.execute(
        """WITH obs AS (
             SELECT b.dataset, o.indicator_id, o.period, o.status, o.region_code, o.division_year
             FROM observation o JOIN import_batch b USING (import_id)),
           latest AS (SELECT dataset, indicator_id, max(period) AS period FROM obs GROUP BY 1, 2),
           shown AS (SELECT obs.* FROM obs JOIN latest USING (dataset, indicator_id, period))
           SELECT o.dataset, r.level,
                  count(*) FILTER (o.status IN ('value', 'provisional')),
                  count(*) FILTER (o.status = 'hidden')
           FROM shown o
           JOIN region r ON r.code = o.region_code AND r.division_year = o.division_year
           """
        + where
        + " GROUP BY 1, 2",
        params,
    ).fetchall():
        if dataset in out and level in LEVELS:
            out[dataset].coverage[level] = (int(published), int(hidden))
    # a linked (stapeling) package's cells are combinations, not indicators: same counts
    for dataset, level, published, hidden in cur.execute(
        """WITH cells AS (
             SELECT b.dataset, s.period, s.status, s.region_code AS region_code, s.division_year
             FROM stapeling s JOIN import_batch b USING (import_id)),
           latest AS (SELECT dataset, max(period) AS period FROM cells GROUP BY 1),
           o AS (SELECT cells.* FROM cells JOIN latest USING (dataset, period))
           SELECT o.dataset, r.level,
                  count(*) FILTER (o.status = 'value'), count(*) FILTER (o.status = 'hidden')
           FROM o JOIN region r ON r.code = o.region_code AND r.division_year = o.division_year
           """
        + where
        + " GROUP BY 1, 2",
        params,
    ).fetchall():
        if dataset in out and level in LEVELS:
            shown, kept = out[dataset].coverage.get(level, (0, 0))
            out[dataset].coverage[level] = (shown + int(published), kept + int(hidden))
    return out


@dataclass(frozen=True)
class IndicatorReach:
    """Where an indicator has published figures inside one gemeente, and how recent."""

    indicator_id: str
    latest_period: str | None
    levels: tuple[str, ...]  # levels with at least one published figure in the gemeente


def indicator_reach(
    cube: Cube, indicator_ids: list[str], gemeente: str
) -> dict[str, IndicatorReach]:
    """Per indicator: its latest period anywhere, and the levels with figures in ``gemeente``."""
    digits = gemeente[2:]
    rows = (
        cube.cursor()
        .execute(
            """SELECT o.indicator_id, r.level FROM observation o
               JOIN region r ON r.code = o.region_code AND r.division_year = o.division_year
               WHERE o.indicator_id IN (SELECT unnest(?::VARCHAR[]))
                 AND o.status IN ('value', 'provisional')
                 AND (o.region_code = ? OR o.region_code LIKE ? OR o.region_code LIKE ?)
               GROUP BY 1, 2""",
            [indicator_ids, gemeente, f"WK{digits}%", f"BU{digits}%"],
        )
        .fetchall()
    )
    levels: dict[str, set[str]] = {}
    for indicator, level in rows:
        levels.setdefault(indicator, set()).add(level)
    out = {}
    for indicator in indicator_ids:
        periods = cube.periods(indicator)
        out[indicator] = IndicatorReach(
            indicator,
            periods[-1] if periods else None,
            tuple(lv for lv in LEVELS if lv in levels.get(indicator, set())),
        )
    return out


def cell_source(cube: Cube, indicator_id: str, period: str, code: str) -> str | None:
    """The import (source label and file) a stored figure came from, or ``None``."""
    row = (
        cube.cursor()
        .execute(
            """SELECT b.source_label, b.file_name FROM observation o
               JOIN import_batch b USING (import_id)
               WHERE o.indicator_id = ? AND o.period = ? AND o.region_code = ?""",
            [indicator_id, period, code],
        )
        .fetchone()
    )
    return f"{row[0]} ({row[1]})" if row else None
