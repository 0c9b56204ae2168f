"""Incremental Gaussian elimination: which hidden cells can be derived from published ones.

The attacker knows every published cell and every relation ``M y = 0``. A hidden cell ``p`` is
*determined* when ``e_p`` lies in the row space of ``M`` restricted to the hidden columns ``U``.
We keep that row space in a reduced form: every row has a pivot column that is zero in all other
rows. Then ``e_p`` is in the row space exactly when some row's only hidden entry is its pivot
``p`` - a check that costs nothing. Publishing a cell removes its column from ``U``; if it was a
pivot, the row gets a new pivot (chosen to limit fill-in) that is eliminated from the other rows.

Rows keep their entries in published columns: they say which published cells a derivation uses,
which tells the repair step which cell to hide instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

TOL = 1e-9

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def relation_rows(
    n_cells: int, relations: Sequence[tuple[int, tuple[int, ...]]]
) -> tuple[FloatArray, IntArray]:
    """A reduced basis of the relations' row space, with one pivot column per row.

    Every cell that is a total gets the row ``e_t - (its expansion in leaf cells)`` with pivot
    ``t``; relations that are not implied by these expansions (non-nested groupings that
    contradict a tree, period relations) are added with ordinary elimination.
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

    def dense(leaves: IntArray) -> FloatArray:
        return np.bincount(leaves, minlength=n_cells).astype(np.float64)

    rows = np.zeros((len(totals), n_cells))
    for r, t in enumerate(totals):
        rows[r] = -dense(expand(t))
        rows[r, t] = 1.0
    pivots = np.array(totals, dtype=np.int64)
    extra: list[FloatArray] = []
    for total, parts in relations:
        if first[total] == parts:
            continue
        lhs = np.sort(expand(total))
        rhs = np.sort(np.concatenate([expand(p) for p in parts]))
        if lhs.shape == rhs.shape and np.array_equal(lhs, rhs):
            continue
        extra.append(dense(lhs) - dense(rhs))
    if extra:
        rows, pivots = _add_rows(rows, pivots, extra)
    return rows, pivots


def _add_rows(
    rows: FloatArray, pivots: IntArray, extra: list[FloatArray]
) -> tuple[FloatArray, IntArray]:
    """Add rows to a reduced basis, keeping every pivot column zero outside its row.

    Vectorised: a new row is reduced by all pivot rows at once (their pivot columns are zero
    in every other row, so the order of the subtractions does not matter).
    """
    n = rows.shape[1]
    basis = np.zeros((len(rows) + len(extra), n))
    basis[: len(rows)] = rows
    piv = np.zeros(len(rows) + len(extra), dtype=np.int64)
    piv[: len(rows)] = pivots
    m = len(rows)
    for vec in extra:
        v = vec.copy()
        if m:
            coef = v[piv[:m]]
            use = np.flatnonzero(np.abs(coef) > TOL)
            if use.size:
                v -= coef[use] @ basis[use]
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
    return basis[:m], piv[:m]


@dataclass(slots=True)
class _Plan:
    """The rows that change when a cell is published."""

    cell: int
    row: int  # row whose pivot is the cell, or -1
    new_pivot: int  # the row's new pivot, or -1 (row dies or no pivot row)
    rows: IntArray  # affected rows
    values: FloatArray | None  # their new values (None: values unchanged)
    nnz: IntArray  # their hidden-column counts afterwards
    hidden_after: BoolArray
    support: int


@dataclass(slots=True)
class _Saved:
    """What publishing one cell changes (to undo it after :meth:`Elimination.probe_many`)."""

    rows: IntArray
    values: FloatArray
    pivot: IntArray
    alive: BoolArray
    row_of: IntArray
    hidden: BoolArray
    row_nnz: IntArray
    col_nnz: IntArray


class Elimination:
    """The attacker's knowledge while cells are published one by one.

    Parameters
    ----------
    n_cells
        Number of cells.
    relations
        ``(total, parts)`` index tuples.
    rank
        Publication rank per cell (lower: published earlier); ties of the fill-in heuristic
        prefer pivots that are published late, so pivots move rarely.
    basis
        :func:`relation_rows` of these relations, if already computed (copied, not changed).
    """

    def __init__(
        self,
        n_cells: int,
        relations: Sequence[tuple[int, tuple[int, ...]]],
        rank: Sequence[int] | None = None,
        basis: tuple[FloatArray, IntArray] | None = None,
    ) -> None:
        if basis is None:
            basis = relation_rows(n_cells, relations)
        rows, pivots = basis[0].copy(), basis[1].copy()
        self.a = rows
        self.pivot = pivots
        self.alive = np.ones(len(pivots), dtype=bool)
        self.row_of = np.full(n_cells, -1, dtype=np.int64)
        self.row_of[pivots] = np.arange(len(pivots))
        self.hidden = np.ones(n_cells, dtype=bool)
        nonzero = rows != 0.0
        self.row_nnz = nonzero.sum(axis=1).astype(np.int64)
        self.col_nnz = nonzero.sum(axis=0).astype(np.int64)
        late = np.asarray(rank if rank is not None else np.arange(n_cells), dtype=np.float64)
        # smaller is a better pivot: few rows to update first, then late publication
        self._tiebreak = -late / (late.max(initial=0.0) + 1.0)

    def copy(self) -> Elimination:
        """An independent copy (for what-if checks)."""
        new = object.__new__(Elimination)
        for name, value in vars(self).items():
            setattr(new, name, value.copy() if isinstance(value, np.ndarray) else value)
        return new

    def determined(self, cell: int) -> bool:
        """Whether a hidden cell can be computed exactly from published cells."""
        r = self.row_of[cell]
        return bool(r >= 0 and self.row_nnz[r] == 1)

    def derivation(self, cell: int) -> list[int]:
        """Published cells used to compute a determined cell (empty if not determined)."""
        if not self.determined(cell):
            return []
        row = self.a[self.row_of[cell]]
        return [int(c) for c in np.flatnonzero((row != 0.0) & ~self.hidden)]

    def publish(self, cell: int, guard: BoolArray) -> list[int]:
        """Publish ``cell`` unless that determines a guarded cell.

        Returns
        -------
        list of int
            The guarded cells that would become determined; empty when the cell was published.
        """
        if not self.hidden[cell]:
            return []
        plan = self._plan(cell)
        exposed = [c for c, _ in self._exposures(plan) if guard[c]]
        if not exposed:
            self._commit(plan)
        return exposed

    def probe(self, cell: int, guard: BoolArray) -> list[tuple[int, list[int], float]]:
        """What publishing ``cell`` would determine, without publishing it.

        Returns
        -------
        list of (int, list of int, float)
            Each guarded cell that would become determined, the published cells (including
            ``cell``) its derivation uses, and the derivation's coefficient of ``cell``:
            ``exposed = -coefficient * cell - ...``.
        """
        if not self.hidden[cell]:
            return []
        plan = self._plan(cell)
        found = []
        for exposed, row in self._exposures(plan):
            if guard[exposed]:
                used = np.flatnonzero((row != 0.0) & ~plan.hidden_after)
                coef = float(row[cell] / row[exposed])
                found.append((exposed, [int(c) for c in used], coef))
        return found

    def probe_many(
        self, cells: Sequence[int], guard: BoolArray
    ) -> list[tuple[int, int, list[int], float]]:
        """What publishing all ``cells`` (in this order) would determine, without publishing.

        Returns
        -------
        list of (int, int, list of int, float)
            Per guarded cell that becomes determined: the cell whose publication determined it,
            the exposed cell, the published cells its derivation uses (including earlier cells
            of ``cells``) and the derivation's coefficient of that cell (see :meth:`probe`).
        """
        found: list[tuple[int, int, list[int], float]] = []
        saved: list[_Saved] = []
        try:
            for cell in cells:
                if not self.hidden[cell]:
                    continue
                plan = self._plan(cell)
                for exposed, row in self._exposures(plan):
                    if guard[exposed]:
                        used = np.flatnonzero((row != 0.0) & ~plan.hidden_after)
                        coef = float(row[cell] / row[exposed])
                        found.append((cell, exposed, [int(c) for c in used], coef))
                saved.append(self._save(plan))
                self._commit(plan)
        finally:
            for state in reversed(saved):
                self._restore(state)
        return found

    def _save(self, plan: _Plan) -> _Saved:
        return _Saved(
            plan.rows.copy(),
            self.a[plan.rows].copy(),
            self.pivot.copy(),
            self.alive.copy(),
            self.row_of.copy(),
            self.hidden,
            self.row_nnz.copy(),
            self.col_nnz.copy(),
        )

    def _restore(self, saved: _Saved) -> None:
        self.a[saved.rows] = saved.values
        self.pivot, self.alive, self.row_of = saved.pivot, saved.alive, saved.row_of
        self.hidden, self.row_nnz, self.col_nnz = saved.hidden, saved.row_nnz, saved.col_nnz

    def force_publish(self, cell: int) -> None:
        """Publish ``cell`` whatever it reveals."""
        if self.hidden[cell]:
            self._commit(self._plan(cell))

    def _plan(self, cell: int) -> _Plan:
        hidden_after = self.hidden.copy()
        hidden_after[cell] = False
        r = int(self.row_of[cell])
        if r < 0:
            rows = np.flatnonzero(self.alive & (self.a[:, cell] != 0.0))
            return _Plan(cell, -1, -1, rows, None, self.row_nnz[rows] - 1, hidden_after, 0)
        row = self.a[r]
        support = np.flatnonzero(hidden_after & (row != 0.0))
        if support.size == 0:
            return _Plan(
                cell, r, -1, np.zeros(0, np.int64), None, np.zeros(0, np.int64), hidden_after, 0
            )
        score = self.col_nnz[support] + self._tiebreak[support]
        q = int(support[np.argmin(score)])
        new_r = row / row[q]
        others = np.flatnonzero(self.alive & (self.a[:, q] != 0.0))
        others = others[others != r]
        new = self.a[others] - np.outer(self.a[others, q], new_r)
        new[np.abs(new) <= TOL] = 0.0
        new_r[np.abs(new_r) <= TOL] = 0.0
        nnz = ((new != 0.0) & hidden_after).sum(axis=1)
        rows = np.append(others, r)
        values = np.vstack([new, new_r[None, :]])
        return _Plan(
            cell, r, q, rows, values, np.append(nnz, support.size), hidden_after, int(support.size)
        )

    def _exposures(self, plan: _Plan) -> list[tuple[int, FloatArray]]:
        out = []
        for k, (row, nnz) in enumerate(zip(plan.rows, plan.nnz, strict=True)):
            if nnz == 1:
                values = self.a[row] if plan.values is None else plan.values[k]
                pivot = plan.new_pivot if row == plan.row else int(self.pivot[row])
                out.append((pivot, values))
        return out

    def _commit(self, plan: _Plan) -> None:
        cell = plan.cell
        if plan.row >= 0 and plan.new_pivot < 0:
            # the cell was determined already: publishing it adds nothing
            self._kill(plan.row)
        elif plan.values is not None:
            old = self.a[plan.rows]
            self.col_nnz -= (old != 0.0).sum(axis=0)
            self.col_nnz += (plan.values != 0.0).sum(axis=0)
            self.a[plan.rows] = plan.values
            self.pivot[plan.row] = plan.new_pivot
            self.row_of[plan.new_pivot] = plan.row
        self.row_nnz[plan.rows] = plan.nnz
        self.row_of[cell] = -1
        self.hidden = plan.hidden_after

    def _kill(self, r: int) -> None:
        self.col_nnz -= self.a[r] != 0.0
        self.alive[r] = False
        self.row_nnz[r] = 0
