"""The clean-up after secondary suppression (issue 14 item 1): fewer secondaries, same guarantees.

Patterns are attacked by an LP written here from the table alone (dense ``linprog``, every
relation, published counts exact, hidden counts >= 0): no hidden cell may be exact, no
frequency primary bounded inside its hidden range.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from buurtbeeld.errors import ProtectionSettingError
from buurtbeeld.protect import (
    CellStatus,
    FrequencyRule,
    Profile,
    ProtectedTable,
    Table,
    cells_above,
    get_profile,
    protect_table,
)
from buurtbeeld.protect.rules import COST_FUNCTIONS

from .strategies import hierarchical_tables

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COSTS = st.sampled_from(sorted(COST_FUNCTIONS))
PROFILES = st.sampled_from(["cbs-zorg", "drempel-10"])


def attack(table: Table, protected: ProtectedTable) -> dict[int, tuple[float, float]]:
    """Every hidden cell's integer interval for an attacker who knows the published counts."""
    n = len(table.cells)
    hidden = [i for i, s in enumerate(protected.statuses) if s.suppressed]
    rows = []
    for total, parts in table.relation_indices:
        row = np.zeros(n)
        row[total] += 1.0
        for p in parts:
            row[p] -= 1.0
        rows.append(row)
    a = np.array(rows)
    known = np.array([0.0 if s.suppressed else float(c.count) for c, s in
                      zip(table.cells, protected.statuses, strict=True)])  # fmt: skip
    a_hidden = a[:, hidden]
    b = -(a @ known)
    out = {}
    for k, i in enumerate(hidden):
        bounds = []
        for sign in (1.0, -1.0):
            c = np.zeros(len(hidden))
            c[k] = sign
            res = linprog(c, A_eq=a_hidden, b_eq=b, bounds=(0, None), method="highs")
            if res.status == 3:  # unbounded
                bounds.append(math.inf)
            else:
                assert res.status == 0
                bounds.append(sign * res.fun)
        up = bounds[1] if math.isinf(bounds[1]) else math.floor(bounds[1] + 1e-6)
        out[i] = (math.ceil(bounds[0] - 1e-6), up)
    return out


def assert_safe(table: Table, protected: ProtectedTable, profile: Profile) -> None:
    rule = profile.frequency
    assert rule is not None
    for i, (low, up) in attack(table, protected).items():
        assert up > low, f"cell {table.cells[i].key} is exact"
        if protected.statuses[i] == CellStatus.PRIMARY_SUPPRESSED and profile.range_protection:
            assert not (rule.hidden_min <= low and up <= rule.hidden_max), table.cells[i].key


def with_cost(profile: str | Profile, kosten: str) -> Profile:
    return dataclasses.replace(get_profile(profile), kosten=kosten)


@SETTINGS
@given(table=hierarchical_tables(), profile=PROFILES, kosten=COSTS, joint=st.booleans())
def test_cleaned_patterns_resist_an_independent_attacker(
    table: Table, profile: str, kosten: str, joint: bool
) -> None:
    prof = with_cost(profile, kosten)
    protected = protect_table(table, profile=prof, rounding=False, link_cells=() if joint else None)
    assert_safe(table, protected, prof)
    for cell, value, status in zip(table.cells, protected.values, protected.statuses, strict=True):
        assert (value is None) == status.suppressed
        if value is not None:
            assert prof.frequency is not None and not prof.frequency.is_sensitive(cell.count)
            assert value == cell.count


@SETTINGS
@given(table=hierarchical_tables(), profile=PROFILES, kosten=COSTS)
def test_cleanup_hides_a_subset_or_a_cheaper_pattern(
    table: Table, profile: str, kosten: str
) -> None:
    before = protect_table(table, profile=with_cost(profile, "geen"), rounding=False)
    after = protect_table(table, profile=with_cost(profile, kosten), rounding=False)
    assert after.report.n_primary == before.report.n_primary
    levels = table.levels()
    top = max([c.count for c in table.cells] + [1])

    def cost(p: ProtectedTable) -> float:
        # the cost functions as documented (cleanup.hiding_costs)
        total = 0.0
        for i, s in enumerate(p.statuses):
            if s != CellStatus.SECONDARY_SUPPRESSED:
                continue
            v = table.cells[i].count
            if kosten == "minste-waarde":
                total += v / top + 1e-3
            else:
                total += 1.0 + (4.0 * levels[i] if kosten == "totalen-zichtbaar" else 0.0)
                total += 1e-3 * v / top
        return total

    assert cost(after) <= cost(before) + 1e-9
    if kosten in ("minste-cellen", "geen"):
        assert after.report.n_secondary <= before.report.n_secondary


@SETTINGS
@given(table=hierarchical_tables(), profile=PROFILES, kosten=COSTS)
def test_protecting_a_cleaned_table_twice_changes_nothing(
    table: Table, profile: str, kosten: str
) -> None:
    prof = with_cost(profile, kosten)
    first = protect_table(table, profile=prof, seed=3)
    again = protect_table(table, profile=prof, seed=3)
    assert again.statuses == first.statuses
    assert again.values == first.values
    fed_back = protect_table(table, profile=prof, seed=3, hide=first.hidden_keys)
    assert set(fed_back.hidden_keys) == set(first.hidden_keys)


def _bench_table():  # type: ignore[no-untyped-def]
    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root))
    from benchmarks.bench_protect import synthetic_table

    return synthetic_table(1, 1, 12, 45, 6)


@pytest.mark.parametrize(
    "profile",
    [
        get_profile("cbs-zorg"),
        Profile("f8", frequency=FrequencyRule(1, 7), range_protection=False, singletons=False),
    ],
    ids=["standaard", "tau-argus-norm"],
)
def test_cleanup_publishes_cells_the_elimination_hid_needlessly(profile: Profile) -> None:
    table, regions = _bench_table()
    link = cells_above(table, regions, depth=1)
    plain = protect_table(table, profile=with_cost(profile, "geen"), link_cells=link)
    cleaned = protect_table(table, profile=with_cost(profile, "minste-cellen"), link_cells=link)
    assert cleaned.report.n_primary == plain.report.n_primary
    assert cleaned.report.n_secondary < plain.report.n_secondary
    assert cleaned.report.audit_passed
    assert_safe(table, cleaned, profile)


def test_an_unknown_cost_function_is_refused_in_dutch() -> None:
    with pytest.raises(ProtectionSettingError) as info:
        Profile("eigen", frequency=FrequencyRule(0, 7), kosten="goedkoopst")
    assert info.value.code == "BB-SDC-020"
    assert "kostenfunctie" in info.value.message
    assert "minste-cellen" in info.value.hint
