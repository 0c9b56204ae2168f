"""Run the result tables of a delivery together: one query on DuckDB, one per table on Spark.

Aggregating a delivery reads the same intermediate tables (the classified rows, every unit's
buurt, an amount table's contributions) for several results. On Spark they are materialised
with ``cache()`` and every result is its own query. On DuckDB every materialisation is a
temporary table written and compressed once, and every query costs an Ibis compile and a
round trip: there all results go into **one** query instead, a ``UNION ALL`` of the results
(each padded with empty columns to one shape and tagged with its number), so the shared
intermediate tables become common table expressions that DuckDB computes once within the query,
without writing them. The results are split and sorted again in Arrow.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

PART = "_deel"


class Batch:
    """Result tables, named, to be computed together by :meth:`run`."""

    def __init__(self, backend: BaseBackend) -> None:
        self.backend = backend
        self._parts: dict[str, tuple[ir.Table, list[str]]] = {}
        self._results: dict[str, pa.Table] = {}
        self._shared = 0

    @property
    def materialises(self) -> bool:
        """Whether shared intermediate tables are materialised (every engine but DuckDB)."""
        return self.backend.name != "duckdb"

    @contextmanager
    def shared(self, expr: ir.Table) -> Iterator[ir.Table]:
        """``expr``, read by several results: cached on Spark, a common table expression of the
        one query on DuckDB."""
        if self.materialises:
            with expr.cache() as cached:
                yield cached
        else:
            # a named table expression: Ibis merges no reader's selection into it (a join, for
            # instance, would be computed again for every reader that selects from it)
            self._shared += 1
            yield expr.alias(f"gedeeld_{self._shared}")

    def add(self, name: str, expr: ir.Table, order: list[str] | None = None) -> None:
        """A result, sorted by ``order`` when given. On Spark it is computed right away (while
        the cached tables it reads exist)."""
        if self.materialises:
            keyed = expr.order_by(order) if order else expr
            self._results[name] = self.backend.to_pyarrow(keyed)
        else:
            self._parts[name] = (expr, order or [])

    def run(self) -> None:
        """Compute every result added since the last run (on DuckDB in one query)."""
        if not self._parts:
            return
        parts = list(self._parts.items())
        self._parts = {}
        columns: list[tuple[str, ibis.DataType]] = []
        for i, (_, (expr, _)) in enumerate(parts):
            columns += [
                (f"c{i}_{name}", dtype.copy(nullable=True)) for name, dtype in expr.schema().items()
            ]
        padded = []
        for i, (_, (expr, _)) in enumerate(parts):
            own = {f"c{i}_{name}": expr[name] for name in expr.columns}
            padded.append(
                expr.select(
                    ibis.literal(i, "int16").name(PART),
                    *[
                        (own[c] if c in own else ibis.null(dtype)).cast(dtype).name(c)
                        for c, dtype in columns
                    ],
                )
            )
        union = padded[0] if len(padded) == 1 else ibis.union(*padded, distinct=False)
        table = self.backend.to_pyarrow(union)
        for i, (name, (expr, order)) in enumerate(parts):
            part = table.filter(pc.equal(table[PART], i))
            part = pa.table(
                {c: part[f"c{i}_{c}"] for c in expr.columns},
                schema=expr.schema().to_pyarrow(),
            )
            if order:
                part = part.sort_by([(key, "ascending") for key in order])
            self._results[name] = part

    def result(self, name: str) -> pa.Table:
        """A result computed by :meth:`run` (or right away, on Spark)."""
        return self._results[name]
