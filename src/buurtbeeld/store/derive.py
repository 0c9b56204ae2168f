"""Derived indicators (numerator / denominator × factor), recomputed inside an import.

Computed in SQL in the import's transaction, only where both inputs are published and the
denominator reaches the indicator's minimum (CBS's rule for ratios); otherwise hidden with
the reason.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.store.batches import replace_observations

DERIVE_SQL = """
SELECT ? AS indicator_id, n.region_code, n.period, n.division_year,
       CASE WHEN n.status <> 'hidden' AND d.status <> 'hidden' AND d.value >= ? AND d.value > 0
            THEN n.value / d.value * ? END AS value,
       CASE WHEN n.status <> 'hidden' AND d.status <> 'hidden' AND d.value >= ? AND d.value > 0
            THEN CASE WHEN n.status = 'provisional' OR d.status = 'provisional' THEN 'provisional' ELSE 'value' END
            ELSE 'hidden' END AS status,
       CASE WHEN n.status = 'hidden' OR d.status = 'hidden' THEN 'invoer_verborgen'
            WHEN d.value < ? OR d.value <= 0 THEN 'noemer_te_klein' END AS status_note,
       ? AS import_id
FROM observation n JOIN observation d
  ON d.region_code = n.region_code AND d.period = n.period AND d.indicator_id = ?
WHERE n.indicator_id = ? AND n.period = ?
"""


def derive_for_import(
    con: duckdb.DuckDBPyConnection,
    catalog: Catalog,
    period: str,
    import_id: int,
    changed: set[str],
) -> list[str]:
    """Recompute derived indicators of ``period`` for the regions this import wrote.

    Only derived indicators with a changed input are touched, and only for the regions whose
    input this import wrote; the other input is whatever is stored. Returns their ids.
    """
    derived: list[str] = []
    pending: list[pa.Table] = []

    def flush() -> None:
        if pending:
            replace_observations(con, pa.concat_tables(pending), summarize=False)
            pending.clear()

    for indicator in catalog.indicators:
        rule = indicator.derived
        if rule is None or not {rule.numerator, rule.denominator} & changed:
            continue
        if {rule.numerator, rule.denominator} & set(derived):
            flush()  # a ratio of a ratio: its input must be written first
        affected = (
            "SELECT region_code FROM observation WHERE import_id = ? AND period = ? "
            "AND indicator_id IN (?, ?)"
        )
        inputs = [import_id, period, rule.numerator, rule.denominator]
        rows = con.execute(
            DERIVE_SQL + f" AND n.region_code IN ({affected})",
            [
                indicator.id,
                rule.min_denominator,
                rule.factor,
                rule.min_denominator,
                rule.min_denominator,
                import_id,
                rule.denominator,
                rule.numerator,
                period,
                *inputs,
            ],
        ).to_arrow_table()
        # a region that lost an input has no derived figure any more
        con.execute(
            f"""DELETE FROM observation WHERE indicator_id = ? AND period = ?
                AND region_code IN ({affected}) AND region_code NOT IN (
                  SELECT n.region_code FROM observation n JOIN observation d
                    ON d.region_code = n.region_code AND d.period = n.period AND d.indicator_id = ?
                  WHERE n.indicator_id = ? AND n.period = ?)""",
            [indicator.id, period, *inputs, rule.denominator, rule.numerator, period],
        )
        pending.append(rows.cast(pending[0].schema) if pending else rows)
        changed.add(indicator.id)
        derived.append(indicator.id)
    flush()
    return derived
