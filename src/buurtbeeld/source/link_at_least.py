"""The "k or more provisions" table of a linked delivery (issue 11).

With three or more provisions a linked table (``huishoudens``, ``personen``) gets a second table
``<unit>_minstens``: per period, region and ``k`` (2 to ``n - 1``) the units with ``k`` or more
provisions, summed from the exclusive combinations in Python (both engines' results are the
same table, so the sums are too). It is protected together with the combinations: each of its
cells is the sum of the combinations with ``k`` or more ``ja`` (:func:`at_least_relations`),
so neither a hidden "k or more" nor a hidden combination can be derived from the other. The
package marks it ``"combinaties": "minstens"`` with ``"minstens_van"`` (docs/pakketformaat.md).

Why a cell of its own: the platform can derive "k or more" from published combinations only
when all of them are published (or the total and the smaller ones), and the small 3- and 4-way
combinations are hidden nearly everywhere; on the demo 2+ households then had a figure in 1 of
13 wijken, with these cells in 11 (docs/benchmarks.md, benchmarks/probe_link_at_least.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from buurtbeeld.protect import Relation
from buurtbeeld.protect.published import TOTAL
from buurtbeeld.source.aggregate import AggregatedTable
from buurtbeeld.source.link_results import YES, exclusive_combos
from buurtbeeld.source.periods import Period
from buurtbeeld.source.protection import _cell_key, table_regions
from buurtbeeld.source.regions import Division
from buurtbeeld.source.spec import TableSpec

AT_LEAST = "minstens"
"""The dimension of a "k or more provisions" table; its categories are ``k`` as text."""


def at_least_ks(n: int) -> tuple[int, ...]:
    """The ``k`` of a "k or more" table over ``n`` provisions: 2 to ``n - 1``.

    ``k = 1`` is the table's total and ``k = n`` the one combination of all ``n``: both are
    cells of the combination table already (a second cell of the same count would be rounded
    a second time, which narrows it).
    """
    return tuple(range(2, n))


def at_least_counts(
    data: pa.Table, names: Sequence[str], levels: Sequence[str] | None = None
) -> pa.Table:
    """Per period, region and ``k``: the units with ``k`` or more of the provisions ``names``.

    ``data`` is a linked table (columns ``periode``, ``regiocode``, one per provision, then
    ``aantal``); the count is the sum of its exclusive combinations with at least ``k`` times
    ``ja``. Columns ``periode``, ``regiocode``, ``minstens``, ``aantal``; regions without such
    units are absent (zero), like the combinations. ``levels``: only regions of these levels
    (code prefixes; default all).
    """
    leaves = data
    if levels is not None:
        prefix = pc.utf8_slice_codeunits(data["regiocode"], 0, 2)
        leaves = leaves.filter(pc.is_in(prefix, pa.array(list(levels), pa.string())))
    for name in names:
        leaves = leaves.filter(pc.not_equal(leaves[name], TOTAL))
    yes: Any = pa.array([0] * leaves.num_rows, pa.int64())
    for name in names:
        yes = pc.add(yes, pc.cast(pc.equal(leaves[name], YES), pa.int64()))
    parts = []
    for k in at_least_ks(len(names)):
        chosen = leaves.filter(pc.greater_equal(yes, k))
        summed = chosen.group_by(["periode", "regiocode"]).aggregate([("aantal", "sum")])
        parts.append(
            pa.table(
                {
                    "periode": summed["periode"],
                    "regiocode": summed["regiocode"],
                    AT_LEAST: pa.array([str(k)] * summed.num_rows, pa.string()),
                    "aantal": pc.cast(summed["aantal_sum"], pa.int64()),
                }
            )
        )
    schema = pa.schema(
        [
            ("periode", pa.string()),
            ("regiocode", pa.string()),
            (AT_LEAST, pa.string()),
            ("aantal", pa.int64()),
        ]
    )
    if not parts:
        return schema.empty_table()
    out = pa.concat_tables([t.cast(schema) for t in parts])
    return out.sort_by(
        [("periode", "ascending"), ("regiocode", "ascending"), (AT_LEAST, "ascending")]
    )


def at_least_table(
    table: AggregatedTable, names: list[str], levels: Sequence[str] | None = None
) -> AggregatedTable:
    """The "k or more provisions" table of a linked table (:func:`at_least_counts`), for the
    regions of ``levels`` (code prefixes; default all)."""
    name = f"{table.name}_{AT_LEAST}"
    spec = TableSpec.model_construct(
        naam=name,
        titel=f"Stapeling ({table.unit}, k of meer voorzieningen)",
        dimensies=[AT_LEAST],
        maat="aantal",
        kolom=None,
        eenheid=table.unit,
        richting="neutraal",
    )
    return AggregatedTable(
        name=name,
        spec=spec,
        title=f"{table.unit.capitalize()} met k of meer voorzieningen",
        dimensions=[AT_LEAST],
        additive={AT_LEAST: False},
        measure="aantal",
        unit=table.unit,
        data=at_least_counts(table.data, names, levels),
        combos=tuple((str(k),) for k in at_least_ks(len(names))),
        at_least_of=table.name,
        levels=None if levels is None else tuple(levels),
    )


def at_least_relations(
    dataset: str,
    tables: Sequence[AggregatedTable],
    table: AggregatedTable,
    periods: Sequence[Period],
    division: Division,
) -> list[Relation]:
    """Each cell of the "k or more" ``table`` is the sum of the linked table's combinations with
    ``k`` or more times ``ja`` (every region and period; a combination may be an absent zero):
    the relations joint protection adds (:mod:`.link_protection`)."""
    linked = next(t for t in tables if t.name == table.at_least_of)
    leaves = [c for c in exclusive_combos(linked.dimensions) if TOTAL not in c]
    out = []
    for (k_text,) in table.combos or ():
        chosen = [c for c in leaves if c.count(YES) >= int(k_text)]
        for period in (p.label for p in periods):
            for region in table_regions(table, division):
                out.append(
                    Relation(
                        _cell_key(dataset, period, region, table, (k_text,)),
                        tuple(_cell_key(dataset, period, region, linked, c) for c in chosen),
                    )
                )
    return out
