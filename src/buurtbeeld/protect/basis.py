"""The reduced basis of a table's relations: where the elimination starts.

:func:`relation_rows` turns the relations ``total = sum(parts)`` into rows over the cells with
one pivot each (a total) that is zero in every other row, stored without the pivot columns
(:class:`Basis`); :mod:`buurtbeeld.protect.elimination` publishes cells against it one by one.
A basis that would not fit in memory is refused (``BB-SDC-080``) instead of exhausting it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from buurtbeeld.errors import EliminationSizeError

TOL = 1e-9
MAX_BYTES = 4 << 30
"""Largest dense basis (bytes) one part may allocate; the elimination keeps a few copies of it.
Above, :class:`~buurtbeeld.errors.EliminationSizeError` instead of exhausting the memory (a
national specification on data of one gemeente: every empty gemeente is hidden, all blocks
join one part of ~50,000 totals x ~115,000 leaves, 41 GiB dense)."""

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
NO_CELLS: IntArray = np.zeros(0, np.int64)
NO_CELLS.flags.writeable = False


@dataclass(frozen=True)
class Basis:
    """A reduced basis of the relations' row space (:func:`relation_rows`).

    Row ``r`` is ``e_{pivots[r]} + sum_s a[r, s] e_{columns[s]}``: the pivot entry is 1 and not
    stored; ``columns`` are the cells that are no row's pivot.
    """

    a: FloatArray
    pivots: IntArray
    columns: IntArray


def relation_rows(
    n_cells: int,
    relations: Sequence[tuple[int, tuple[int, ...]]],
    max_bytes: int | None = None,
) -> Basis:
    """A reduced basis of the relations' row space, with one pivot column per row.

    Every cell that is a total gets the row ``e_t - (its expansion in leaf cells)`` with pivot
    ``t``; relations that are not implied by these expansions (non-nested groupings that
    contradict a tree, period relations) are added with ordinary elimination.

    Raises
    ------
    EliminationSizeError
        When the dense basis would take more than ``max_bytes`` (default :data:`MAX_BYTES`);
        checked before anything is allocated.
    """
    first: dict[int, tuple[int, ...]] = {}
    for total, parts in relations:
        first.setdefault(total, parts)
    totals = list(first)
    expansion: dict[int, IntArray] = {}

    def expand(i: int, depth: int = 0) -> IntArray:
        # leaf cells (with repetition if a leaf is reached twice) that add up to cell i
        if i in expansion:
            return expansion[i]
        if depth > n_cells:
            raise ValueError("the relations contain a cycle")
        if i in first:
            vec = np.concatenate([expand(p, depth + 1) for p in first[i]])
        else:
            vec = np.array([i], dtype=np.int64)
        expansion[i] = vec
        return vec

    is_total = np.zeros(n_cells, dtype=bool)
    is_total[totals] = True
    leaves = np.flatnonzero(~is_total).astype(np.int64)
    slot = np.full(n_cells, -1, dtype=np.int64)
    slot[leaves] = np.arange(leaves.size)
    width = int(leaves.size)
    limit = MAX_BYTES if max_bytes is None else max_bytes
    _check_size(len(totals), width, limit)

    def compact(cells: IntArray) -> FloatArray:
        return np.bincount(slot[cells], minlength=width).astype(np.float64)

    rows = np.zeros((len(totals), width))
    for r, t in enumerate(totals):
        rows[r] = -compact(expand(t))
    extra: list[FloatArray] = []
    for total, parts in relations:
        if first[total] == parts:
            continue
        lhs = np.sort(expand(total))
        rhs = np.sort(np.concatenate([expand(p) for p in parts]))
        if lhs.shape == rhs.shape and np.array_equal(lhs, rhs):
            continue
        _check_size(len(totals) + len(extra) + 1, width, limit)
        extra.append(compact(lhs) - compact(rhs))
    pivots = np.array(totals, dtype=np.int64)
    if not extra:
        return Basis(rows, pivots, leaves)
    return _add_rows(rows, pivots, leaves, extra)


def _check_size(rows: int, width: int, max_bytes: int) -> None:
    if rows * width * 8 > max_bytes:
        raise EliminationSizeError(
            f"De tabel is te groot om in het werkgeheugen te beveiligen: één samenhangend deel "
            f"heeft {rows:,} totalen over {width:,} basiscellen. Dat gebeurt bij een "
            "landelijke indeling terwijl de gegevens maar een deel van het land beslaan: alle "
            "lege gemeenten worden afgeschermd en vormen samen één deel."
        )


def _add_rows(
    rows: FloatArray, pivots: IntArray, leaves: IntArray, extra: list[FloatArray]
) -> Basis:
    """Add rows over the leaf columns to the totals' rows, keeping the basis reduced.

    The totals' pivots are not leaves, so a new row has no entry there; it is reduced by the
    added rows only (their pivot columns are zero in every other row, so the order of the
    subtractions does not matter). Columns that become pivots are dropped at the end.
    """
    n_tree = len(rows)
    basis = np.zeros((n_tree + len(extra), rows.shape[1]))
    basis[:n_tree] = rows
    piv = np.full(n_tree + len(extra), -1, dtype=np.int64)  # pivot slot of an added row
    m = n_tree
    for vec in extra:
        v = vec.copy()
        if m > n_tree:
            coef = v[piv[n_tree:m]]
            use = np.flatnonzero(np.abs(coef) > TOL)
            if use.size:
                v -= coef[use] @ basis[n_tree:m][use]
        v[np.abs(v) <= TOL] = 0.0
        nz = np.flatnonzero(v)
        if nz.size == 0:
            continue
        q = int(nz[0])
        v /= v[q]
        col = basis[:m, q]
        touched = np.flatnonzero(np.abs(col) > TOL)
        if touched.size:
            block = basis[touched] - np.outer(col[touched], v)
            block[np.abs(block) <= TOL] = 0.0
            basis[touched] = block
        basis[m] = v
        piv[m] = q
        m += 1
    added = piv[n_tree:m]
    keep = np.ones(rows.shape[1], dtype=bool)
    keep[added] = False
    return Basis(
        np.ascontiguousarray(basis[:m][:, keep]),
        np.concatenate([pivots, leaves[added]]),
        leaves[keep],
    )
