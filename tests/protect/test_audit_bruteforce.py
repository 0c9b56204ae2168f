"""The LP audit against brute force: every integer table consistent with what is published.

For two-way tables with margins the constraint matrix is totally unimodular, so the LP bounds
must equal the integer bounds found by enumerating all candidate tables.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from buurtbeeld.protect import CellStatus, audit_protected, build_cross_table

ROWS, COLS = ["r1", "r2"], ["c1", "c2", "c3"]


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(0, 4), min_size=6, max_size=6),
    hidden=st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_lp_intervals_equal_integer_enumeration(counts: list[int], hidden: list[bool]) -> None:
    leaves = {(r, c): n for (r, c), n in zip(itertools.product(ROWS, COLS), counts, strict=True)}
    table = build_cross_table(leaves, [{"T": ROWS}, {"T": COLS}])
    # hide a random subset of the 12 cells (3 x 4 with margins)
    statuses = [
        CellStatus.SECONDARY_SUPPRESSED if h else CellStatus.PUBLISHABLE
        for h, _cell in zip(hidden, table.cells, strict=True)
    ]
    if not any(s.suppressed for s in statuses):
        return
    result = audit_protected(table, statuses, exact_intervals=True)
    # enumerate inner tables consistent with the published cells: hidden inner cells take
    # every value 0..ceiling, published inner cells keep theirs; with the grand total hidden the
    # cells may be unbounded, then the enumeration reaches the ceiling
    ceiling = sum(counts) + 2
    inner = [table.index[(r, c)] for r, c in itertools.product(ROWS, COLS)]
    free = [i for i in inner if statuses[i].suppressed]
    assume(len(free) <= 4)
    grid = np.array(list(itertools.product(range(ceiling + 1), repeat=len(free))), dtype=np.int64)
    values = np.zeros((len(grid), len(table.cells)), dtype=np.int64)
    for i in inner:
        values[:, i] = table.cells[i].count
    for k, i in enumerate(free):
        values[:, i] = grid[:, k]
    for key in table.index:
        region, category = key
        if key in leaves:
            continue
        rows = ROWS if region == "T" else [region]
        cols = COLS if category == "T" else [category]
        values[:, table.index[key]] = sum(
            values[:, table.index[(r, c)]] for r in rows for c in cols
        )
    ok = np.ones(len(grid), dtype=bool)
    for i, status in enumerate(statuses):
        if not status.suppressed:
            ok &= values[:, i] == table.cells[i].count
    feasible = values[ok]
    assert len(feasible) >= 1  # the true table
    for i, status in enumerate(statuses):
        if status.suppressed:
            low, up = result.intervals[i]
            assert round(low, 6) == feasible[:, i].min()
            if np.isinf(up):
                assert feasible[:, i].max() >= ceiling
            else:
                assert round(up, 6) == feasible[:, i].max()
    exact = {f.cell for f in result.findings if f.problem == "exact"}
    pinned = {
        i
        for i, s in enumerate(statuses)
        if s.suppressed and feasible[:, i].min() == feasible[:, i].max()
    }
    assert exact == pinned
