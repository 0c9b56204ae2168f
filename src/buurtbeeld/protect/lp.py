"""The attacker's linear program: relations as a sparse matrix, one HiGHS model per component.

Rows are the relations (``total - parts = 0``) followed by the inequalities
(``greater - lesser >= 0``); published cells are constants moved to the right-hand side,
rounded published values and known bounds of hidden cells are column bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
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
