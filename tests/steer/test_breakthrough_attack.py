"""The doorbraken analysis attacked: can a hidden count be recovered from the three tables?

An attacker who sees the page (or its CSV) knows the three tables by law against blockage, wijk
and main domain, that they count the same doorbraken (each table's totals per law are the same
numbers), and that counts are non-negative integers. Written here from that description alone,
independently of ``buurtbeeld.protect``: one integer program (SciPy ``milp``, HiGHS) over every
cell of the three tables, with every published cell fixed to its *true* count (stronger than
the page, which rounds to fives), then for each hidden cell its smallest and largest possible
value. A hidden cell fails when its value is pinned (one possible value) or, for a small count
(0-7, hidden by the ``cbs-zorg`` rule), when the attacker can prove it stays below 8.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from buurtbeeld.steer.breakthrough import BLOCKERS, DOMAINS, LAWS, Record
from buurtbeeld.steer.breakthrough_table import TOTAL, BreakdownTable, protected_tables

GEMEENTE = "GM0505"
WIJKEN = [f"WK0505{n:02d}" for n in range(1, 13)]  # Dordrecht's twelve wijken
FIELDS = {"blokkade": "blocker", "wijk": "wijk", "domein": "domain"}
SMALL = 7  # cbs-zorg hides 0..7


def _register(seed: int, size: int) -> list[Record]:
    """A register as case workers fill it: a few laws and wijken often, most rarely."""
    rng = random.Random(seed)
    laws, domains = list(LAWS), list(DOMAINS)
    law_weights = [40, 25, 20, 2, 1, 6, 5, 4, 1, 3, 2, 2, 1]
    wijk_weights = [rng.choice([1, 2, 5, 10]) for _ in WIJKEN]
    return [
        Record(
            n,
            GEMEENTE,
            rng.choices(WIJKEN, wijk_weights)[0],
            rng.choices(domains, [20, 15, 10, 15, 12, 2, 3, 2, 1])[0],
            rng.choice(list(BLOCKERS)),
            rng.choices(laws, law_weights)[0],
            "doorbroken",
            rng.random() < 0.7,
        )
        for n in range(size)
    ]


def _true_counts(records: Iterable[Record]) -> dict[tuple[str, str, str], int]:
    """(table, law or TOTAL, category or TOTAL) → the true count."""
    out: Counter[tuple[str, str, str]] = Counter()
    for r in records:
        for table, field in FIELDS.items():
            category = getattr(r, field)
            for law in (r.law, TOTAL):
                for column in (category, TOTAL):
                    out[table, law, column] += 1
    return out


def _attack(
    tables: list[BreakdownTable], truth: dict[tuple[str, str, str], int]
) -> list[tuple[tuple[str, str, str], int, int, int]]:
    """Every hidden cell with its true count and the integer attacker's (min, max)."""
    cells = [(t.id, row, column) for t in tables for row in t.rows for column in t.columns]
    index = {cell: i for i, cell in enumerate(cells)}
    rows: list[np.ndarray] = []
    for t in tables:
        for row in t.rows:  # each row adds up to its total column
            line = np.zeros(len(cells))
            for column in t.columns:
                line[index[t.id, row, column]] += -1.0 if column == TOTAL else 1.0
            rows.append(line)
        for column in t.columns:  # each column adds up to its total row
            line = np.zeros(len(cells))
            for row in t.rows:
                line[index[t.id, row, column]] += -1.0 if row == TOTAL else 1.0
            rows.append(line)
    first = tables[0]
    for t in tables[1:]:  # the same doorbraken: the totals per law are one number
        for row in first.rows:
            line = np.zeros(len(cells))
            line[index[first.id, row, TOTAL]] = 1.0
            line[index[t.id, row, TOTAL]] = -1.0
            rows.append(line)
    equal = LinearConstraint(np.array(rows), 0.0, 0.0)
    low = np.zeros(len(cells))
    high = np.full(len(cells), np.inf)
    hidden = []
    for t in tables:
        for (row, column), cell in t.cells.items():
            key = (t.id, row, column)
            if cell.value is None:
                hidden.append(key)
            else:
                low[index[key]] = high[index[key]] = truth.get(key, 0)
    bounds = Bounds(low, high)
    integral = np.ones(len(cells))
    out = []
    for key in hidden:
        goal = np.zeros(len(cells))
        goal[index[key]] = 1.0
        found = []
        for sign in (1.0, -1.0):
            result = milp(sign * goal, constraints=equal, bounds=bounds, integrality=integral)
            assert result.status in (0, 3), result.message  # 3: unbounded (no upper limit)
            found.append(np.inf if result.status == 3 else round(sign * result.fun))
        out.append((key, truth.get(key, 0), int(found[0]), int(min(found[1], 10**9))))
    return out


@pytest.mark.parametrize(("seed", "size"), [(1, 60), (2, 150), (3, 400)])
def test_no_hidden_count_is_recovered_from_the_three_tables(seed: int, size: int) -> None:
    records = _register(seed, size)
    tables = protected_tables(records, GEMEENTE, WIJKEN, seed=f"aanval-{seed}")
    truth = _true_counts(records)
    # The page is what the attacker sees; it must publish something worth attacking.
    published = [c for t in tables for c in t.cells.values() if c.value is not None]
    assert published, "niets gepubliceerd"
    attacked = _attack(tables, truth)
    small = [a for a in attacked if a[1] <= SMALL]
    assert small, "geen klein aantal verborgen: de aanval toetst niets"
    for key, true, lowest, highest in attacked:
        assert lowest <= true <= highest, key  # the attacker's model holds the truth
        assert highest > lowest, (key, "exact terug te rekenen")
        if true <= SMALL:
            assert highest > SMALL, (key, f"bewijsbaar klein: {lowest}..{highest}")


def test_the_attack_finds_a_count_left_unprotected() -> None:
    """The attacker is not blind: publish the other hidden cells of a row whose total is shown
    and it recovers the one still hidden."""
    from dataclasses import replace

    records = _register(2, 150)
    tables = protected_tables(records, GEMEENTE, WIJKEN, seed="aanval-2")
    truth = _true_counts(records)
    table, row, hidden = next(
        (t, row, [c for c in t.columns if t.cells[row, c].value is None])
        for t in tables
        for row in t.rows
        if t.cells[row, TOTAL].value is not None
        and any(t.cells[row, c].value is None for c in t.columns)
    )
    kept, *opened = hidden
    cells = dict(table.cells)
    for column in opened:
        cells[row, column] = replace(
            cells[row, column], value=truth.get((table.id, row, column), 0)
        )
    weakened = [replace(t, cells=cells) if t is table else t for t in tables]
    attacked = {key: (low, high) for key, _true, low, high in _attack(weakened, truth)}
    assert attacked[table.id, row, kept] == (truth.get((table.id, row, kept), 0),) * 2
