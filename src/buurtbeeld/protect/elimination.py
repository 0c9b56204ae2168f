"""Incremental Gaussian elimination: which hidden cells can be derived from published ones.

The attacker knows every published cell and every relation ``M y = 0``. A hidden cell ``p`` is
*determined* when ``e_p`` lies in the row space of ``M`` restricted to the hidden columns ``U``.
We keep that row space in a reduced form: every row has a pivot column that is zero in all other
rows. Then ``e_p`` is in the row space exactly when some row's only hidden entry is its pivot
``p`` - a check that costs nothing. Publishing a cell removes its column from ``U``; if it was a
pivot, the row gets a new pivot (chosen to limit fill-in) that is eliminated from the other rows.

Rows keep their entries in published columns: they say which published cells a derivation uses,
which tells the repair step which cell to hide instead.

**Compact storage.** A pivot column is the unit vector of its row, so it is not stored: the
matrix holds only the non-pivot columns (``slot`` → cell in :attr:`Elimination.column`). In a
table with totals most cells are totals, i.e. pivots: a 3^k cross table of stapeling has about
one leaf in five cells, so the matrix is (rows × leaves) instead of (rows × cells). When a
pivot moves from cell ``c`` to ``q``, ``c`` takes over ``q``'s slot; a column whose row dies
becomes zero and needs no slot. The width never grows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from buurtbeeld.protect.basis import (
    NO_CELLS,
    TOL,
    Basis,
    BoolArray,
    FloatArray,
    IntArray,
    relation_rows,
)


@dataclass(slots=True)
class _Plan:
    """The rows that change when a cell is published."""

    cell: int
    row: int  # row whose pivot is the cell, or -1
    new_pivot: int  # the row's new pivot, or -1 (row dies or no pivot row)
    rows: IntArray  # affected rows
    cols: IntArray  # the slots that change in them (the pivot row's non-zeros)
    values: FloatArray | None  # their new values there (None: values unchanged)
    nnz: IntArray  # their hidden-column counts afterwards
    hidden_after: BoolArray
    columns: IntArray  # cell per slot afterwards
    cell_slot: int  # the slot of ``cell`` afterwards (-1: a zero column)
    before: FloatArray | None = None  # ``values``' entries before (rows but the last: others)
    row_before: FloatArray | None = None  # the pivot row's entries at ``cols`` before


@dataclass(slots=True)
class _Undo:
    """The entries one publication overwrote (:meth:`Elimination.rewind` puts them back).

    Only what changed is kept, so a log of a whole greedy run costs about as much memory as
    the blocks it rewrote; ``hidden`` and ``column`` are replaced, never changed in place, so
    the old arrays are kept by reference.
    """

    hidden: BoolArray
    column: IntArray
    cells: IntArray  # the cell and its row's new pivot: their ``row_of`` and ``slot``
    row_of: IntArray
    slot: IntArray
    row: int  # the pivot row that changed or died (-1: none)
    pivot: int
    alive: bool
    rows: IntArray  # rows whose hidden counts changed
    row_nnz: IntArray
    cols: IntArray  # slots whose counts (and, with ``block``, values in ``rows``) changed
    col_nnz: IntArray
    block: FloatArray | None  # entries of ``rows`` but the last (the pivot row) at ``cols``
    row_block: FloatArray | None  # the pivot row's entries at ``cols``


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
        basis: Basis | None = None,
    ) -> None:
        if basis is None:
            basis = relation_rows(n_cells, relations)
        self.a = basis.a.copy()
        self.pivot = basis.pivots.copy()
        self.column = basis.columns.copy()
        self.slot = np.full(n_cells, -1, dtype=np.int64)
        self.slot[self.column] = np.arange(self.column.size)
        self.alive = np.ones(len(self.pivot), dtype=bool)
        self.row_of = np.full(n_cells, -1, dtype=np.int64)
        self.row_of[self.pivot] = np.arange(len(self.pivot))
        self.hidden = np.ones(n_cells, dtype=bool)
        nonzero = self.a != 0.0
        self.row_nnz = nonzero.sum(axis=1).astype(np.int64) + 1  # and the pivot
        self.col_nnz = nonzero.sum(axis=0).astype(np.int64)  # per slot
        late = np.asarray(rank if rank is not None else np.arange(n_cells), dtype=np.float64)
        # smaller is a better pivot: few rows to update first, then late publication
        self._tiebreak = -late / (late.max(initial=0.0) + 1.0)
        self.log: list[_Undo] | None = None
        """When a list, every publication appends what it overwrote (see :meth:`rewind`)."""

    def copy(self) -> Elimination:
        """An independent copy (for what-if checks)."""
        new = object.__new__(Elimination)
        for name, value in vars(self).items():
            setattr(new, name, value.copy() if isinstance(value, np.ndarray) else value)
        new.log = None if self.log is None else []
        return new

    def rewind(self, length: int) -> None:
        """Undo the logged publications after the first ``length`` (newest first).

        The state is then exactly (bit for bit) what it was when the log had that length.
        """
        log = self.log
        if log is None:
            raise ValueError("rewind needs a log (set Elimination.log to a list first)")
        while len(log) > length:
            u = log.pop()
            if u.block is not None and u.row_block is not None:
                self.a[u.rows[:-1, None], u.cols] = u.block
                self.a[u.rows[-1], u.cols] = u.row_block
            self.col_nnz[u.cols] = u.col_nnz
            self.row_nnz[u.rows] = u.row_nnz
            if u.row >= 0:
                self.pivot[u.row] = u.pivot
                self.alive[u.row] = u.alive
            self.row_of[u.cells] = u.row_of
            self.slot[u.cells] = u.slot
            self.hidden, self.column = u.hidden, u.column

    def determined(self, cell: int) -> bool:
        """Whether a hidden cell can be computed exactly from published cells."""
        r = self.row_of[cell]
        return bool(r >= 0 and self.row_nnz[r] == 1)

    def derivation(self, cell: int) -> list[int]:
        """Published cells used to compute a determined cell (empty if not determined)."""
        if not self.determined(cell):
            return []
        row = self.a[self.row_of[cell]]
        return sorted(int(c) for c in self.column[(row != 0.0) & ~self.hidden[self.column]])

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

    def _found(self, plan: _Plan, guard: BoolArray) -> list[tuple[int, list[int], float]]:
        found = []
        for exposed, row in self._exposures(plan):
            if guard[exposed]:
                used = plan.columns[(row != 0.0) & ~plan.hidden_after[plan.columns]]
                coef = float(row[plan.cell_slot]) if plan.cell_slot >= 0 else 0.0
                found.append((exposed, sorted(int(c) for c in used), coef))
        return found

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
        return self._found(self._plan(cell), guard)

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
        own_log = self.log is None
        if own_log:
            self.log = []
        assert self.log is not None
        mark = len(self.log)
        try:
            for cell in cells:
                if not self.hidden[cell]:
                    continue
                plan = self._plan(cell)
                found += [(cell, e, used, coef) for e, used, coef in self._found(plan, guard)]
                self._commit(plan)
        finally:
            self.rewind(mark)
            if own_log:
                self.log = None
        return found

    def force_publish(self, cell: int) -> None:
        """Publish ``cell`` whatever it reveals."""
        if self.hidden[cell]:
            self._commit(self._plan(cell))

    def _plan(self, cell: int) -> _Plan:
        hidden_after = self.hidden.copy()
        hidden_after[cell] = False
        r = int(self.row_of[cell])
        none = NO_CELLS
        if r < 0:
            s = int(self.slot[cell])
            if s < 0:  # a zero column: in no row
                return _Plan(cell, -1, -1, none, none, None, none, hidden_after, self.column, -1)
            rows = (self.alive & (self.a[:, s] != 0.0)).nonzero()[0]
            nnz = self.row_nnz[rows] - 1
            return _Plan(cell, -1, -1, rows, none, None, nnz, hidden_after, self.column, s)
        row = self.a[r]
        # only the pivot row's non-zero slots change, in that row and in the rows it updates
        cols = (row != 0.0).nonzero()[0]  # (not np.flatnonzero: its wrapper costs more here)
        hidden_before = self.hidden[self.column[cols]]
        slots = cols[hidden_before]  # the cell is the row's pivot: in no slot
        if slots.size == 0:  # the cell was determined: its row dies, its column becomes zero
            return _Plan(cell, r, -1, none, none, None, none, hidden_after, self.column, -1)
        support = self.column[slots]
        order = np.argsort(support, kind="stable")  # ties: the smallest cell, as ever
        slots, support = slots[order], support[order]
        score = self.col_nnz[slots] + self._tiebreak[support]
        k = int(np.argmin(score))
        sq, q = int(slots[k]), int(support[k])
        j = int(np.searchsorted(cols, sq))
        new_r = row[cols] / row[sq]
        new_r[j] = 1.0 / row[sq]  # the slot of q now holds the old pivot, the cell
        others = (self.alive & (self.a[:, sq] != 0.0)).nonzero()[0]
        others = others[others != r]
        old = self.a[others[:, None], cols]  # (plain broadcasting: cheaper than np.ix_)
        factor = old[:, j].copy()
        new = old - np.outer(factor, new_r)
        new[:, j] = -factor * new_r[j]
        new[np.abs(new) <= TOL] = 0.0
        new_r[np.abs(new_r) <= TOL] = 0.0
        columns = self.column.copy()
        columns[sq] = cell
        hidden_now = hidden_before.copy()
        hidden_now[j] = False  # slot sq: q (hidden) before, the published cell after
        nnz = (
            self.row_nnz[others]
            - ((old != 0.0) & hidden_before).sum(axis=1)
            + ((new != 0.0) & hidden_now).sum(axis=1)
        )
        rows = np.concatenate([others, [r]])
        values = np.concatenate([new, new_r[None, :]])
        nnz = np.concatenate([nnz, [support.size]])
        return _Plan(cell, r, q, rows, cols, values, nnz, hidden_after, columns, sq, old, row[cols])

    def _exposures(self, plan: _Plan) -> list[tuple[int, FloatArray]]:
        out = []
        for k in (plan.nnz == 1).nonzero()[0]:
            row = int(plan.rows[k])
            values = self.a[row]
            if plan.values is not None:
                values = values.copy()
                values[plan.cols] = plan.values[k]
            pivot = plan.new_pivot if row == plan.row else int(self.pivot[row])
            out.append((pivot, values))
        return out

    def _commit(self, plan: _Plan) -> None:
        cell = plan.cell
        if self.log is not None:
            self.log.append(self._undo(plan))
        if plan.row >= 0 and plan.new_pivot < 0:
            # the cell was determined already: publishing it adds nothing
            self._kill(plan.row)
        elif plan.values is not None:
            block = (plan.rows[:, None], plan.cols)
            self.col_nnz[plan.cols] += (plan.values != 0.0).sum(axis=0) - (
                self.a[block] != 0.0
            ).sum(axis=0)
            self.a[block] = plan.values
            self.pivot[plan.row] = plan.new_pivot
            self.row_of[plan.new_pivot] = plan.row
            self.column = plan.columns
            self.slot[cell] = plan.cell_slot
            self.slot[plan.new_pivot] = -1
        self.row_nnz[plan.rows] = plan.nnz
        self.row_of[cell] = -1
        self.hidden = plan.hidden_after

    def _undo(self, plan: _Plan) -> _Undo:
        """What :meth:`_commit` of this plan overwrites."""
        cells = np.array(
            [plan.cell] if plan.new_pivot < 0 else [plan.cell, plan.new_pivot], dtype=np.int64
        )
        r = plan.row
        rows = plan.rows
        block = row_block = None
        if r >= 0 and plan.new_pivot < 0:  # the row dies: its slots lose a count
            cols = (self.a[r] != 0.0).nonzero()[0]
            rows = np.array([r], dtype=np.int64)
        else:
            cols = plan.cols
            if plan.values is not None:
                block = plan.before  # the other rows' entries; the pivot row's apart
                row_block = plan.row_before
        return _Undo(
            self.hidden,
            self.column,
            cells,
            self.row_of[cells].copy(),
            self.slot[cells].copy(),
            r,
            int(self.pivot[r]) if r >= 0 else -1,
            bool(self.alive[r]) if r >= 0 else True,
            rows,
            self.row_nnz[rows].copy(),
            cols,
            self.col_nnz[cols].copy(),
            block,
            row_block,
        )

    def _kill(self, r: int) -> None:
        self.col_nnz -= self.a[r] != 0.0
        self.alive[r] = False
        self.row_nnz[r] = 0
