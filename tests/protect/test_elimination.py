"""The incremental elimination against an independent oracle (matrix rank), and its storage.

A hidden cell ``c`` is computable from the published cells exactly when ``e_c`` lies in the row
space of the relation matrix restricted to the hidden columns: ``rank(M_U) == rank([M_U; e_c])``.
The elimination keeps a reduced basis and stores only its non-pivot columns; this checks that it
still answers exactly what the rank test answers, step by step, with extra relations that do
not fit a tree (periods, linked tables, a partner's marginals).
"""

from __future__ import annotations

import random

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.linalg import null_space

from buurtbeeld.protect import Table, build_cross_table
from buurtbeeld.protect.basis import relation_rows
from buurtbeeld.protect.elimination import Elimination

from .national import national_table
from .strategies import hierarchical_tables, linked_tables

SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))


def _matrix(n: int, relations: list[tuple[int, tuple[int, ...]]]) -> np.ndarray:
    m = np.zeros((len(relations), n))
    for r, (total, parts) in enumerate(relations):
        m[r, total] += 1.0
        for p in parts:
            m[r, p] -= 1.0
    return m


def _computable(m: np.ndarray, hidden: np.ndarray) -> set[int]:
    """Hidden cells whose unit vector lies in the row space of ``M_U``: those that are zero in
    every solution of ``M_U y = 0`` (one SVD for all of them)."""
    cells = np.flatnonzero(hidden)
    null = null_space(m[:, cells]) if m.shape[0] else np.eye(cells.size)
    return {int(c) for c, row in zip(cells, null, strict=True) if np.abs(row).max(initial=0) < 1e-7}


def _relations(table: Table, seed: int) -> list[tuple[int, tuple[int, ...]]]:
    relations = list(table.relation_indices)
    rng = random.Random(seed)
    n = len(table.cells)
    for _ in range(rng.randint(0, 3)):  # relations that no tree implies
        a, b, c = rng.sample(range(n), 3)
        relations.append((a, (b, c)))
    return relations


def _check(table: Table, seed: int) -> None:
    n = len(table.cells)
    relations = _relations(table, seed)
    rng = random.Random(seed)
    try:
        elim = Elimination(n, relations, rng.sample(range(n), n))
    except ValueError:  # a random relation closed a cycle of totals
        return
    m = _matrix(n, relations)
    guard = np.array([rng.random() < 0.3 for _ in range(n)])
    order = rng.sample(range(n), n)
    for step, cell in enumerate(order):
        if not elim.hidden[cell]:
            continue
        before = elim.hidden.copy()
        probed = {e for e, _used, _coef in elim.probe(cell, guard)}
        if rng.random() < 0.3:
            elim.force_publish(cell)
        else:
            exposed = elim.publish(cell, guard)
            assert set(exposed) == probed
            if exposed:  # refused: nothing changed
                assert np.array_equal(elim.hidden, before)
                after = before.copy()
                after[cell] = False
                assert set(exposed) <= _computable(m, after)
                continue
        if step % 4 == 0 or step == n - 1:
            hidden = elim.hidden
            computable = _computable(m, hidden)
            for c in np.flatnonzero(hidden):
                assert elim.determined(int(c)) == (int(c) in computable), c
                assert all(not hidden[u] for u in elim.derivation(int(c)))


@SETTINGS
@given(table=hierarchical_tables(max_wijken=3, max_buurten=4), seed=st.integers(0, 10_000))
def test_elimination_agrees_with_the_rank_test_on_hierarchical_tables(
    table: Table, seed: int
) -> None:
    _check(table, seed)


@SETTINGS
@given(table=linked_tables(max_periods=2), seed=st.integers(0, 10_000))
def test_elimination_agrees_with_the_rank_test_on_linked_tables(table: Table, seed: int) -> None:
    _check(table, seed)


def test_the_basis_stores_only_the_leaves_of_a_stapeling_cross_table() -> None:
    """A 3^4 ja/nee/totaal table per buurt, wijk and gemeente: about one cell in five is a leaf;
    the pivot columns (every total) are not stored."""
    regions = {"GM0001": ["WK000101", "WK000102"]}
    regions |= {w: [f"BU{w[2:]}{b:02d}" for b in range(3)] for w in regions["GM0001"]}
    buurten = [b for w in regions["GM0001"] for b in regions[w]]
    provisions = [{"totaal": ["ja", "nee"]} for _ in range(4)]
    rng = random.Random(1)
    leaves = [(b, *combo) for b in buurten for combo in _combos(4)]
    table = build_cross_table({leaf: rng.randint(0, 30) for leaf in leaves}, [regions, *provisions])
    n = len(table.cells)
    basis = relation_rows(n, list(table.relation_indices))
    assert n == 9 * 81
    assert basis.a.shape == (n - len(leaves), len(leaves))
    assert sorted(basis.columns.tolist()) == sorted(table.index[leaf] for leaf in leaves)


def _combos(k: int) -> list[tuple[str, ...]]:
    if k == 0:
        return [()]
    return [(v, *rest) for v in ("ja", "nee") for rest in _combos(k - 1)]


def _national(n_gemeenten: int) -> Table:
    """Data in one gemeente only (the rest are zeros: a national specification on one
    gemeente's extract)."""
    return national_table(
        n_gemeenten, lambda g, buurt, k: (3 + 5 * k + len(buurt)) if g == 0 else 0
    )


def test_a_basis_too_large_for_memory_is_refused_before_it_is_allocated() -> None:
    # maak-pakket with gemeente NL00 on one gemeente's data allocated 47,676 x 115,368 floats
    # (41 GiB) here; now the size is checked first and the user gets BB-SDC-080 in Dutch
    import tracemalloc

    from buurtbeeld.errors import EliminationSizeError

    table = _national(60)
    n = len(table.cells)
    relations = list(table.relation_indices)
    dense = relation_rows(n, relations)  # fits the default bound
    needed = dense.a.nbytes
    assert needed > 1_000_000
    tracemalloc.start()
    try:
        try:
            relation_rows(n, relations, max_bytes=needed // 4)
        except EliminationSizeError as exc:
            assert exc.code == "BB-SDC-080"
            assert "werkgeheugen" in str(exc) and exc.hint
        else:
            raise AssertionError("a basis above the bound was allocated")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < needed // 4
