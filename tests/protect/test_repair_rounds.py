"""Fewer repair rounds at the strict standard, same guarantees (issue 14).

- The elimination's undo log (:meth:`Elimination.rewind`) puts the state back bit for bit, so
  a singleton round that resumes at its first newly hidden cell decides as a fresh run would.
- A published cell hidden inside a component's loaded LP (:func:`~buurtbeeld.protect.lp.hide_in_lp`)
  gives the LP of the pattern with that cell hidden: every cell's bounds as in a fresh build.
- The audit's ``repair`` loop repairs one primary as far as it needs inside one audit, and the
  witnesses it hands back are feasible values of the pattern with the repairs hidden.
- A repair hides the smallest binding cell (lowest level first under ``totalen-zichtbaar``), not
  the cell latest in the publication order (in a linked table the gemeente's combinations; the
  demo's Dordrecht case is ``tests/cli/test_demo_stapeling_protection.py``).
"""

from __future__ import annotations

import importlib
import random

import highspy
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buurtbeeld.protect import Table, build_cross_table
from buurtbeeld.protect.audit import AuditInput, audit
from buurtbeeld.protect.elimination import Elimination
from buurtbeeld.protect.lp import Incidence, Lp, hide_in_lp, highs_model
from buurtbeeld.protect.rules import Requirement
from buurtbeeld.protect.suppress import Problem, choose_repair, choose_to_hide
from buurtbeeld.protect.table import CellStatus

from .strategies import hierarchical_tables

# the module (``buurtbeeld.protect.audit`` as an attribute is the function)
audit_mod = importlib.import_module("buurtbeeld.protect.audit")

RANGE = Requirement(hidden_min=0, hidden_max=7)


def _input(table: Table, hidden: set[int], *, integer: bool = True) -> AuditInput:
    """The protection's view: published counts exact, hidden cells with their true values and
    the cbs-zorg range for small ones."""
    values = [float(c.count) for c in table.cells]
    return AuditInput(
        len(values),
        list(table.relation_indices),
        {i: (v, v) for i, v in enumerate(values) if i not in hidden},
        {i: RANGE for i in hidden if values[i] <= 7},
        {i: values[i] for i in hidden},
        integer,
    )


def _bounds(lp: Lp, cells: list[int]) -> dict[int, tuple[float, float]]:
    h = highs_model(lp)
    out = {}
    for c in cells:
        k = lp.cols[c]
        found = []
        for sign in (1.0, -1.0):  # min, then max
            h.changeColCost(k, sign)
            h.clearSolver()  # each bound from scratch (an unbounded run leaves no basis)
            h.run()
            optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
            found.append(sign * h.getInfo().objective_function_value if optimal else np.inf)
            h.changeColCost(k, 0.0)
        out[c] = (found[0], found[1])
    return out


@settings(max_examples=30, deadline=None)
@given(table=hierarchical_tables(), order=st.randoms(use_true_random=False), cut=st.floats(0, 1))
def test_rewinding_the_log_restores_the_elimination_bit_for_bit(
    table: Table, order: random.Random, cut: float
) -> None:
    cells = list(range(len(table.cells)))
    order.shuffle(cells)
    guard = np.zeros(len(cells), dtype=bool)  # publish everything: exercise every move
    elim = Elimination(len(cells), list(table.relation_indices))
    elim.log = []
    k = int(cut * len(cells))
    for c in cells[:k]:
        elim.publish(c, guard)
    saved = elim.copy()
    length = len(elim.log)
    for c in cells[k:]:
        elim.publish(c, guard)
    elim.rewind(length)
    for name, value in vars(saved).items():
        if isinstance(value, np.ndarray):
            assert np.array_equal(getattr(elim, name), value), name


@settings(max_examples=40, deadline=None)
@given(table=hierarchical_tables(), hide=st.lists(st.booleans(), min_size=30, max_size=30))
def test_a_cell_hidden_in_the_loaded_lp_gives_the_lp_of_the_new_pattern(
    table: Table, hide: list[bool]
) -> None:
    values = [c.count for c in table.cells]
    hidden = {i for i in range(len(values)) if hide[i % len(hide)] or values[i] <= 7}
    data = _input(table, hidden, integer=False)
    inc = Incidence(data)
    comp = sorted(hidden)  # every hidden cell: a union of components is an LP too
    if not comp:
        return
    lp = inc.build(comp)
    for cell in (i for i in range(len(values)) if i not in hidden):
        added = hide_in_lp(lp, inc, cell)
        touches = {
            int(x)
            for r in inc.mt[[cell]].indices.tolist()
            for x in inc.m[[r]].indices.tolist()
            if x not in lp.cols and x != cell and not inc.is_constant[x]
        }
        assert added == (not touches)  # here every variable cell is in the LP: always added
        if not added:
            continue
        bigger = sorted(hidden | set(lp.hidden_extra))
        fresh_inc = Incidence(_input(table, set(bigger), integer=False))
        fresh = fresh_inc.build(bigger)
        got, want = _bounds(lp, bigger), _bounds(fresh, bigger)
        for c in bigger:
            assert np.allclose(got[c], want[c], atol=1e-6), (c, got[c], want[c])


def _two_by_two() -> tuple[Table, dict[str, int]]:
    counts: dict[tuple[str, ...], int] = {
        ("r1", "c1"): 3,
        ("r1", "c2"): 20,
        ("r2", "c1"): 30,
        ("r2", "c2"): 2,
    }
    table = build_cross_table(counts, [{"G": ["r1", "r2"]}, {"totaal": ["c1", "c2"]}])
    index = {f"{k[0]}/{k[1]}": i for i, k in enumerate(c.key for c in table.cells)}
    return table, index


def test_one_audit_repairs_a_primary_as_far_as_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    # a (3) hidden alone is a published total minus a published cell, in two ways: hiding one
    # partner is not enough, the repair needs several cells (the old loop: one per audit)
    monkeypatch.setattr(audit_mod, "MAX_LP_REPAIRS", 20)  # (the default stops after 2)
    table, index = _two_by_two()
    a = index["r1/c1"]
    repairs: list[int] = []

    def repair(cell: int, binding: tuple[int, ...]) -> tuple[int, bool] | None:
        assert cell == a
        repairs.append(max(binding))  # any published cell of the binding relations
        return max(binding), True

    result = audit(_input(table, {a}), repair=repair)
    assert result.findings == []
    assert len(repairs) >= 2
    # the pattern with the repairs protects a (a repair the attacker can compute anyway is
    # published again by the caller), and every witness the repairing audit found is a
    # feasible value of that pattern
    full = audit(_input(table, {a, *repairs}, integer=False), exact_intervals=True)
    assert a not in {f.cell for f in full.findings}
    assert full.intervals[a][1] >= 8
    assert result.witnesses is not None
    for c, (low, up) in full.intervals.items():
        seen_low, seen_high = result.witnesses.low[c], result.witnesses.high[c]
        if np.isfinite(seen_low):
            assert low - 1e-6 <= seen_low <= seen_high <= up + 1e-6


@settings(max_examples=40, deadline=None)
@given(table=hierarchical_tables(), hide=st.lists(st.booleans(), min_size=30, max_size=30))
def test_witnesses_of_a_repairing_audit_hold_for_the_repaired_pattern(
    table: Table, hide: list[bool]
) -> None:
    values = [c.count for c in table.cells]
    hidden = {i for i in range(len(values)) if hide[i % len(hide)] or 0 < values[i] <= 7}
    repaired: set[int] = set()

    def repair(cell: int, binding: tuple[int, ...]) -> tuple[int, bool] | None:
        options = [b for b in binding if b not in repaired]
        if not options:
            return None
        repaired.add(max(options))
        return max(options), True

    result = audit(_input(table, hidden), repair=repair)
    assert result.witnesses is not None
    full = audit(_input(table, hidden | repaired, integer=False), exact_intervals=True)
    for c, (low, up) in full.intervals.items():
        seen_low, seen_high = result.witnesses.low[c], result.witnesses.high[c]
        if np.isfinite(seen_low):
            assert low - 1e-6 <= seen_low <= seen_high <= up + 1e-6, c


def test_a_repair_hides_the_smallest_binding_cell_not_the_last_in_the_order() -> None:
    # 0: a gemeente combination (large, level 2), last in the publication order because it
    # sits in the most relations with a lone primary; 1: a small wijk cell; 2: a buurt cell;
    # 3: a forced publication (never hidden)
    s, z = CellStatus.PUBLISHABLE, CellStatus.FORCED_PUBLISHABLE
    problem = Problem(
        cells=[0, 1, 2, 3],
        relations=[],
        measure=[140.0, 9.0, 30.0, 5.0],
        counts=[140, 9, 30, 5],
        levels=[2, 1, 0, 0],
        statuses=[s, s, s, z],
        guarded=np.zeros(4, dtype=bool),
    )
    rank = np.array([2, 0, 1, 4])
    binding = [0, 1, 2, 3]
    assert choose_to_hide(problem, binding, rank) == 0  # the order alone: the gemeente cell
    assert choose_repair(problem, binding, rank) == 1  # the smallest
    problem.order = "totalen-zichtbaar"
    assert choose_repair(problem, binding, rank) == 2  # the lowest level
    assert choose_repair(problem, [3], rank) is None
