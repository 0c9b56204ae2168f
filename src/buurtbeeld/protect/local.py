"""Local witnesses: prove a hidden cell safe with a small LP around it instead of a large one.

The audit proves a cell safe by *witnesses*: feasible tables in which the cell reaches the value
its requirement asks for (e.g. 8 for a ``cbs-zorg`` primary). Any feasible table will do. When
published values are intervals (a partner's rounded marginal) one component can hold thousands
of cells, and every single-cell LP solves all of them.

Here the table around one cell is changed, the rest kept: with a feasible table ``x0`` of the
whole component (the true table, or an LP solution), the cells near the target (``N``: the
target, the cells sharing a relation with it, and theirs) become variables, every other cell
keeps its value from ``x0`` (moved to the right-hand side of each relation that touches ``N``).
Every solution of this small LP, with ``x0`` outside ``N``, is a feasible table of the whole
system: a witness. When it reaches the goal the cell is proven safe at the cost of an LP with
tens of columns. When it does not, nothing is concluded (the attacker's optimum may lie
further away) and the full LP decides, as before. So the guarantees are the same; only cells
that the local LP proves skip the large one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import highspy
import numpy as np

if TYPE_CHECKING:
    from buurtbeeld.protect.lp import Incidence

MAX_CELLS = 400
"""Largest neighbourhood solved locally (cells); larger ones use one ring of cells less."""
WIDE_RINGS = 4
WIDE_CELLS = 6_000
"""The second try for a cell the small neighbourhood cannot prove: up to four rings, at most
this many cells (still far smaller than a component that rounded values link into one)."""
EPS = 1e-6


@dataclass(frozen=True, slots=True)
class LocalLp:
    """A local LP: ``row_lower <= A y <= row_upper``, ``col_lower <= y <= col_upper``, minimise
    ``cost @ y``; ``A`` column-wise (``start``, ``index``, ``value``)."""

    cells: np.ndarray
    rows: np.ndarray
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    cost: np.ndarray


def gather(ptr: np.ndarray, items: np.ndarray) -> np.ndarray:
    """Positions ``ptr[i]..ptr[i+1]`` of every item, concatenated (a CSR row gather without
    SciPy's fancy indexing, which costs more than the small LP it builds)."""
    starts = ptr[items]
    lens = ptr[items + 1] - starts
    ends = np.cumsum(lens)
    return np.repeat(starts - ends + lens, lens) + np.arange(int(ends[-1]) if len(ends) else 0)


class LocalProver:
    """Small LPs around single cells, on one feasible table (``base``) per component.

    The relations' CSR arrays (cell → relations, relation → cells) are kept as plain numpy
    arrays; a neighbourhood and its LP are gathered from them with a few vector operations and
    passed to one reusable HiGHS instance. The LP is the same as slicing the incidence matrix
    would give (same rows, columns and order), so the answers are too.
    """

    def __init__(self, inc: Incidence, base: np.ndarray) -> None:
        self.inc = inc
        self.base = base
        """A feasible value per cell (``nan``: none yet); replaced a whole component at a time."""
        self.variable = ~inc.is_constant
        self.n_lps = 0
        m, mt = inc.m, inc.mt
        self._row_ptr = m.indptr.astype(np.int64)
        self._row_cells = m.indices.astype(np.int64)
        self._row_values = m.data.astype(np.float64)
        self._cell_ptr = mt.indptr.astype(np.int64)
        self._cell_rows = mt.indices.astype(np.int64)
        n = len(inc.constant)
        self._mark = np.zeros(n, dtype=bool)
        self._pos = np.full(n, -1, dtype=np.int64)
        self._highs: highspy.Highs | None = None

    def _rows_of(self, cells: np.ndarray) -> np.ndarray:
        return np.unique(self._cell_rows[gather(self._cell_ptr, cells)])

    def neighbourhood(self, c: int, rings: int = 2, max_cells: int = MAX_CELLS) -> np.ndarray:
        """The target and the variable cells within ``rings`` relations of it: the first ring
        always, each further ring only while the total stays within ``max_cells``."""
        return self.region(np.array([c], dtype=np.int64), rings, max_cells)

    def region(self, targets: np.ndarray, rings: int, max_cells: float = np.inf) -> np.ndarray:
        """The targets and the variable cells within ``rings`` relations of any of them (the
        first ring always, each further ring only while the total stays within
        ``max_cells``), sorted."""
        mark, variable = self._mark, self.variable
        frontier = np.unique(targets)
        found = [frontier]
        size = len(frontier)
        mark[frontier] = True
        for k in range(rings):
            rows = self._rows_of(frontier)
            ring = np.unique(self._row_cells[gather(self._row_ptr, rows)])
            new = ring[variable[ring] & ~mark[ring]]
            if k and size + len(new) > max_cells:
                break
            mark[new] = True
            found.append(new)
            size += len(new)
            frontier = new
            if not len(frontier):
                break
        cells = np.sort(np.concatenate(found))
        mark[cells] = False
        return cells

    def local_lp(
        self, c: int, direction: str, goal: float, *, rings: int = 2, max_cells: int = MAX_CELLS
    ) -> LocalLp | None:
        """The LP around cell ``c`` (``None`` when no local table is available): the cells of
        its neighbourhood as columns (sorted), every relation touching them as a row (sorted),
        the other cells at their ``base`` value on the right-hand side."""
        cells = self.neighbourhood(c, rings, max_cells)
        goals = np.array([goal])
        return self._lp(cells, np.array([c], dtype=np.int64), direction, goals)

    def _lp(
        self, cells: np.ndarray, targets: np.ndarray, direction: str, goals: np.ndarray
    ) -> LocalLp | None:
        """The LP over ``cells`` (sorted) with each target pushed towards its goal."""
        inc = self.inc
        rows = self._rows_of(cells)
        if not len(rows):
            return None
        at = gather(self._row_ptr, rows)
        cols, coef = self._row_cells[at], self._row_values[at]
        row_of = np.repeat(np.arange(len(rows)), np.diff(self._row_ptr)[rows])
        pos = self._pos
        pos[cells] = np.arange(len(cells))
        local = pos[cols]
        pos[cells] = -1
        inside = local >= 0
        out_cols = cols[~inside]
        constant = inc.is_constant[out_cols]
        values = np.where(constant, inc.constant[out_cols], self.base[out_cols])
        if not np.isfinite(values).all() or not np.isfinite(self.base[cells]).all():
            return None
        rhs = -np.bincount(row_of[~inside], weights=coef[~inside] * values, minlength=len(rows))
        lower = np.maximum(inc.lower[cells], 0.0)
        upper = inc.upper[cells].copy()
        k = np.searchsorted(cells, targets)
        # push only up to the goal: the LP stops there (any table that reaches it will do)
        if direction == "up":
            upper[k] = np.minimum(upper[k], goals)
        else:
            lower[k] = np.maximum(lower[k], goals)
        if (lower[k] > upper[k] + EPS).any():
            return None
        n = len(cells)
        # column-wise matrix: entries by column, rows ascending within a column
        in_col = local[inside]
        order = np.argsort(in_col, kind="stable")
        start = np.zeros(n + 1, dtype=np.int32)
        np.cumsum(np.bincount(in_col, minlength=n), out=start[1:])
        cost = np.zeros(n)
        cost[k] = -1.0 if direction == "up" else 1.0
        return LocalLp(
            cells=cells,
            rows=rows,
            start=start,
            index=row_of[inside][order].astype(np.int32),
            value=coef[inside][order],
            col_lower=lower,
            col_upper=upper,
            row_lower=rhs,
            row_upper=np.where(rows < inc.n_equal, rhs, np.inf),
            cost=cost,
        )

    def push(
        self, c: int, direction: str, goal: float, *, rings: int = 2, max_cells: int = MAX_CELLS
    ) -> np.ndarray | None:
        """Values of the neighbourhood in a feasible table with cell ``c`` at its goal (or as far
        towards it as the neighbourhood allows); ``None`` when no local table is available."""
        return self._solve(self.local_lp(c, direction, goal, rings=rings, max_cells=max_cells))

    def push_many(
        self, cells: np.ndarray, targets: np.ndarray, direction: str, goals: np.ndarray
    ) -> np.ndarray | None:
        """Values of ``cells`` (a :meth:`region` around the targets) in a feasible table that
        pushes every target towards its goal at once (``max sum y``, each capped at its goal;
        down: the mirror); ``None`` when no local table is available.

        The batch LP of :mod:`.audit_batch` restricted to the cells near the open targets, the
        rest of the component at ``base``: late batch rounds have few open cells, and the
        component's LP (tens of thousands of columns when rounded values link a package) costs
        a second per round whatever their number.
        """
        return self._solve(self._lp(cells, targets, direction, goals))

    def _solve(self, small: LocalLp | None) -> np.ndarray | None:
        if small is None:
            return None
        n, m = len(small.cells), len(small.rows)
        inf = highspy.kHighsInf
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_ = small.cost
        lp.col_lower_ = small.col_lower
        lp.col_upper_ = np.where(np.isinf(small.col_upper), inf, small.col_upper)
        lp.row_lower_ = small.row_lower
        lp.row_upper_ = np.where(np.isinf(small.row_upper), inf, small.row_upper)
        matrix = lp.a_matrix_
        matrix.format_ = highspy.MatrixFormat.kColwise
        matrix.num_col_, matrix.num_row_ = n, m
        matrix.start_ = small.start
        matrix.index_ = small.index
        matrix.value_ = small.value
        h = self._solver()
        h.passModel(lp)
        h.run()
        self.n_lps += 1
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(h.getSolution().col_value)
        return np.stack([small.cells.astype(np.float64), x])

    def _solver(self) -> highspy.Highs:
        """One HiGHS instance for every local LP (``passModel`` replaces the model and its
        basis: each LP is solved from scratch, as with a new instance)."""
        if self._highs is None:
            h = highspy.Highs()  # type: ignore[no-untyped-call]
            h.setOptionValue("output_flag", False)
            self._highs = h
        return self._highs
