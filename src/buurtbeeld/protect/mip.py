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
MAX_COLUMNS = 10_000  # deviation variables (primaries x directions x nearby cells)
RADII = (3, 5)  # relation steps a primary's deviation may reach (tried in turn)
NODE_LIMIT = 200
GAP = 0.02  # relative gap: costs are whole cells, so 2 % of a few dozen is optimal
TIME_LIMIT = 1.0  # seconds; a safety net (the node limit keeps runs reproducible)


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


def neighbourhoods(
    n: int, relations: Sequence[tuple[int, tuple[int, ...]]], radius: int
) -> list[set[int]]:
    """Per cell the cells within ``radius`` relation steps (cells sharing a relation: 1)."""
    by_cell: list[list[int]] = [[] for _ in range(n)]
    groups = [(t, *parts) for t, parts in relations]
    for g, cells in enumerate(groups):
        for c in cells:
            by_cell[c].append(g)
    out = []
    for c in range(n):
        found = {c}
        frontier = {c}
        for _ in range(radius):
            step = {x for f in frontier for g in by_cell[f] for x in groups[g]} - found
            found |= step
            frontier = step
        out.append(found)
    return out


def solve_part(part: MipPart) -> MipResult | None:
    """The cheapest pattern of the model (:func:`solve_near`), trying wider neighbourhoods
    when the narrow one has no solution; ``None`` when none fits or solves."""
    for radius in RADII:
        found = solve_near(part, radius)
        if found is not None:
            return found
    return None


def solve_near(part: MipPart, radius: int) -> MipResult | None:
    """The cheapest pattern of the model, or ``None`` (too large, infeasible, or no solution).

    A primary's deviations may only move cells within ``radius`` relation steps of it (a
    protecting cycle of a hierarchical table lies close to the cell; a restriction of the
    attacker, so conservative), which keeps the model small.
    """
    n = len(part.values)
    prims = sorted(part.primaries)
    if n > MAX_CELLS or not prims:
        return None
    values = np.asarray(part.values, dtype=np.float64)
    groups = [(t, *ps) for t, ps in part.relations]
    coef = [[1.0] + [-1.0] * (len(g) - 1) for g in groups]
    near = neighbourhoods(n, part.relations, radius)
    # blocks of deviation variables: (primary, sign, need, choice column)
    blocks: list[tuple[int, int, float, int | None]] = []
    n_cols = n
    for p in prims:
        dirs = _directions(part.primaries[p], float(values[p]), part.integer)
        if len(dirs) == 2:
            choice = n_cols
            n_cols += 1
            blocks.append((p, 1, dirs[0][0], choice))
            blocks.append((p, -1, dirs[1][1], choice))
        else:
            up, down = dirs[0]
            if up > 0:
                blocks.append((p, 1, up, None))
            if down > 0:
                blocks.append((p, -1, down, None))
    if sum(len(near[p]) for p, _s, _n, _z in blocks) > MAX_COLUMNS:
        return None
    first_d = n_cols
    n_cols += sum(len(near[p]) for p, _s, _n, _z in blocks)
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
    by_cell: list[list[int]] = [[] for _ in range(n)]
    for g, members in enumerate(groups):
        for c in members:
            by_cell[c].append(g)
    rows: list[tuple[list[int], list[float], float, float]] = []
    off = first_d
    for p, sign, need, z in blocks:
        cells = sorted(near[p])
        col = {c: off + k for k, c in enumerate(cells)}
        # every cell moves at most as far as p must (a tight big-M; a restriction of the
        # attacker's moves, so conservative): -min(a_i, need) x_i <= d_i <= need x_i;
        # cells outside the neighbourhood do not move
        for c in cells:
            fall = min(float(values[c]), need)
            lower[col[c]], upper[col[c]] = -fall, need
            rows.append(([col[c], c], [1.0, -need], -np.inf, 0.0))
            if fall > 0:
                rows.append(([col[c], c], [1.0, fall], 0.0, np.inf))
        for g in sorted({g for c in cells for g in by_cell[c]}):
            inside = [(col[c], w) for c, w in zip(groups[g], coef[g], strict=True) if c in col]
            rows.append(([k for k, _ in inside], [w for _, w in inside], 0.0, 0.0))
        for q, s in part.forbidden:
            if q == p and s in col:
                lower[col[s]] = upper[col[s]] = 0.0
        # the move of p: sign * d_p >= need (times the choice when there are two directions)
        if z is None:
            rows.append(([col[p]], [float(sign)], need, np.inf))
        elif sign > 0:  # d_p - need * z >= 0
            rows.append(([col[p], z], [1.0, -need], 0.0, np.inf))
        else:  # -d_p - need * (1 - z) >= 0  ->  -d_p + need * z >= need
            rows.append(([col[p], z], [-1.0, need], need, np.inf))
        off += len(cells)
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
