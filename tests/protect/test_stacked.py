"""A national table whose joint part does not fit in memory is protected block by block.

When many small gemeente cells are hidden, the joint part of :func:`protect_table` (the link
cells plus every block that touches a hidden one) holds most of the country; a national
stapeling asked for a dense elimination of 324 GiB there. Such a table is now protected as
tau-Argus Modular does: the link cells first, then every gemeente on its own below their
pattern (hidden link cells hidden and guarded), with the joint LP audit over everything.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import buurtbeeld.protect.basis as basis
import buurtbeeld.protect.parts as parts
from buurtbeeld.protect import audit_protected, protect_table
from buurtbeeld.protect.cleanup import _Singletons
from buurtbeeld.protect.rules import apply_primary_rules, get_profile
from buurtbeeld.protect.system import build_system
from buurtbeeld.protect.table import CellStatus, Table

from .national import national_table


def _national(n_gemeenten: int, seed: int) -> Table:
    """Every other gemeente is so small that its gemeente cells are primaries (hidden link
    cells)."""
    rng = np.random.default_rng(seed)
    big, tiny = [0, 0, 0, 1, 2, 3, 5, 9, 14, 20], [0, 0, 0, 0, 0, 0, 1, 2]
    return national_table(n_gemeenten, lambda g, _b, _k: int(rng.choice(big if g % 2 else tiny)))


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_a_table_whose_joint_part_does_not_fit_is_protected_gemeente_by_gemeente(
    monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    table = _national(10, seed)
    joint = protect_table(table, seed=1)  # fits: the joint elimination

    used: list[int] = []
    stacked = parts._stacked

    def spy(*args: Any, **kwargs: Any) -> Any:
        used.append(len(args[3]))
        return stacked(*args, **kwargs)

    monkeypatch.setattr(parts, "_stacked", spy)
    # a bound that a gemeente's block meets and the joint part of the whole country does not
    monkeypatch.setattr(basis, "MAX_BYTES", 12_000)
    protected = protect_table(table, seed=1)
    assert used == [10]  # one block per gemeente
    monkeypatch.undo()  # the checks below see the whole table at once

    # the same guarantees, checked on the whole pattern at once
    assert audit_protected(table, protected).passed
    primaries = {
        c.key
        for c, s in zip(table.cells, joint.statuses, strict=True)
        if s == CellStatus.PRIMARY_SUPPRESSED
    }
    hidden = set(protected.hidden_keys)
    assert primaries <= hidden
    assert any(key[0].startswith("GM") for key in hidden)  # hidden link cells were guarded
    profile = get_profile("cbs-zorg")
    system = build_system(table, apply_primary_rules(table, profile), None)
    hidden_i = {table.index[k] for k in hidden}
    every = list(range(len(table.cells)))
    assert _Singletons(system).violations(every, hidden_i, hidden_i) == []
    # and not at any price: about as many secondaries as the joint elimination
    assert protected.report.n_secondary <= 1.25 * joint.report.n_secondary + 2


def test_without_stacking_the_same_bound_refuses_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    # what the bound does to one part: the whole country in one elimination is refused
    from buurtbeeld.errors import EliminationSizeError

    table = _national(10, 1)
    monkeypatch.setattr(basis, "MAX_BYTES", 12_000)
    with pytest.raises(EliminationSizeError):
        protect_table(table, seed=1, link_cells=())
