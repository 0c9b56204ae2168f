"""Run the result tables of a delivery together: one query on DuckDB, one per table on Spark.

Aggregating a delivery reads the same intermediate tables (the classified rows, every unit's
buurt, an amount table's contributions) for several results. On Spark they are materialised
with ``cache()`` and every result is its own query. On DuckDB every materialisation is a
temporary table written and compressed once, and every query costs an Ibis compile and a
round trip: there all results go into **one** query instead, a ``UNION ALL`` of the results
(each padded with empty columns to one shape and tagged with its number), so the shared
intermediate tables become common table expressions that DuckDB computes once within the query,
without writing them. DuckDB sorts the union; the results are slices of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
from ibis.backends import BaseBackend

PART = "_deel"


def _slots(schema: ibis.Schema, order: list[str]) -> dict[ibis.DataType, list[str]]:
    """The columns of a result per (nullable) type, its sort keys first: the union has, per
    type, as many columns as the widest result needs (not one per column of every result)."""
    out: dict[ibis.DataType, list[str]] = {}
    for name in [*order, *(c for c in schema.names if c not in order)]:
        out.setdefault(schema[name].copy(nullable=True), []).append(name)
    return out


def _sort_slots(
    parts: list[tuple[ir.Table, list[str]]], name_of: dict[ibis.DataType, str]
) -> list[str] | None:
    """The union's columns to sort by after the part number, when every sorted result's keys
    lie in the same slots (they do when the keys are all text, as in the aggregation); else
    ``None`` (the results are sorted one by one in Arrow).

    Keys of a result are unique, so whatever follows them in the sort does not matter."""
    longest: list[str] = []
    for expr, order in parts:
        seen: Counter[ibis.DataType] = Counter()
        own = []
        for key in order:
            dtype = expr.schema()[key].copy(nullable=True)
            own.append(f"{name_of[dtype]}_{seen[dtype]}")
            seen[dtype] += 1
        if own[: len(longest)] != longest[: len(own)]:
            return None
        longest = max(longest, own, key=len)
    return longest


def _typed(value: ir.Value, dtype: ibis.DataType) -> ir.Value:
    return value if value.type() == dtype else value.cast(dtype)


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
        return bool(self.backend.name != "duckdb")

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
        # per result its columns per type, its sort keys first: the union sorted by the part
        # number and the slots of the keys is every result sorted by its own keys
        slots = [_slots(expr.schema(), order) for _, (expr, order) in parts]
        width: dict[ibis.DataType, int] = {}
        for own in slots:
            for dtype, names in own.items():
                width[dtype] = max(width.get(dtype, 0), len(names))
        name_of = {dtype: f"s{t}" for t, dtype in enumerate(width)}
        keys = _sort_slots([(expr, order) for _, (expr, order) in parts], name_of)
        padded = []
        for i, ((_, (expr, _)), own) in enumerate(zip(parts, slots, strict=True)):
            columns: list[ir.Value] = [ibis.literal(i, "int16").name(PART)]
            for dtype, n in width.items():
                names = own.get(dtype, [])
                columns += [
                    (_typed(expr[names[k]], dtype) if k < len(names) else ibis.null(dtype)).name(
                        f"{name_of[dtype]}_{k}"
                    )
                    for k in range(n)
                ]
            padded.append(expr.select(*columns))
        union = padded[0] if len(padded) == 1 else ibis.union(*padded, distinct=False)
        table = self.backend.to_pyarrow(union.order_by([PART, *(keys or [])]))
        sizes = {
            int(row["values"]): int(row["counts"])
            for row in pc.value_counts(table[PART]).to_pylist()
        }
        offset = 0
        for i, ((name, (expr, order)), own) in enumerate(zip(parts, slots, strict=True)):
            rows = table.slice(offset, sizes.get(i, 0))
            offset += sizes.get(i, 0)
            slot = {
                column: f"{name_of[dtype]}_{k}"
                for dtype, names in own.items()
                for k, column in enumerate(names)
            }
            part = pa.table(
                {c: rows[slot[c]] for c in expr.columns}, schema=expr.schema().to_pyarrow()
            )
            if order and keys is None:
                part = part.sort_by([(key, "ascending") for key in order])
            self._results[name] = part

    def result(self, name: str) -> pa.Table:
        """A result computed by :meth:`run` (or right away, on Spark)."""
        return self._results[name]
