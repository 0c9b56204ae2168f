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


class LocalProver:
    """Small LPs around single cells, on one feasible table (``base``) per component."""

    def __init__(self, inc: Incidence, base: np.ndarray) -> None:
        self.inc = inc
        self.base = base
        """A feasible value per cell (``nan``: none yet); replaced a whole component at a time."""
        self.variable = ~inc.is_constant
        self.n_lps = 0

    def neighbourhood(self, c: int, rings: int = 2, max_cells: int = MAX_CELLS) -> np.ndarray:
        """The target and the variable cells within ``rings`` relations of it: the first ring
        always, each further ring only while the total stays within ``max_cells``."""
        m, mt, variable = self.inc.m, self.inc.mt, self.variable
        cells = np.array([c], dtype=np.int64)
        frontier = cells
        for k in range(rings):
            ring = np.unique(m[np.unique(mt[frontier].indices)].indices)
            ring = ring[variable[ring]]
            wider = np.union1d(cells, ring)
            if k and len(wider) > max_cells:
                break
            frontier = np.setdiff1d(ring, cells, assume_unique=True)
            cells = wider
            if not len(frontier):
                break
        return cells.astype(np.int64)

    def push(
        self, c: int, direction: str, goal: float, *, rings: int = 2, max_cells: int = MAX_CELLS
    ) -> np.ndarray | None:
        """Values of the neighbourhood in a feasible table with cell ``c`` at its goal (or as far
        towards it as the neighbourhood allows); ``None`` when no local table is available."""
        cells = self.neighbourhood(c, rings, max_cells)
        inc = self.inc
        rows = np.unique(inc.mt[cells].indices)
        if not len(rows):
            return None
        sub = inc.m[rows]
        outside = np.setdiff1d(np.unique(sub.indices), cells)
        outside = outside[self.variable[outside]]
        if not np.isfinite(self.base[outside]).all() or not np.isfinite(self.base[cells]).all():
            return None
        values = np.where(inc.is_constant, inc.constant, 0.0)
        values[outside] = self.base[outside]
        rhs = -(sub @ values)
        a = sub[:, cells].tocsc()
        equal = rows < inc.n_equal
        lower = np.maximum(inc.lower[cells], 0.0)
        upper = inc.upper[cells].copy()
        k = int(np.searchsorted(cells, c))
        # push only up to the goal: the LP stops there (any table that reaches it will do)
        if direction == "up":
            upper[k] = min(upper[k], goal)
        else:
            lower[k] = max(lower[k], goal)
        if lower[k] > upper[k] + EPS:
            return None
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        lp = highspy.HighsLp()
        n = len(cells)
        lp.num_col_, lp.num_row_ = n, len(rows)
        cost = np.zeros(n)
        cost[k] = -1.0 if direction == "up" else 1.0
        lp.col_cost_ = cost
        lp.col_lower_ = lower
        lp.col_upper_ = np.where(np.isinf(upper), highspy.kHighsInf, upper)
        lp.row_lower_ = rhs
        lp.row_upper_ = np.where(equal, rhs, highspy.kHighsInf)
        matrix = lp.a_matrix_
        matrix.format_ = highspy.MatrixFormat.kColwise
        matrix.num_col_, matrix.num_row_ = n, len(rows)
        matrix.start_ = a.indptr.astype(np.int32)
        matrix.index_ = a.indices.astype(np.int32)
        matrix.value_ = a.data.astype(np.float64)
        h.passModel(lp)
        h.run()
        self.n_lps += 1
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.asarray(h.getSolution().col_value)
        return np.stack([cells.astype(np.float64), x])
