"""The attacker audit: linear programs that bound every hidden cell.

Attacker model (SDC.md §1.2, §5.3): the attacker knows every relation, every published value
(exactly, or as an interval when it was rounded: ``[r - (b-1), r + (b-1)]`` for random rounding
to base ``b``) and that counts and amounts are non-negative. For each hidden cell the attacker
solves ``min y_i`` and ``max y_i`` over everything consistent with that knowledge (SciPy HiGHS).
Bounds of count cells are rounded inward to integers.

A hidden cell fails the audit when

- its interval is (integer-)exact: it can be recomputed;
- it is a frequency primary and its interval lies inside the hidden range (the attacker learns
  that the count is small: for ``cbs-zorg`` the upper bound must reach 8, for ``drempel-10`` the
  interval must reach 0 or 10);
- it is a p%-primary and ``up < value + UPL`` or ``low > value - LPL``.

Speed: hidden cells split into independent components (published cells are constants); per
component the constraint matrix is built once. Two batch LPs (maximise the sum of capped cells,
minimise the sum of floored cells) prove most cells safe at once; every LP solution is a feasible
table, so it serves as a witness for all cells. Only cells not proven get their own LPs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import highspy
import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_array, csr_array, hstack
from scipy.sparse import eye_array as speye

from buurtbeeld.protect.rules import Requirement

EPS = 1e-6
Problem = Literal["exact", "hidden-range", "protection-level"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A hidden cell the attacker can pin down too well (internal; holds the interval)."""

    cell: int
    problem: Problem
    low: float
    up: float
    binding: tuple[int, ...] = ()
    """Published cells in the relations that bound the cell (candidates to hide)."""


@dataclass
class AuditResult:
    """Outcome of an audit. ``intervals`` holds exact LP intervals where they were computed."""

    findings: list[Finding] = field(default_factory=list)
    intervals: dict[int, tuple[float, float]] = field(default_factory=dict)
    n_hidden: int = 0
    n_components: int = 0
    n_lps: int = 0
    covered: set[int] = field(default_factory=set)
    """Cells of the components that were audited."""

    @property
    def passed(self) -> bool:
        """Whether no hidden cell fails."""
        return not self.findings


@dataclass
class AuditInput:
    """What the attacker faces.

    Parameters
    ----------
    n_cells
        Number of cells.
    relations
        ``(total, parts)`` index tuples.
    known
        Published cells: ``(low, up)`` with ``low == up`` for exact values.
    requirements
        Per hidden cell what its interval must satisfy; hidden cells without an entry must only
        not be exact.
    truth
        True values of hidden cells where the data holder knows them (needed for protection
        levels; also speeds up the audit).
    integer
        Cells are counts: intervals are rounded inward to integers.
    """

    n_cells: int
    relations: Sequence[tuple[int, tuple[int, ...]]]
    known: Mapping[int, tuple[float, float]]
    requirements: Mapping[int, Requirement] = field(default_factory=dict)
    truth: Mapping[int, float] = field(default_factory=dict)
    integer: bool = True
    matrix: csr_array | None = None
    """The relations as an incidence matrix, if already built (they rarely change)."""


def audit(
    data: AuditInput, *, exact_intervals: bool = False, only: set[int] | None = None
) -> AuditResult:
    """Bound every hidden cell by linear programming and report the cells that fail.

    Parameters
    ----------
    data
        Relations, published values and requirements.
    exact_intervals
        Compute the exact interval of every hidden cell (2 LPs each) instead of stopping as soon
        as a cell is proven safe.
    only
        Audit only the components that contain one of these cells (the others are unchanged
        since an earlier audit).
    """
    result = AuditResult()
    hidden = [i for i in range(data.n_cells) if i not in data.known]
    result.n_hidden = len(hidden)
    variables = set(hidden) | {i for i, (lo, up) in data.known.items() if up - lo > EPS}
    components = [
        comp for comp in _components(data, variables) if only is None or not only.isdisjoint(comp)
    ]
    result.n_components = len(components)
    result.covered = {c for comp in components for c in comp}
    wmin = np.full(data.n_cells, np.inf)
    wmax = np.full(data.n_cells, -np.inf)
    for c, value in data.truth.items():
        wmin[c] = wmax[c] = value
    inc = _Incidence(data)
    if not exact_intervals and components:
        _batch(data, inc, components, wmin, wmax, result)
    for component in components:
        _audit_component(data, inc, component, result, exact_intervals, wmin, wmax)
    return result


def _components(data: AuditInput, variables: set[int]) -> list[list[int]]:
    parent = {v: v for v in variables}

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for total, parts in data.relations:
        members = [c for c in (total, *parts) if c in variables]
        for other in members[1:]:
            a, b = find(members[0]), find(other)
            if a != b:
                parent[b] = a
    groups: dict[int, list[int]] = {}
    for v in sorted(variables):
        groups.setdefault(find(v), []).append(v)
    hidden_any = [g for g in groups.values() if any(v not in data.known for v in g)]
    return hidden_any


@dataclass(eq=False)
class _Lp:
    cols: dict[int, int]
    a_eq: csr_array
    b_eq: np.ndarray
    bounds: list[tuple[float | None, float | None]]
    rows: np.ndarray
    """The relations (rows of the incidence matrix) in this LP."""
    solver: highspy.Highs | None = None
    """HiGHS with this LP loaded: every target cell only changes the objective, and the
    simplex restarts from the previous basis (much cheaper than a fresh ``linprog``)."""


def _highs(lp: _Lp) -> highspy.Highs:
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
        model.row_lower_ = model.row_upper_ = np.asarray(lp.b_eq, dtype=np.float64)
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
    """The relations as a sparse matrix: +1 for the total, -1 for each part."""
    rows, cols, vals = [], [], []
    for r, (total, parts) in enumerate(data.relations):
        rows.append(r)
        cols.append(total)
        vals.append(1.0)
        rows.extend([r] * len(parts))
        cols.extend(parts)
        vals.extend([-1.0] * len(parts))
    shape = (len(data.relations), data.n_cells)
    return coo_array((vals, (rows, cols)), shape=shape).tocsr()


class _Incidence:
    """Relations as a sparse matrix (+1 total, -1 parts) and the published values."""

    def __init__(self, data: AuditInput) -> None:
        self.m = data.matrix if data.matrix is not None else incidence(data)
        self.mt = self.m.T.tocsr()
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

    def build(self, component: list[int]) -> _Lp:
        comp = np.asarray(component, dtype=np.int64)
        rows = np.unique(self.mt[comp].indices)
        sub = self.m[rows]
        a_eq = sub[:, comp].tocsr()
        b_eq = -(sub @ self.constant)
        bounds: list[tuple[float | None, float | None]] = [
            (float(lo), None if np.isinf(up) else float(up))
            for lo, up in zip(self.lower[comp], self.upper[comp], strict=True)
        ]
        return _Lp({c: k for k, c in enumerate(component)}, a_eq, b_eq, bounds, rows)

    def published_in(self, row: int) -> tuple[int, ...]:
        """The published (constant) cells of a relation."""
        cells = self.m.indices[self.m.indptr[row] : self.m.indptr[row + 1]]
        return tuple(int(c) for c in cells if self.is_constant[c])


def _solve(lp: _Lp, c: np.ndarray, result: AuditResult) -> tuple[np.ndarray | None, np.ndarray]:
    """Minimise ``c @ x`` over the LP; ``(None, 0)`` when unbounded."""
    result.n_lps += 1
    h = _highs(lp)
    n = len(c)
    h.changeColsCost(n, np.arange(n, dtype=np.int32), np.asarray(c, dtype=np.float64))
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        raise ValueError("the published values contradict the relations (infeasible audit)")
    if status != highspy.HighsModelStatus.kOptimal:
        h.clearSolver()  # unbounded: do not warm-start the next objective from here
        return None, np.zeros(lp.a_eq.shape[0])
    solution = h.getSolution()
    return np.asarray(solution.col_value), np.asarray(solution.row_dual)


def _audit_component(
    data: AuditInput,
    inc: _Incidence,
    component: list[int],
    result: AuditResult,
    exact: bool,
    wmin: np.ndarray,
    wmax: np.ndarray,
) -> None:
    targets = [
        c
        for c in component
        if c not in data.known and (exact or not _proven(data, c, wmin[c], wmax[c]))
    ]
    if not targets:
        return
    lp = inc.build(component)
    n = len(component)
    cols = np.array(component)

    def witness(x: np.ndarray | None) -> None:
        if x is not None:
            np.minimum.at(wmin, cols, x)
            np.maximum.at(wmax, cols, x)

    binding: dict[int, tuple[int, ...]] = {}
    for c in targets:
        k = lp.cols[c]
        if not exact and _proven(data, c, wmin[c], wmax[c]):
            continue
        obj = np.zeros(n)
        obj[k] = -1.0
        x_up, d_up = _solve(lp, obj, result)
        up = math.inf if x_up is None else float(x_up[k])
        witness(x_up)
        if not exact and _proven(data, c, wmin[c], wmax[c]):
            continue
        obj[k] = 1.0
        x_lo, d_lo = _solve(lp, obj, result)
        low = 0.0 if x_lo is None else float(x_lo[k])
        witness(x_lo)
        result.intervals[c] = (low, up)
        used: set[int] = set()
        for duals in (d_up, d_lo):
            for r in np.flatnonzero(np.abs(duals) > EPS):
                used.update(inc.published_in(int(lp.rows[r])))
        binding[c] = tuple(sorted(used))
    for c, (low, up) in result.intervals.items():
        if c not in lp.cols:
            continue
        problem = _failure(data, c, low, up)
        if problem is not None:
            result.findings.append(Finding(c, problem, low, up, binding.get(c, ())))


def _batch(
    data: AuditInput,
    inc: _Incidence,
    components: list[list[int]],
    wmin: np.ndarray,
    wmax: np.ndarray,
    result: AuditResult,
) -> None:
    """Prove many cells safe with few LPs; every LP solution is a witness table.

    One LP per direction covers all components that still have open cells; a few rounds,
    while they keep proving enough cells.
    """
    component_of = {c: k for k, comp in enumerate(components) for c in comp}
    open_cells = [
        c
        for comp in components
        for c in comp
        if c not in data.known and not _proven(data, c, wmin[c], wmax[c])
    ]
    for direction in ("up", "down"):
        while True:
            cells = [c for c in open_cells if _goal(data, c, direction) is not None]
            if not cells:
                break
            chosen = sorted({component_of[c] for c in cells})
            lp = inc.build(sorted(c for k in chosen for c in components[k]))
            if not _batch_lp(data, lp, cells, direction, wmin, wmax, result):
                break
            before = len(open_cells)
            open_cells = [c for c in open_cells if not _proven(data, c, wmin[c], wmax[c])]
            if before - len(open_cells) < max(1, len(cells) // 5):
                break  # too little progress: single-cell LPs are cheaper now


def _batch_lp(
    data: AuditInput,
    lp: _Lp,
    cells: list[int],
    direction: str,
    wmin: np.ndarray,
    wmax: np.ndarray,
    result: AuditResult,
) -> bool:
    """One LP pushing every cell towards its goal: up: max sum min(y, goal); down: the mirror."""
    n = len(lp.cols)
    goals = [(lp.cols[c], g) for c in cells if (g := _goal(data, c, direction)) is not None]
    m = len(goals)
    # variables y (n) and t (m); up: t_j <= y_k, t_j <= goal_j; down: t_j >= y_k, t_j >= goal_j
    sign = 1.0 if direction == "up" else -1.0
    y_part = coo_array(([-sign] * m, (list(range(m)), [k for k, _ in goals])), shape=(m, n))
    a_ub = hstack([y_part, speye(m) * sign]).tocsr()
    a_eq = hstack([lp.a_eq, csr_array((lp.a_eq.shape[0], m))]).tocsr()
    bounds: list[tuple[float | None, float | None]] = list(lp.bounds)
    for _k, goal in goals:
        bounds.append((None, goal) if direction == "up" else (goal, None))
    obj = np.concatenate([np.zeros(n), -np.ones(m) if direction == "up" else np.ones(m)])
    result.n_lps += 1
    res = linprog(
        obj, A_ub=a_ub, b_ub=np.zeros(m), A_eq=a_eq, b_eq=lp.b_eq, bounds=bounds, method="highs"
    )
    if res.status != 0:
        return False
    cols = np.array(sorted(lp.cols, key=lp.cols.__getitem__))
    x = np.asarray(res.x[:n])
    np.minimum.at(wmin, cols, x)
    np.maximum.at(wmax, cols, x)
    return True


def _goal(data: AuditInput, c: int, direction: str) -> float | None:
    req = data.requirements.get(c, Requirement())
    truth = data.truth.get(c)
    if direction == "up":
        if req.hidden_max is not None:
            return req.hidden_max + 1.0
        if truth is not None:
            return truth + max(req.upper, 1.0 if data.integer else EPS * 10)
        return None
    if req.hidden_min is not None:
        return req.hidden_min - 1.0 if req.hidden_min >= 1 else None
    if truth is not None:
        return truth - max(req.lower, 1.0 if data.integer else EPS * 10)
    return None


def _inward(data: AuditInput, low: float, up: float) -> tuple[float, float]:
    if data.integer:
        return math.ceil(low - EPS), (math.floor(up + EPS) if math.isfinite(up) else up)
    return low, up


def _proven(data: AuditInput, c: int, wmin: float, wmax: float) -> bool:
    """Whether witnesses alone show the cell is safe (the true interval contains them)."""
    if not (math.isfinite(wmin) and math.isfinite(wmax)):
        return False
    return _failure(data, c, wmin, wmax) is None


def _failure(data: AuditInput, c: int, low: float, up: float) -> Problem | None:
    req = data.requirements.get(c, Requirement())
    lo_i, up_i = _inward(data, low, up)
    scale = max(1.0, abs(up) if math.isfinite(up) else 1.0)
    if data.integer:
        if up_i - lo_i < 1:
            return "exact"
    elif up - low <= EPS * scale:
        return "exact"
    if (
        req.hidden_min is not None
        and req.hidden_max is not None
        and lo_i >= req.hidden_min
        and up_i <= req.hidden_max
    ):
        return "hidden-range"
    truth = data.truth.get(c)
    if (
        truth is not None
        and (req.upper > 0 or req.lower > 0)
        and (up < truth + req.upper - EPS * scale or low > truth - req.lower + EPS * scale)
    ):
        return "protection-level"
    return None
