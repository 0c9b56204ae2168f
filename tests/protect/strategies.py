"""Hypothesis strategies: random gemeente > several wijken > buurten tables - counts by one
category, several linked tables over several periods, amounts, and deliveries with a
multi-valued dimension (``deliveries``)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from hypothesis import strategies as st

from buurtbeeld.protect import (
    TOTAL,
    Cell,
    Dimension,
    Inequality,
    Relation,
    Table,
    TableCell,
    build_cross_table,
    table_relations,
)


@st.composite
def hierarchical_tables(draw: st.DrawFn, max_wijken: int = 3, max_buurten: int = 4) -> Table:
    """A gemeente > wijk > buurt x category table with many small counts."""
    n_wijken = draw(st.integers(2, max_wijken))
    regions: dict[str, list[str]] = {"GM0001": []}
    leaves = []
    for w in range(n_wijken):
        wijk = f"WK0001{w:02d}"
        regions["GM0001"].append(wijk)
        regions[wijk] = [f"BU0001{w:02d}{b:02d}" for b in range(draw(st.integers(1, max_buurten)))]
        leaves += regions[wijk]
    categories = [f"cat{k}" for k in range(draw(st.integers(1, 4)))]
    count = st.one_of(st.integers(0, 12), st.integers(0, 60))
    counts = {(b, c): draw(count) for b in leaves for c in categories}
    return build_cross_table(counts, [regions, {"totaal": categories}])


@st.composite
def magnitude_tables(draw: st.DrawFn) -> Table:
    """A gemeente > wijken > buurten x category amount table; households contribute to one or
    more cells (amounts in cents, so totals are not round)."""
    from buurtbeeld.protect import build_magnitude_table

    regions = _regions(draw, "GM0002", 3, 3)
    buurten = [b for w in regions["GM0002"] for b in regions[w]]
    categories = [f"cat{k}" for k in range(draw(st.integers(1, 3)))]
    contributions: dict[tuple[str, str], list[tuple[str, float]]] = {}
    for b in buurten:
        for c in categories:
            n = draw(st.integers(0, 5))
            contributions[(b, c)] = [
                (f"hh{draw(st.integers(0, 12))}", draw(st.integers(1, 200_000)) / 100)
                for _ in range(n)
            ]
    return build_magnitude_table(contributions, [regions, {"totaal": categories}])


def _in_period(table: Table, period: str) -> Table:
    """The same table for one period: every key starts with the period."""
    return Table(
        cells=tuple(dataclasses.replace(c, key=(period, *c.key)) for c in table.cells),
        relations=tuple(
            Relation((period, *r.total), tuple((period, *p) for p in r.parts))
            for r in table.relations
        ),
        link_keys=frozenset((period, *k) for k in table.link_keys),
    )


@st.composite
def linked_tables(draw: st.DrawFn, max_periods: int = 2) -> Table:
    """Several periods of two tables over the same units - by category and by age band -
    linked through their common totals (the toolkit's delivery of several tables)."""
    from buurtbeeld.protect import link_tables

    regions = _regions(draw, "GM0003", 3, 3)
    buurten = [b for w in regions["GM0003"] for b in regions[w]]
    categories = ["wmo", "jeugd"]
    ages = ["0-17", "18-64", "65+"]
    tables = []
    for p in range(draw(st.integers(1, max_periods))):
        units = draw(
            st.lists(
                st.tuples(
                    st.sampled_from(buurten), st.sampled_from(categories), st.sampled_from(ages)
                ),
                min_size=1,
                max_size=80,
            )
        )
        by_cat: dict[tuple[str, str], int] = {}
        by_age: dict[tuple[str, str], int] = {}
        for buurt, cat, age in units:
            by_cat[(buurt, cat)] = by_cat.get((buurt, cat), 0) + 1
            by_age[(buurt, age)] = by_age.get((buurt, age), 0) + 1
        period = f"2024-K{p + 1}"
        tables.append(
            _in_period(build_cross_table(by_cat, [regions, {"totaal": categories}]), period)
        )
        tables.append(_in_period(build_cross_table(by_age, [regions, {"totaal": ages}]), period))
    return link_tables(*tables)


@dataclass
class Delivery:
    """A count table as a source publishes it: true counts of distinct units per region and
    category (or categories, for a multi-valued dimension), the relations of
    :func:`table_relations` as a :class:`Table`, and what the platform needs to see it."""

    table: Table
    keys: list[TableCell]
    dimensions: tuple[Dimension, ...]
    children: dict[str, list[str]]


def _regions(
    draw: st.DrawFn, gemeente: str, max_wijken: int, max_buurten: int
) -> dict[str, list[str]]:
    """gemeente > several wijken > buurten (CBS-shaped codes)."""
    digits = gemeente[2:]
    children: dict[str, list[str]] = {gemeente: []}
    for w in range(draw(st.integers(2, max_wijken))):
        wijk = f"WK{digits}{w:02d}"
        children[gemeente].append(wijk)
        children[wijk] = [
            f"BU{digits}{w:02d}{b:02d}" for b in range(draw(st.integers(1, max_buurten)))
        ]
    return children


@st.composite
def deliveries(
    draw: st.DrawFn, max_wijken: int = 3, max_buurten: int = 3, multi: bool | None = None
) -> Delivery:
    """Random units, each in one buurt with one category (additive dimension) or several
    (multi-valued: categories <= distinct total <= their sum), counted per region level."""
    children = _regions(draw, "GM0001", max_wijken, max_buurten)
    buurten = [b for w in children["GM0001"] for b in children[w]]
    categories = [f"cat{k}" for k in range(draw(st.integers(2, 3)))]
    is_multi = draw(st.booleans()) if multi is None else multi
    units = draw(
        st.lists(
            st.tuples(
                st.sampled_from(buurten),
                st.sets(st.sampled_from(categories), min_size=1, max_size=3 if is_multi else 1),
            ),
            min_size=1,
            max_size=90,
        )
    )
    up = {b: [b, w, "GM0001"] for w in children["GM0001"] for b in children[w]}
    counts: dict[TableCell, int] = {}
    for buurt, cats in units:
        for region in up[buurt]:
            for code in (TOTAL, *cats):
                counts[(region, (code,))] = counts.get((region, (code,)), 0) + 1
    regions = ["GM0001", *children["GM0001"], *buurten]
    keys = [(r, (c,)) for r in regions for c in (TOTAL, *categories)]
    dims = (Dimension("soort", additive=not is_multi),)
    found = table_relations(children, dims, keys)
    table = Table(
        cells=tuple(Cell(key=(r, *combo), count=counts.get((r, combo), 0)) for r, combo in keys),
        relations=tuple(
            Relation((t[0], *t[1]), tuple((p[0], *p[1]) for p in parts)) for t, parts in found.equal
        ),
        inequalities=tuple(
            Inequality(tuple((c[0], *c[1]) for c in big), tuple((c[0], *c[1]) for c in small))
            for big, small in found.at_least
        ),
    )
    return Delivery(table, keys, dims, children)
