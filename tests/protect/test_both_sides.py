"""One suite for both audits: the toolkit's (``audit_protected``, which knows the true values)
and the platform's (``verify``, which sees only what is published, with one hidden status).

With exact published values the two must give the same verdict on any suppression pattern:
both require every hidden cell not to be exact and every primary not to be pinned inside the
hidden range; the platform asks the latter of every hidden cell, which a secondary always meets
(its true value lies above the range and fits every published figure).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buurtbeeld.protect import (
    CellStatus,
    Mark,
    TableView,
    audit_protected,
    get_profile,
    protect_table,
    verify,
)

from .strategies import Delivery, deliveries

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PROFILES = st.sampled_from(["cbs-zorg", "drempel-10"])
SIDES = ["bron", "platform"]


def passes(side: str, case: Delivery, statuses: Sequence[CellStatus], profile: str) -> bool:
    """The verdict of one side's audit on a suppression pattern (published values exact)."""
    if side == "bron":
        return audit_protected(case.table, list(statuses), profile=profile).passed
    exact = dataclasses.replace(get_profile(profile), rounding_base=None)
    view = TableView(
        name="t",
        period="2024",
        measure="aantal:personen",
        dimensions=case.dimensions,
        keys=tuple(case.keys),
        values=tuple(
            None if s.suppressed else float(c.count)
            for c, s in zip(case.table.cells, statuses, strict=True)
        ),
        marks=tuple(Mark.HIDDEN if s.suppressed else None for s in statuses),
        profile=exact,
    )
    return verify([view], case.children).passed


@pytest.mark.parametrize("side", SIDES)
@SETTINGS
@given(case=deliveries(), profile=PROFILES)
def test_a_protected_delivery_passes(side: str, case: Delivery, profile: str) -> None:
    protected = protect_table(case.table, profile=profile, rounding=False)
    assert passes(side, case, protected.statuses, profile)


@pytest.mark.parametrize("side", SIDES)
@SETTINGS
@given(case=deliveries(), profile=PROFILES, data=st.data())
def test_publishing_secondaries_again_gets_the_same_verdict_on_both_sides(
    side: str, case: Delivery, profile: str, data: st.DataObject
) -> None:
    protected = protect_table(case.table, profile=profile, rounding=False)
    secondaries = [
        i for i, s in enumerate(protected.statuses) if s == CellStatus.SECONDARY_SUPPRESSED
    ]
    shown = data.draw(st.sets(st.sampled_from(secondaries)) if secondaries else st.just(set()))
    statuses = [
        CellStatus.PUBLISHABLE if i in shown else s for i, s in enumerate(protected.statuses)
    ]
    other = SIDES[1 - SIDES.index(side)]
    assert passes(side, case, statuses, profile) == passes(other, case, statuses, profile)


def _one_buurt_multi_valued() -> Delivery:
    """The issue's example: a buurt whose 20 clients use three voorzieningen, each small."""
    from buurtbeeld.protect import TOTAL, Cell, Dimension, Inequality, Table, table_relations

    children = {"GM0001": ["WK000100"], "WK000100": ["BU00010000"]}
    dims = (Dimension("voorziening", additive=False),)
    counts = {TOTAL: 20, "a": 7, "b": 7, "c": 6}
    keys = [(r, (c,)) for r in ("GM0001", "WK000100", "BU00010000") for c in counts]
    found = table_relations(children, dims, keys)
    table = Table(
        cells=tuple(Cell((r, *combo), counts[combo[0]]) for r, combo in keys),
        relations=(),
        inequalities=tuple(
            Inequality(tuple((c[0], *c[1]) for c in g), tuple((c[0], *c[1]) for c in s))
            for g, s in found.at_least
        ),
    )
    return Delivery(table, keys, dims, children)


@pytest.mark.parametrize("side", SIDES)
def test_categories_are_bounded_by_the_distinct_total(side: str) -> None:
    # the totals published, the three voorzieningen hidden: with total 20 they sum to at least
    # 20 and each is at most 20 - not exact and not pinned inside 0..7 (each may be up to 20)
    case = _one_buurt_multi_valued()
    statuses = [
        CellStatus.PRIMARY_SUPPRESSED if k[1][0] != "totaal" else CellStatus.PUBLISHABLE
        for k in case.keys
    ]
    assert passes(side, case, statuses, "cbs-zorg")
    # the protection puts its own pattern through the same audit, inequalities included
    protected = protect_table(case.table, profile="cbs-zorg", rounding=False)
    assert passes(side, case, protected.statuses, "cbs-zorg")
