"""A near-exact suppression pattern for one small part of a table: a HiGHS MIP.

The model (after Fischetti and Salazar-González, in its compact "flow" form): a binary ``x_i``
per cell (1: hidden) and, per primary ``p`` and required direction, a deviation ``d`` of the
whole part that keeps every relation (``M d = 0``), moves only hidden cells
(``-min(a_i, need) x_i <= d_i <= need x_i``: cells stay non-negative and move at most as far
as ``p`` must) and moves ``p`` far enough:

- frequency primary with hidden range ``hmin..hmax``: up to ``hmax + 1`` (or, when the range
  does not start at 0, down to ``hmin - 1``: one binary per primary picks the direction);
- p%-primary: up by its upper and down by its lower protection level;
- any other primary: up by one unit (not exact).

A deviation is a feasible table for the attacker, so a solution of the model is a pattern
whose audit intervals reach the required values. Singleton protection enters lazily: when the
caller's check finds that the contributor of a single-contributor cell ``s`` could compute a
primary ``p``, the pair ``(p, s)`` is forbidden (``p``'s deviations leave ``s`` alone) and the
model is solved again.

The model is conservative (one direction for "not exact", link cells outside the part held
fixed), so its pattern is audited like any other by the caller and kept only if it passes and
costs less than the heuristic pattern. Deterministic: one thread and a node limit; a run that
reaches the time limit (a safety net) is discarded rather than depend on the machine's speed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
from scipy.sparse import coo_array

from buurtbeeld.protect.rules import Requirement

MAX_CELLS = 400  # cells of a part handed to the MIP
MAX_COLUMNS = 8_000  # deviation variables (primaries x directions x cells)
NODE_LIMIT = 500
GAP = 0.02  # relative gap: costs are whole cells, so 2 % of a few dozen is optimal
TIME_LIMIT = 5.0  # seconds; a safety net (the node limit keeps runs reproducible)


@dataclass
class MipPart:
    """One part: cells (local indices), relations, values and what each cell may be."""

    values: Sequence[float]
    relations: Sequence[tuple[int, tuple[int, ...]]]
    primaries: Mapping[int, Requirement]
    """Local primaries (hidden, to protect) and their requirements."""
    fixed_hidden: set[int]
    fixed_published: set[int]
    forbidden: set[tuple[int, int]]
    """``(p, s)``: the deviations of primary ``p`` must leave cell ``s`` alone (``s`` has one
    contributor, who could otherwise compute ``p``; added lazily by the caller)."""
    cost: Sequence[float]
    integer: bool = True


@dataclass
class MipResult:
    hidden: set[int]
    objective: float
    optimal: bool


def _directions(req: Requirement, value: float, integer: bool) -> list[tuple[float, float]]:
    """Per direction the required move (``(up, down)``, 0: none); two entries: either one."""
    step = 1.0 if integer else max(1e-3, 1e-6 * abs(value))
    if req.hidden_min is not None and req.hidden_max is not None:
        up = req.hidden_max + 1 - value
        if req.hidden_min >= 1:
            return [(up, 0.0), (0.0, value - (req.hidden_min - 1))]
        return [(up, 0.0)]
    if req.upper > 0 or req.lower > 0:
        return [(max(req.upper, step), max(req.lower, step))]
    return [(step, 0.0)]


def solve_part(part: MipPart) -> MipResult | None:
    """The cheapest pattern of the model, or ``None`` (too large, infeasible, or no solution)."""
    n = len(part.values)
    prims = sorted(part.primaries)
    if n > MAX_CELLS or not prims:
        return None
    values = np.asarray(part.values, dtype=np.float64)
    # rows of the relations over the part's cells
    r_idx: list[int] = []
    c_idx: list[int] = []
    v: list[float] = []
    for r, (total, parts) in enumerate(part.relations):
        r_idx.append(r)
        c_idx.append(total)
        v.append(1.0)
        for p in parts:
            r_idx.append(r)
            c_idx.append(p)
            v.append(-1.0)
    m_rel = coo_array((v, (r_idx, c_idx)), shape=(len(part.relations), n)).tocsr()
    # blocks of deviation variables: (primary, direction, choice index)
    blocks: list[tuple[int, int, float, int | None]] = []  # (p, sign, need, choice column)
    choices: list[tuple[int, int]] = []  # (p, choice column): 1 = up, 0 = down
    n_cols = n
    for p in prims:
        dirs = _directions(part.primaries[p], float(values[p]), part.integer)
        if len(dirs) == 2:
            choice = n_cols
            n_cols += 1
            choices.append((p, choice))
            blocks.append((p, 1, dirs[0][0], choice))
            blocks.append((p, -1, dirs[1][1], choice))
        else:
            up, down = dirs[0]
            if up > 0:
                blocks.append((p, 1, up, None))
            if down > 0:
                blocks.append((p, -1, down, None))
    if len(blocks) * n > MAX_COLUMNS:
        return None
    first_d = n_cols
    n_cols += len(blocks) * n
    lower = np.zeros(n_cols)
    upper = np.ones(n_cols)
    cost = np.zeros(n_cols)
    cost[:n] = np.asarray(part.cost, dtype=np.float64)
    integrality = np.zeros(n_cols, dtype=np.int32)
    integrality[:first_d] = 1
    for i in range(n):
        if i in part.primaries or i in part.fixed_hidden:
            lower[i] = 1.0
            cost[i] = 0.0
        elif i in part.fixed_published:
            upper[i] = 0.0
    rows: list[tuple[list[int], list[float], float, float]] = []
    rel_rows = [m_rel.indices[m_rel.indptr[r] : m_rel.indptr[r + 1]] for r in range(m_rel.shape[0])]
    rel_vals = [m_rel.data[m_rel.indptr[r] : m_rel.indptr[r + 1]] for r in range(m_rel.shape[0])]
    for b, (p, sign, need, z) in enumerate(blocks):
        off = first_d + b * n
        # every cell moves at most as far as p must (a tight big-M; a restriction of the
        # attacker's moves, so conservative): -min(a_i, need) x_i <= d_i <= need x_i
        fall = np.minimum(values, need)
        lower[off : off + n] = -fall
        upper[off : off + n] = need
        for cols, vals in zip(rel_rows, rel_vals, strict=True):
            rows.append(([off + int(c) for c in cols], vals.tolist(), 0.0, 0.0))
        for i in range(n):
            rows.append(([off + i, i], [1.0, -need], -np.inf, 0.0))
            if fall[i] > 0:
                rows.append(([off + i, i], [1.0, float(fall[i])], 0.0, np.inf))
        for q, s in part.forbidden:
            if q == p:
                lower[off + s] = upper[off + s] = 0.0
        # the move of p: sign * d_p >= need (times the choice when there are two directions)
        if z is None:
            rows.append(([off + p], [float(sign)], need, np.inf))
        elif sign > 0:  # d_p - need * z >= 0
            rows.append(([off + p, z], [1.0, -need], 0.0, np.inf))
        else:  # -d_p - need * (1 - z) >= 0  ->  -d_p + need * z >= need
            rows.append(([off + p, z], [-1.0, need], need, np.inf))
    return _run(n, n_cols, cost, lower, upper, integrality, rows)


def _run(
    n: int,
    n_cols: int,
    cost: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    integrality: np.ndarray,
    rows: list[tuple[list[int], list[float], float, float]],
) -> MipResult | None:
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("mip_max_nodes", NODE_LIMIT)
    h.setOptionValue("time_limit", TIME_LIMIT)
    h.setOptionValue("mip_rel_gap", GAP)
    model = highspy.HighsLp()
    model.num_col_, model.num_row_ = n_cols, len(rows)
    model.col_cost_ = cost
    model.col_lower_ = lower
    model.col_upper_ = upper
    inf = highspy.kHighsInf
    model.row_lower_ = np.array([-inf if np.isinf(lo) else lo for _, _, lo, _ in rows])
    model.row_upper_ = np.array([inf if np.isinf(up) else up for _, _, _, up in rows])
    r_idx = np.concatenate([np.full(len(cols), r) for r, (cols, _, _, _) in enumerate(rows)])
    c_idx = np.concatenate([np.asarray(cols, dtype=np.int64) for cols, _, _, _ in rows])
    vals = np.concatenate([np.asarray(vs, dtype=np.float64) for _, vs, _, _ in rows])
    csc = coo_array((vals, (r_idx, c_idx)), shape=(len(rows), n_cols)).tocsc()
    matrix = model.a_matrix_
    matrix.format_ = highspy.MatrixFormat.kColwise
    matrix.num_col_, matrix.num_row_ = n_cols, len(rows)
    matrix.start_ = csc.indptr.astype(np.int32)
    matrix.index_ = csc.indices.astype(np.int32)
    matrix.value_ = csc.data.astype(np.float64)
    model.integrality_ = [
        highspy.HighsVarType.kInteger if k else highspy.HighsVarType.kContinuous
        for k in integrality.tolist()
    ]
    h.passModel(model)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kTimeLimit or h.getInfo().primal_solution_status != 2:
        return None  # no solution, or one that depends on the machine's speed
    x = np.asarray(h.getSolution().col_value)[:n]
    hidden = {int(i) for i in np.flatnonzero(x > 0.5)}
    return MipResult(hidden, float(h.getInfo().objective_function_value),
                     status == highspy.HighsModelStatus.kOptimal)  # fmt: skip
