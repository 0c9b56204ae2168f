"""The tables an aggregation shares between its output tables (see
:mod:`buurtbeeld.source.aggregate`): the active records narrowed per use, every unit's buurt
and the unit × category pairs of a multi-valued dimension.

On DuckDB all output tables of a delivery are one query (:mod:`buurtbeeld.source.batch`), where
a shared table is a common table expression that DuckDB writes out in full: each use gets its
own narrow selection of the records, and only what is read twice is shared.
"""

from __future__ import annotations

from contextlib import ExitStack

import ibis
import ibis.expr.types as ir

from buurtbeeld.source.batch import Batch
from buurtbeeld.source.normalise import amount_columns, holding_key
from buurtbeeld.source.spec import DeliverySpec, Dimension
from buurtbeeld.source.units import ActiveRecords


def dimension_value(act: ir.Table, dim: Dimension) -> ir.StringValue:
    """A record's category of ``dim``: its value, or the band of a number or an age."""
    value = act[f"d_{dim.naam}"]
    if dim.soort == "categorie":
        return value
    labels = dim.band_labels()
    bands = dim.klassen or []
    number = (act.p_ref - value) // 10000 if dim.soort == "leeftijd" else value
    cases = [(number >= lo, label) for lo, label in reversed(list(zip(bands, labels, strict=True)))]
    return ibis.cases(*cases, else_=ibis.null("string"))


class ActiveRows:
    """The active records for one use, with the category (``c_<naam>``) of the named dimensions.

    Each use gets its own selection of the columns it reads, so that no selection is shared
    (on DuckDB, where all results are one query, a shared one is written out in full) —
    unless the records of several periods are shared on purpose (``shared``).
    """

    def __init__(
        self, records: ActiveRecords, dims: dict[str, Dimension], shared: ir.Table | None
    ) -> None:
        self._records = records
        self._dims = dims
        self._shared = shared

    def __call__(self, columns: list[str], names: list[str]) -> ir.Table:
        if self._shared is not None:
            return self._shared
        act = self._records.narrow([*columns, *(f"d_{n}" for n in names)])
        return act.mutate(**{f"c_{n}": dimension_value(act, self._dims[n]) for n in names})


class SharedUnits:
    """The per-unit tables of count tables, kept for an amount table of the same delivery whose
    holdings are the same units: each unit's latest buurt is computed once, and so are the
    (unit, category) pairs of a multi-valued dimension and their sums."""

    def __init__(
        self, spec: DeliverySpec, stack: ExitStack, batch: Batch, rows: ActiveRows
    ) -> None:
        self._stack = stack
        self._batch = batch
        self._rows = rows
        self._wanted = {holding_key(spec) for t in spec.tabellen if t.maat == "som"}
        self._units: dict[str, ir.Table] = {}
        # amount columns per (holding, dimension) of the amount tables with one dimension
        self._amounts: dict[tuple[str, str], list[str]] = {}
        for t in spec.tabellen:
            if t.maat == "som" and len(t.dimensies) == 1:
                column = f"bedrag_{amount_columns(spec).index(t.kolom or '')}"
                self._amounts.setdefault((holding_key(spec), t.dimensies[0]), []).append(column)
        self._pairs: dict[tuple[str, str], ir.Table] = {}

    def incidence(self, unit: str, dim: str) -> ir.Table:
        """(periode, unit, dim) once for every unit and each of its categories. An amount table
        of the same holdings and this one dimension sums its amounts per holding and category
        over the same groups: they are summed here too, in the same pass (:meth:`sums`)."""
        columns = self._amounts.get((unit, dim), [])
        if (unit, dim) in self._pairs:
            return self._pairs[(unit, dim)].select("periode", unit, dim)
        act = self._rows([unit, *columns], [dim])
        keys = ["periode", unit, act[f"c_{dim}"].name(dim)]
        if not columns:
            return act.select(*keys).distinct()
        pairs = act.group_by(keys).aggregate(**{c: act[c].sum() for c in columns})
        self._pairs[(unit, dim)] = self._stack.enter_context(self._batch.shared(pairs))
        return self._pairs[(unit, dim)].select("periode", unit, dim)

    def sums(self, holding: str, names: list[str], column: str) -> ir.Table | None:
        """(periode, holding, dimension, ``cent``) from :meth:`incidence`, if it summed them."""
        pairs = self._pairs.get((holding, names[0])) if len(names) == 1 else None
        return (
            None
            if pairs is None
            else pairs.select("periode", holding, names[0], cent=pairs[column])
        )

    def keep(self, unit: str, units: ir.Table, *, reused: bool) -> ir.Table:
        """``units`` (shared when it is read again here or by an amount table)."""
        if unit in self._wanted and unit not in self._units:
            cached = self._stack.enter_context(self._batch.shared(units))
            self._units[unit] = cached
            return cached
        return self._stack.enter_context(self._batch.shared(units)) if reused else units

    def region(self, holding: str) -> ir.Table | None:
        """(periode, holding, buurt) from a count table's units, if there was one."""
        units = self._units.get(holding)
        return None if units is None else units.select("periode", holding, "buurt")
