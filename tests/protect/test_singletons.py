"""Singleton protection across linked tables: one person, many cells (issue 11, blocker 1).

The attacker is the one contributor ``u`` of a hidden cell. An independent attacker written
here from the definition (docs/protect.md, "Singletons"), not from the implementation: ``u``
knows the published cells, the relations, their own membership of every cell and the value of
every cell they alone make up; with ``z = y - (u's own contribution)`` (the other units' table,
non-negative, the same relations) ``u`` must not pin ``z`` of a hidden primary exactly, unless
that primary lies inside one of ``u``'s own cells (then it is ``u`` or nobody) or is one of
``u``'s cells plus a difference everyone can compute from published cells.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from buurtbeeld.errors import DisclosureError, SingletonRuleError
from buurtbeeld.protect import (
    PROFILES,
    CellKey,
    Profile,
    Table,
    audit_protected,
    build_cross_table,
    link_tables,
    protect_table,
    threshold_profile,
)
from buurtbeeld.protect.table import CellStatus

REGIONS = {"GM": ["WK1", "WK2"], "WK1": ["BU1", "BU2"], "WK2": ["BU3"]}
PARENT = {c: p for p, cs in REGIONS.items() for c in cs}
CATEGORIES = ["wmo", "jeugd"]
AGES = ["0-17", "18-64", "65+"]


@dataclass(frozen=True)
class Unit:
    buurt: str
    category: str
    age: str


def _up(region: str) -> list[str]:
    chain = [region]
    while chain[-1] in PARENT:
        chain.append(PARENT[chain[-1]])
    return chain


def cells_of(unit: Unit) -> set[CellKey]:
    """The cells a unit is counted in (both tables, every level, the totals)."""
    codes = {"totaal", unit.category, unit.age}
    return {(r, c) for r in _up(unit.buurt) for c in codes}


def inside(small: CellKey, big: CellKey) -> bool:
    """Whether every unit of ``small`` is in ``big`` by the tables' definition (not counts)."""
    return big[0] in _up(small[0]) and big[1] in ("totaal", small[1])


def linked(units: Sequence[Unit]) -> Table:
    by_cat: dict[CellKey, int] = {}
    by_age: dict[CellKey, int] = {}
    for u in units:
        by_cat[(u.buurt, u.category)] = by_cat.get((u.buurt, u.category), 0) + 1
        by_age[(u.buurt, u.age)] = by_age.get((u.buurt, u.age), 0) + 1
    return link_tables(
        build_cross_table(by_cat, [REGIONS, {"totaal": CATEGORIES}]),
        build_cross_table(by_age, [REGIONS, {"totaal": AGES}]),
    )


def singleton_attacks(
    table: Table,
    values: Sequence[float | None],
    statuses: Sequence[CellStatus],
    units: list[Unit],
    max_count: int | None = None,
) -> list[tuple[Unit, CellKey]]:
    """Every (contributor, hidden primary of others) the contributor pins exactly
    (``max_count``: only primaries with at most that many units)."""
    n = len(table.cells)
    keys = [c.key for c in table.cells]
    count = [c.count for c in table.cells]
    eq_rows = []
    for total, parts in table.relation_indices:
        row = np.zeros(n)
        row[total] = 1.0
        row[list(parts)] -= 1.0
        eq_rows.append(row)
    relations = np.array(eq_rows)
    published = [i for i in range(n) if values[i] is not None]

    def pinned(objective: np.ndarray, fixed: dict[int, float]) -> bool:
        rows = [*relations]
        rhs = [0.0] * len(relations)
        for i, v in fixed.items():
            e = np.zeros(n)
            e[i] = 1.0
            rows.append(e)
            rhs.append(v)
        a, b = np.array(rows), np.array(rhs)
        bounds = [(0, None)] * n
        low = linprog(objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        high = linprog(-objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
        assert low.status == 0
        return bool(high.status == 0 and (-high.fun) - low.fun < 0.5)

    public = {i: float(values[i]) for i in published}  # type: ignore[arg-type]
    found = []
    for unit in dict.fromkeys(units):
        mine = cells_of(unit)
        own = [i for i in range(n) if keys[i] in mine and count[i] == 1]
        if not any(statuses[i].suppressed for i in own):
            continue
        a = np.array([1.0 if k in mine else 0.0 for k in keys])
        known = {i: v - a[i] for i, v in public.items()} | dict.fromkeys(own, 0.0)
        for p in range(n):
            if statuses[p] != CellStatus.PRIMARY_SUPPRESSED or p in own:
                continue
            if max_count is not None and count[p] > max_count:
                continue
            if any(inside(keys[p], keys[s]) for s in own):
                continue  # u or nobody
            e = np.zeros(n)
            e[p] = 1.0
            if not pinned(e, known):
                continue
            public_rest = False
            for s in own:
                if inside(keys[s], keys[p]):
                    diff = e.copy()
                    diff[s] -= 1.0
                    public_rest = public_rest or pinned(diff, public)
            if not public_rest:
                found.append((unit, keys[p]))
    return found


def test_one_person_in_two_linked_tables_is_protected_without_refusal() -> None:
    # formerly a strict xfail (issue 10, item 24): the cells of one person by category and by
    # age looked like two contributors, and the delivery was refused though it is safe
    regions = {"GM": ["WK1", "WK2"], "WK1": ["BU1"], "WK2": ["BU2"]}
    by_cat = build_cross_table({("BU1", "wmo"): 1}, [regions, {"totaal": ["wmo", "jeugd"]}])
    by_age = build_cross_table({("BU1", "0-17"): 1}, [regions, {"totaal": ["0-17", "65+"]}])
    protected = protect_table(link_tables(by_cat, by_age), profile="drempel-10")
    assert set(protected.hidden_keys) == {
        k
        for k in protected.keys
        if k[0] in ("GM", "WK1", "BU1") and k[1] in ("totaal", "wmo", "0-17")
    }


# u: wmo, 0-17 in BU1 (alone in both); v: jeugd, 18-64 (alone in 18-64); two more jeugd 65+.
# Hiding only what the public attacker needs publishes totaal (4) and 65+ (2): u, alone in
# 0-17 of the AGE table, computes v's 18-64 = 4 - 2 - 1. The same person's cells in the
# CATEGORY table (wmo, and the wijk and gemeente copies) are u's own, not another contributor.
LINKED_ATTACK = [
    Unit("BU1", "wmo", "0-17"),
    Unit("BU1", "jeugd", "18-64"),
    Unit("BU1", "jeugd", "65+"),
    Unit("BU1", "jeugd", "65+"),
]
ONES_HIDDEN = Profile("drempel-2", frequency=threshold_profile(2).frequency)


def test_a_contributor_computing_anothers_cell_across_linked_tables_is_prevented() -> None:
    table = linked(LINKED_ATTACK)
    unprotected = Profile("zonder", frequency=ONES_HIDDEN.frequency, singletons=False)
    plain = protect_table(table, profile=unprotected, rounding=False)
    attacks = singleton_attacks(table, plain.values, plain.statuses, LINKED_ATTACK)
    assert (LINKED_ATTACK[0], ("BU1", "18-64")) in attacks

    protected = protect_table(table, profile=ONES_HIDDEN, rounding=False)
    assert singleton_attacks(table, protected.values, protected.statuses, LINKED_ATTACK) == []
    assert set(protected.hidden_keys) > set(plain.hidden_keys)


UNITS = st.lists(
    st.builds(
        Unit,
        st.sampled_from(["BU1", "BU2", "BU3"]),
        st.sampled_from(CATEGORIES),
        st.sampled_from(AGES),
    ),
    min_size=1,
    max_size=25,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=UNITS, profile=st.sampled_from(["cbs-zorg", "drempel-10", "drempel-2"]))
def test_no_single_contributor_computes_another_units_hidden_cell(
    units: list[Unit], profile: str
) -> None:
    table = linked(units)
    prof = ONES_HIDDEN if profile == "drempel-2" else profile
    protected = protect_table(table, profile=prof, rounding=False)
    assert singleton_attacks(table, protected.values, protected.statuses, units) == []


# The less strict rule ``singleton_regel="enkelingen"`` (issue 14): a contributor must not
# compute a primary that holds one other unit or none; a larger small count may be computed.
LENIENT = Profile(
    "drempel-2-enkelingen", frequency=ONES_HIDDEN.frequency, singleton_regel="enkelingen"
)


def test_the_lenient_rule_still_prevents_the_linked_attack_on_another_singleton() -> None:
    # v is alone in 18-64: u computing it singles v out, which both rules prevent
    table = linked(LINKED_ATTACK)
    protected = protect_table(table, profile=LENIENT, rounding=False)
    assert singleton_attacks(table, protected.values, protected.statuses, LINKED_ATTACK) == []


def _two_buurten(other: int) -> Table:
    """u alone in (BU1, a); ``other`` units in (BU1, b); ten in each cell of BU2."""
    counts = {("BU1", "a"): 1, ("BU1", "b"): other, ("BU2", "a"): 10, ("BU2", "b"): 10}
    return build_cross_table(counts, [{"GM": ["BU1", "BU2"]}, {"totaal": ["a", "b"]}])


def _contributor_pins(table: Table, values: Sequence[float | None], target: CellKey) -> bool:
    """Whether the one unit of (BU1, a), knowing that cell is 1, pins ``target`` exactly."""
    n = len(table.cells)
    keys = [c.key for c in table.cells]
    rows, rhs = [], []
    for total, parts in table.relation_indices:
        row = np.zeros(n)
        row[total] = 1.0
        row[list(parts)] -= 1.0
        rows.append(row)
        rhs.append(0.0)
    known = {i: float(v) for i, v in enumerate(values) if v is not None}
    known[keys.index(("BU1", "a"))] = 1.0
    for i, v in known.items():
        rows.append(np.eye(n)[i])
        rhs.append(v)
    e = np.eye(n)[keys.index(target)]
    low = linprog(e, A_eq=np.array(rows), b_eq=rhs, bounds=[(0, None)] * n, method="highs")
    high = linprog(-e, A_eq=np.array(rows), b_eq=rhs, bounds=[(0, None)] * n, method="highs")
    assert low.status == 0 and high.status == 0
    return bool(-high.fun - low.fun < 0.5)


def test_the_lenient_rule_lets_a_contributor_compute_a_larger_small_count_the_strict_does_not() -> (
    None
):
    strict = threshold_profile(4)
    lenient = Profile(strict.name, frequency=strict.frequency, singleton_regel="enkelingen")
    # three others in (BU1, b): the strict rule hides the buurt totals too, the lenient one
    # leaves u able to compute that exactly three others in BU1 have b
    table = _two_buurten(3)
    hard = protect_table(table, profile=strict, rounding=False)
    soft = protect_table(table, profile=lenient, rounding=False)
    assert set(soft.hidden_keys) < set(hard.hidden_keys)
    assert not _contributor_pins(table, hard.values, ("BU1", "b"))
    assert _contributor_pins(table, soft.values, ("BU1", "b"))
    # one other in (BU1, b): a singleton-singleton pair, protected by both rules
    table = _two_buurten(1)
    soft = protect_table(table, profile=lenient, rounding=False)
    assert not _contributor_pins(table, soft.values, ("BU1", "b"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(units=UNITS, profile=st.sampled_from(["cbs-zorg", "drempel-10", "drempel-2"]))
def test_under_the_lenient_rule_no_contributor_computes_another_units_one_or_zero(
    units: list[Unit], profile: str
) -> None:
    base = ONES_HIDDEN if profile == "drempel-2" else PROFILES[profile]
    prof = Profile(
        base.name, frequency=base.frequency, rounding_base=None, singleton_regel="enkelingen"
    )
    # one table: every unit's count-1 cells lie below one another, so the rule sees them as one
    # contributor (a unit's cells in two linked tables without a common count-1 cell are probed
    # as two contributors: the limit in docs/protect.md, shared with the strict rule)
    by_cat: dict[CellKey, int] = {}
    for u in units:
        by_cat[(u.buurt, u.category)] = by_cat.get((u.buurt, u.category), 0) + 1
    table = build_cross_table(by_cat, [REGIONS, {"totaal": CATEGORIES}])
    protected = protect_table(table, profile=prof, rounding=False)
    found = singleton_attacks(table, protected.values, protected.statuses, units, max_count=1)
    assert found == []


def test_an_unknown_singleton_rule_is_refused_in_dutch() -> None:
    with pytest.raises(SingletonRuleError) as info:
        Profile("eigen", frequency=ONES_HIDDEN.frequency, singleton_regel="soepel")
    assert info.value.code == "BB-SDC-040"
    assert "singletonregel" in info.value.message
    assert "enkelingen" in info.value.hint


def _partner_wijk() -> Table:
    """A wijk of four buurten; the partner counted 'ja' per buurt and published the wijk and
    two buurten, and hid the other two (a single unit in BU02, 8 units in BU01)."""
    regions = {"WK01": ["BU00", "BU01", "BU02", "BU03"]}
    counts = {("BU00", "ja"): 23, ("BU01", "ja"): 8, ("BU02", "ja"): 1, ("BU03", "ja"): 16}
    counts |= {(b, "nee"): 25 + 4 * k for k, b in enumerate(regions["WK01"])}
    return build_cross_table(counts, [regions, {"totaal": ["ja", "nee"]}])


PARTNER = {("WK01", "ja"): 50.0, ("BU00", "ja"): 25.0, ("BU03", "ja"): 15.0}
PARTNER_HIDDEN = {("BU01", "ja"), ("BU02", "ja")}


def test_a_derivation_made_of_a_partners_published_figures_does_not_refuse_the_table() -> None:
    # The unit of BU02 computes BU01 from the partner's own published wijk and buurten: that
    # was possible before the linked table, which cannot change it (a national stapeling was
    # refused for it). Figures published with the partner's values (``values``) are public.
    table = _partner_wijk()
    protected = protect_table(table, publish=set(PARTNER), suppress=PARTNER_HIDDEN, values=PARTNER)
    assert all(protected.value(k) == v for k, v in PARTNER.items())
    assert {k for k in PARTNER_HIDDEN if protected.value(k) is None} == PARTNER_HIDDEN
    assert audit_protected(table, protected).passed


def test_the_same_derivation_through_figures_only_this_table_forces_is_refused() -> None:
    # without the partner's values the forced publications are this table's own doing
    with pytest.raises(DisclosureError, match="één bijdrager"):
        protect_table(_partner_wijk(), publish=set(PARTNER), suppress=PARTNER_HIDDEN)
