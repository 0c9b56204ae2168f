"""Results computed together in one DuckDB query come back as if each were its own query."""

from __future__ import annotations

import ibis
import pyarrow as pa

from buurtbeeld.source.batch import Batch
from buurtbeeld.source.engines import connect


def _rows() -> ibis.Table:
    return ibis.memtable(
        pa.table(
            {
                "periode": ["2024", "2024", "2023", "2024", "2023"],
                "regio": ["b", "a", "a", "a", "c"],
                "n": [1, 2, 3, 4, 5],
                "bedrag": [1.5, 2.5, 3.5, 4.5, 5.5],
            }
        )
    )


def _alone(con: object, expr: ibis.Table, order: list[str]) -> pa.Table:
    return con.to_pyarrow(expr.order_by(order) if order else expr)  # type: ignore[attr-defined]


def test_results_of_different_shapes_are_split_and_sorted_as_alone() -> None:
    con = connect("duckdb")
    batch = Batch(con)
    assert not batch.materialises
    with batch.shared(_rows()) as rows:
        per_region = rows.group_by(["periode", "regio"]).aggregate(aantal=rows.n.sum())
        per_period = rows.group_by("periode").aggregate(aantal=rows.count(), som=rows.bedrag.sum())
        empty = rows.filter(rows.n > 99).select("regio", "n")
        # a sort key that is a number: the results are sorted one by one instead
        by_number = rows.select("n", "regio")
        wanted = {
            "per_region": (per_region, ["periode", "regio"]),
            "per_period": (per_period, ["periode"]),
            "empty": (empty, []),
        }
        for name, (expr, order) in wanted.items():
            batch.add(name, expr, order)
        batch.run()
        for name, (expr, order) in wanted.items():
            assert batch.result(name).equals(_alone(con, expr, order)), name
        batch.add("by_number", by_number, ["n"])
        batch.add("per_region_again", per_region, ["periode", "regio"])
        batch.run()
        assert batch.result("by_number").equals(_alone(con, by_number, ["n"]))
        assert batch.result("per_region_again").equals(
            _alone(con, per_region, ["periode", "regio"])
        )
    assert batch.result("per_region").column("aantal").to_pylist() == [3, 5, 6, 1]
    assert batch.result("empty").num_rows == 0
