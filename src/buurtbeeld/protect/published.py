"""A protected table as published: the one definition both sides share.

The source toolkit protects tables and the platform verifies what arrives; both must agree on
what an attacker can combine. This module is that agreement, in one place:

- :data:`TOTAL`, the code of a dimension's total;
- :func:`table_relations`, every relation between the cells of a published table: the region
  hierarchy per category, the total of every additive dimension, and for a multi-valued
  (non-additive) dimension the inequalities ``category <= distinct total`` and
  ``sum of categories >= distinct total`` (every unit has at least one category);
- :func:`published_interval`, what a published value tells about the true value;
- :class:`Mark`, what a package says about a hidden cell (one hidden status since package
  format 3; the letters ``u``/``x`` of formats 1 and 2 tell primary from secondary).

Pure: no I/O. The wire letters themselves belong to the package contract
(:mod:`buurtbeeld.package_format`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import product

from buurtbeeld.protect.rounding import is_producible_count
from buurtbeeld.protect.rules import Profile

TOTAL = "totaal"
"""The code of a dimension's total (``categorie`` column and dimension columns)."""

TableCell = tuple[str, tuple[str, ...]]
"""A cell of one table: region code and one code per dimension (:data:`TOTAL` for a total)."""


@dataclass(frozen=True, slots=True)
class Dimension:
    """A dimension of a published table.

    ``additive``: the total is the sum of the categories (each unit in one category).
    Otherwise the dimension is multi-valued (a client with several voorzieningen): each
    category is at most the distinct total, and the categories together are at least it.
    """

    name: str
    additive: bool = True


@dataclass
class TableRelations:
    """The relations between the cells of one table (cells as :data:`TableCell`)."""

    equal: list[tuple[TableCell, tuple[TableCell, ...]]] = field(default_factory=list)
    """``total = sum(parts)``."""
    at_least: list[tuple[tuple[TableCell, ...], tuple[TableCell, ...]]] = field(
        default_factory=list
    )
    """``(greater, lesser)``: ``sum(greater) >= sum(lesser)``."""


def _with(combo: tuple[str, ...], i: int, code: str) -> tuple[str, ...]:
    return (*combo[:i], code, *combo[i + 1 :])


def table_relations(
    children: Mapping[str, Sequence[str]],
    dimensions: Sequence[Dimension],
    cells: Iterable[TableCell],
    *,
    exclusive: bool = False,
) -> TableRelations:
    """Every relation an attacker knows between the cells of one published table.

    Parameters
    ----------
    children
        The division's region hierarchy (parent code -> child codes), complete: a child the
        table leaves out still counts (as an unknown cell).
    dimensions
        The table's dimensions, in the order of the codes in a cell.
    cells
        The table's cells. Relations may name cells that are not among them (a region the
        table leaves out; the distinct total of a multi-valued dimension, which the toolkit
        publishes in a separate ``<table>_totaal`` table): the caller decides what they are.
    exclusive
        A table of *exclusive combinations* (a linked table, issue 11): it publishes only
        some cells of the cross table of its additive dimensions - the leaves (no total) and a
        few cells with totals (the per-provision marginals, the region total) - so the chain of
        one-dimension totals is broken. Instead each cell with totals is the sum of the leaves
        that agree with it in every other dimension (``2^j`` leaves for ``j`` totals; a leaf
        the table leaves out, such as a structural zero, is named all the same). On a full
        cross table this gives the same affine space as the one-dimension totals.

    Returns
    -------
    TableRelations
        Per category combination, every parent region = sum of its child regions (where the
        table has the parent and at least one child); per region and additive dimension, the
        total = sum of the categories; per region and multi-valued dimension, each category
        <= the distinct total and the categories together >= it.
    """
    present = sorted(set(cells))
    regions = sorted({region for region, _ in present})
    in_table = set(regions)
    combos = sorted({combo for _, combo in present})
    out = TableRelations()
    for parent in regions:
        kids = sorted(children.get(parent, ()))
        if any(k in in_table for k in kids):
            for combo in combos:
                out.equal.append(((parent, combo), tuple((k, combo) for k in kids)))
    if exclusive:
        out.equal += _leaf_sums(len(dimensions), regions, combos)
        return out
    for i, dim in enumerate(dimensions):
        categories = sorted({c[i] for c in combos} - {TOTAL})
        if not categories:
            continue
        if dim.additive:
            if not any(c[i] == TOTAL for c in combos):
                continue
            for region in regions:
                for combo in combos:
                    if combo[i] == TOTAL:
                        parts = tuple((region, _with(combo, i, c)) for c in categories)
                        out.equal.append(((region, combo), parts))
            continue
        groups = sorted({_with(c, i, TOTAL) for c in combos if c[i] != TOTAL})
        for region in regions:
            for total in groups:
                parts = tuple((region, _with(total, i, c)) for c in categories)
                for part in parts:
                    out.at_least.append((((region, total),), (part,)))
                out.at_least.append((parts, ((region, total),)))
    return out


def _leaf_sums(
    n_dims: int, regions: Sequence[str], combos: Sequence[tuple[str, ...]]
) -> list[tuple[TableCell, tuple[TableCell, ...]]]:
    """Per region, every present cell with totals = the sum of its leaves (``exclusive``)."""
    categories = [sorted({c[i] for c in combos} - {TOTAL}) for i in range(n_dims)]
    out: list[tuple[TableCell, tuple[TableCell, ...]]] = []
    for combo in combos:
        if TOTAL not in combo:
            continue
        options = [categories[i] if v == TOTAL else [v] for i, v in enumerate(combo)]
        leaves = list(product(*options))
        for region in regions:
            out.append(((region, combo), tuple((region, leaf) for leaf in leaves)))
    return out


def at_least_parts(provisions: Sequence[str], k: int) -> list[tuple[tuple[str, str], ...]]:
    """The exclusive combinations of ``provisions`` with ``k`` or more ``ja``, each as its sorted
    ``(dimension, value)`` pairs: the parts of a "k or more provisions" cell (issue 11)."""
    out = []
    for leaf in product(("ja", "nee"), repeat=len(provisions)):
        if leaf.count("ja") >= k:
            out.append(tuple(sorted(zip(provisions, leaf, strict=True))))
    return out


def producible(value: float, profile: Profile) -> bool:
    """Whether a profile can publish this count at all (multiple of the base, never from the
    hidden range: a published 5 under ``cbs-zorg`` can only be a re-published small count)."""
    rule = profile.frequency
    return is_producible_count(
        value,
        base=profile.rounding_base or 1,
        hidden_min=rule.hidden_min if rule else None,
        hidden_max=rule.hidden_max if rule else None,
    )


def published_interval(value: float, profile: Profile | None) -> tuple[float, float]:
    """What a published count tells an attacker who knows the profile: ``[low, up]``.

    Random rounding to base ``b`` leaves ``[r - (b-1), r + (b-1)]`` (at least 0); a published
    count is never in the hidden range, so a non-zero one is above it and a zero is a true zero
    where zeros are published. ``profile=None``: an exact value (amounts, unrounded counts).
    """
    if profile is None:
        return value, value
    base = profile.rounding_base or 1
    low, up = max(0.0, value - (base - 1)), value + (base - 1)
    rule = profile.frequency
    if rule is not None:
        if value > 0:
            low = max(low, float(rule.hidden_max + 1))
        elif rule.hidden_min > 0:
            up = min(up, float(rule.hidden_min - 1))
    return low, up


class Mark(StrEnum):
    """What a package tells about a hidden cell."""

    HIDDEN = "hidden"
    """One hidden status (package format 3, and figures the platform already published): the
    attacker cannot tell primary from secondary."""
    PRIMARY = "primary"
    """Letter ``u`` (formats 1 and 2): the attacker knows the count is in the hidden range."""
    SECONDARY = "secondary"
    """Letter ``x`` (formats 1 and 2): the attacker knows the count is above the hidden range."""
