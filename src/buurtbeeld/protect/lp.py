"""The attacker's linear program: relations as a sparse matrix, one HiGHS model per component.

Rows are the relations (``total - parts = 0``) followed by the inequalities
(``greater - lesser >= 0``); published cells are constants moved to the right-hand side,
rounded published values and known bounds of hidden cells are column bounds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import highspy
import numpy as np
from scipy.sparse import coo_array, csr_array

if TYPE_CHECKING:
    from buurtbeeld.protect.audit import AuditInput

EPS = 1e-6


@dataclass(eq=False)
class Lp:
    cols: dict[int, int]
    a_eq: csr_array
    """The rows: equalities (``row == b_lo``) and inequalities (``row >= b_lo``)."""
    b_lo: np.ndarray
    b_up: np.ndarray
    """``b_lo`` for equalities, ``inf`` for inequalities."""
    bounds: list[tuple[float | None, float | None]]
    rows: np.ndarray
    """The relations (rows of the incidence matrix) in this LP."""
    solver: highspy.Highs | None = None
    """HiGHS with this LP loaded: every target cell only changes the objective, and the
    simplex restarts from the previous basis (much cheaper than a fresh ``linprog``)."""
    target: int | None = None
    """The column whose cost is set (±1; every other cost is zero)."""
    row_pos: dict[int, int] | None = None
    """Relation → row of this LP (built when a cell is hidden in it, :func:`hide_in_lp`)."""
    hidden_extra: list[int] = field(default_factory=list)
    """Published cells made variables by :func:`hide_in_lp` (columns after the component's)."""


def highs_model(lp: Lp) -> highspy.Highs:
    if lp.solver is None:
        h = highspy.Highs()  # type: ignore[no-untyped-call]
        h.setOptionValue("output_flag", False)
        n, m = lp.a_eq.shape[1], lp.a_eq.shape[0]
        model = highspy.HighsLp()
        model.num_col_, model.num_row_ = n, m
        model.col_cost_ = np.zeros(n)
        model.col_lower_ = np.array([lo or 0.0 for lo, _ in lp.bounds], dtype=np.float64)
        model.col_upper_ = np.array(
            [highspy.kHighsInf if up is None else up for _, up in lp.bounds], dtype=np.float64
        )
        model.row_lower_ = np.asarray(lp.b_lo, dtype=np.float64)
        model.row_upper_ = np.where(np.isinf(lp.b_up), highspy.kHighsInf, lp.b_up)
        csc = lp.a_eq.tocsc()
        matrix = model.a_matrix_
        matrix.format_ = highspy.MatrixFormat.kColwise
        matrix.num_col_, matrix.num_row_ = n, m
        matrix.start_ = csc.indptr.astype(np.int32)
        matrix.index_ = csc.indices.astype(np.int32)
        matrix.value_ = csc.data.astype(np.float64)
        h.passModel(model)
        lp.solver = h
    return lp.solver


def incidence(data: AuditInput) -> csr_array:
    """The relations as a sparse matrix: +1 for the total, -1 for each part (``= 0``); then one
    row per inequality: +1 for each greater cell, -1 for each lesser one (``>= 0``)."""
    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    for r, (total, parts) in enumerate(data.relations):
        rows.append(r)
        cols.append(total)
        vals.append(1.0)
        rows.extend([r] * len(parts))
        cols.extend(parts)
        vals.extend([-1.0] * len(parts))
    first = len(data.relations)
    for r, (greater, lesser) in enumerate(data.inequalities, start=first):
        rows.extend([r] * (len(greater) + len(lesser)))
        cols.extend((*greater, *lesser))
        vals.extend([1.0] * len(greater) + [-1.0] * len(lesser))
    shape = (first + len(data.inequalities), data.n_cells)
    return coo_array((vals, (rows, cols)), shape=shape).tocsr()


class Incidence:
    """Relations as a sparse matrix (+1 total, -1 parts) and the published values."""

    def __init__(self, data: AuditInput) -> None:
        self.m = data.matrix if data.matrix is not None else incidence(data)
        self.mt = self.m.T.tocsr()
        self.n_equal = len(data.relations)
        self.constant = np.zeros(data.n_cells)
        self.is_constant = np.zeros(data.n_cells, dtype=bool)
        for c, (lo, up) in data.known.items():
            if up - lo <= EPS:
                self.constant[c] = lo
                self.is_constant[c] = True
        self.lower = np.zeros(data.n_cells)
        self.upper = np.full(data.n_cells, np.inf)
        for c, (lo, up) in data.known.items():
            if up - lo > EPS:
                self.lower[c], self.upper[c] = max(0.0, lo), up
        for c, (lo, up) in data.bounds.items():
            if c not in data.known:
                self.lower[c], self.upper[c] = max(0.0, lo), up

    def build(self, component: list[int]) -> Lp:
        comp = np.asarray(component, dtype=np.int64)
        rows = np.unique(self.mt[comp].indices)
        sub = self.m[rows]
        a_eq = sub[:, comp].tocsr()
        b_lo = -(sub @ self.constant)
        b_up = np.where(rows >= self.n_equal, np.inf, b_lo)
        bounds: list[tuple[float | None, float | None]] = [
            (float(lo), None if np.isinf(up) else float(up))
            for lo, up in zip(self.lower[comp], self.upper[comp], strict=True)
        ]
        return Lp({c: k for k, c in enumerate(component)}, a_eq, b_lo, b_up, bounds, rows)

    def published_in(self, rows: np.ndarray) -> tuple[int, ...]:
        """The published (constant) cells of these relations, sorted."""
        ptr, idx, constant = self.m.indptr, self.m.indices, self.is_constant
        found: set[int] = set()
        for r in rows.tolist():
            cells = idx[ptr[r] : ptr[r + 1]]
            found.update(cells[constant[cells]].tolist())
        return tuple(sorted(found))


def hide_in_lp(lp: Lp, inc: Incidence, cell: int) -> bool:
    """Make a published cell a variable of a component's loaded LP, as if it were hidden.

    The cell's value leaves the right-hand side of its relations in the LP; a relation of the
    cell that the LP lacks (every other member published) is added. The LP is then the attacker's
    LP of the same component with that cell hidden too, so every solution is a feasible table of
    any pattern that hides at least these cells. Returns ``False`` (and changes nothing) when
    the cell is not a published constant, is already a column, or shares a relation with a
    variable cell outside the LP (hiding it would join components: the next audit decides).
    """
    if cell in lp.cols or not inc.is_constant[cell]:
        return False
    m = inc.m
    rows = inc.mt.indices[inc.mt.indptr[cell] : inc.mt.indptr[cell + 1]].astype(np.int64)
    if lp.row_pos is None:
        lp.row_pos = {int(r): i for i, r in enumerate(lp.rows.tolist())}
    pos = lp.row_pos
    coefs = np.empty(len(rows))
    outside: list[int] = []
    for j, r in enumerate(rows.tolist()):
        members = m.indices[m.indptr[r] : m.indptr[r + 1]]
        values = m.data[m.indptr[r] : m.indptr[r + 1]]
        coefs[j] = float(values[members == cell][0])
        if r not in pos:
            others = members[members != cell]
            if not inc.is_constant[others].all():
                return False
            outside.append(j)
    h = highs_model(lp)
    value = float(inc.constant[cell])
    inf = highspy.kHighsInf
    for j, r in enumerate(rows.tolist()):
        i = pos.get(r)
        if i is None:
            continue
        b = float(lp.b_lo[i]) + coefs[j] * value
        lp.b_lo[i] = b
        equal = bool(np.isfinite(lp.b_up[i]))
        if equal:
            lp.b_up[i] = b
        h.changeRowBounds(i, b, b if equal else inf)
    for j in outside:
        r = int(rows[j])
        i = len(lp.rows)
        members = m.indices[m.indptr[r] : m.indptr[r + 1]]
        values = m.data[m.indptr[r] : m.indptr[r + 1]]
        others = members != cell
        b = -float(values[others] @ inc.constant[members[others]])  # the rest is published
        equal = r < inc.n_equal
        h.addRow(b, b if equal else inf, 0, np.zeros(0, np.int32), np.zeros(0))
        lp.rows = np.append(lp.rows, r)
        lp.b_lo = np.append(lp.b_lo, b)
        lp.b_up = np.append(lp.b_up, b if equal else np.inf)
        pos[r] = i
    idx = np.array([pos[int(r)] for r in rows.tolist()], dtype=np.int32)
    lower, upper = max(0.0, float(inc.lower[cell])), float(inc.upper[cell])
    h.addCol(0.0, lower, inf if np.isinf(upper) else upper, len(idx), idx, coefs)
    lp.cols[cell] = len(lp.cols)
    lp.bounds.append((lower, None if np.isinf(upper) else upper))
    lp.hidden_extra.append(cell)
    return True
