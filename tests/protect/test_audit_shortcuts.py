"""The audit's shortcuts (witness tables, batch LPs, skipping the minimum, witnesses carried to
the next audit) decide exactly as the full audit that computes both bounds of every cell."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from buurtbeeld.protect import CellStatus, Table, audit_protected
from buurtbeeld.protect.audit import AuditInput, AuditResult, audit
from buurtbeeld.protect.audit_rules import Rules as _Rules
from buurtbeeld.protect.rules import Requirement

from .strategies import hierarchical_tables, magnitude_tables


def _findings(result: AuditResult) -> dict[int, str]:
    return {f.cell: f.problem for f in result.findings}


def _both_audits(table: Table, hide: list[bool]) -> tuple[AuditResult, AuditResult]:
    """The fast audit and the full two-LP audit of ``hide`` (repeated over the cells)."""
    statuses = [
        CellStatus.SECONDARY_SUPPRESSED if hide[i % len(hide)] else CellStatus.PUBLISHABLE
        for i in range(len(table.cells))
    ]
    fast = audit_protected(table, statuses, profile="cbs-zorg")
    full = audit_protected(table, statuses, profile="cbs-zorg", exact_intervals=True)
    return fast, full


@settings(max_examples=60, deadline=None)
@given(table=hierarchical_tables(), hide=st.lists(st.booleans(), min_size=80, max_size=80))
def test_fast_audit_finds_the_same_cells_as_the_full_audit(table, hide) -> None:
    # primaries hidden by the profile, plus a random set of other cells
    fast, full = _both_audits(table, hide)
    assert _findings(fast) == _findings(full)


@settings(max_examples=40, deadline=None)
@given(table=magnitude_tables(), hide=st.lists(st.booleans(), min_size=40, max_size=40))
def test_fast_audit_of_amounts_finds_the_same_cells(table, hide) -> None:
    fast, full = _both_audits(table, hide)
    assert set(_findings(fast)) == set(_findings(full))


def test_witnesses_from_an_earlier_audit_give_the_same_findings() -> None:
    # total 20 = a + b + c + d; hiding more cells (a and d, then b and c) widens what is feasible
    relations = [(0, (1, 2, 3, 4))]
    truth = {0: 20.0, 1: 3.0, 2: 9.0, 3: 6.0, 4: 2.0}
    req = {1: Requirement(hidden_min=0, hidden_max=7), 4: Requirement(hidden_min=0, hidden_max=7)}

    def data(hidden: set[int]) -> AuditInput:
        known = {c: (v, v) for c, v in truth.items() if c not in hidden}
        return AuditInput(
            5, relations, known, {c: r for c, r in req.items() if c in hidden},
            {c: truth[c] for c in hidden},
        )  # fmt: skip

    first = audit(data({1, 4}))
    assert _findings(first) == {1: "hidden-range", 4: "hidden-range"}  # a + d = 5 by subtraction
    fresh = audit(data({1, 2, 3, 4}))
    carried = audit(data({1, 2, 3, 4}), witnesses=first.witnesses)
    assert _findings(carried) == _findings(fresh) == {}
    assert carried.n_lps <= fresh.n_lps


@settings(max_examples=200, deadline=None)
@given(
    low=st.floats(0, 30, allow_nan=False),
    width=st.one_of(st.floats(0, 30, allow_nan=False), st.just(math.inf)),
    truth=st.one_of(st.none(), st.integers(0, 30)),
    hidden_max=st.one_of(st.none(), st.integers(0, 9)),
    upper=st.sampled_from([0.0, 0.5, 3.0]),
    integer=st.booleans(),
)
def test_the_vector_check_equals_the_single_cell_check(
    low, width, truth, hidden_max, upper, integer
) -> None:
    requirement = Requirement(
        hidden_min=None if hidden_max is None else 0,
        hidden_max=hidden_max,
        upper=upper,
        lower=upper,
    )
    rules = _Rules(
        AuditInput(
            2, [], {1: (0.0, 0.0)}, {0: requirement}, {} if truth is None else {0: truth}, integer
        )
    )
    up = low + width
    one = rules.problem(0, low, up)
    many = rules.failing(np.array([0]), np.array([low]), np.array([up]))
    assert bool(many[0]) == (one is not None)
