"""Batch LPs of the audit: many cells pushed towards their goals in one LP.

Every LP solution is a feasible table, so it is a witness for every cell at once
(:mod:`buurtbeeld.protect.audit`). :func:`batch_all` runs before any single-cell work, over all
components; :func:`late_batches` runs over the cells the local LPs (:mod:`.local`) left open in
one component, before their single-cell LPs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import highspy
import numpy as np
from scipy.optimize import linprog
from scipy.sparse import coo_array, csr_array, hstack, vstack
from scipy.sparse import eye_array as speye

from buurtbeeld.protect.audit_rules import EPS, Rules
from buurtbeeld.protect.lp import Incidence, Lp, highs_model

if TYPE_CHECKING:
    from buurtbeeld.protect.audit import AuditInput, AuditResult
    from buurtbeeld.protect.local import LocalProver

BATCH_ROUNDS = 40  # batch LPs per direction at most
LARGE_COMPONENT = 5_000  # cells
LATE_BATCH = 50
"""Open cells after the local LPs from which a batch LP over the component is tried first."""
REGION_RINGS = 4
REGION_SHARE = 1.2
REGION_ENOUGH = 50
"""A batch round over a large component solves only the cells within ``REGION_RINGS``
relations of the open cells (the rest at the last feasible table) when they are at most a
``REGION_SHARE``-th of the component's cells (:func:`_region_batch`)."""


def late_batches(
    rules: Rules,
    lp: Lp,
    targets: np.ndarray,
    wmin: np.ndarray,
    wmax: np.ndarray,
    result: AuditResult,
    base: np.ndarray,
) -> np.ndarray:
    """Batch LPs over the cells local LPs left open, before their single-cell LPs.

    Few cells are left, so they compete less for the same totals than all cells did in the
    first batches: one LP over the component proves many of them. Repeated while a batch
    proves at least a tenth of its targets; returns the cells still open. The batches run on
    the component's HiGHS model, which the single-cell LPs use next (:func:`_warm_batch`).
    """
    for direction in ("up", "down"):
        for _round in range(BATCH_ROUNDS):
            goals = rules.goals(direction, wmin, wmax)[targets]
            aim = ~np.isnan(goals)
            if not aim.any():
                break
            before = len(targets)
            _warm_batch(lp, targets[aim], goals[aim], direction, wmin, wmax, result, base)
            targets = targets[~rules.proven(targets, wmin[targets], wmax[targets])]
            if before - len(targets) < max(1, int(aim.sum()) // 10):
                break
    return targets


def regional_batches(
    rules: Rules,
    local: LocalProver,
    targets: np.ndarray,
    wmin: np.ndarray,
    wmax: np.ndarray,
    rings: int = REGION_RINGS,
) -> np.ndarray:
    """Batch rounds over the cells near the open targets only (:func:`_region_batch`), before
    their local LPs one by one; repeated while a round proves a tenth of its targets."""
    for direction in ("up", "down"):
        for _round in range(BATCH_ROUNDS):
            goals = rules.goals(direction, wmin, wmax)[targets]
            aim = ~np.isnan(goals)
            if not aim.any():
                break
            before = len(targets)
            region = local.region(targets[aim], rings)
            _region_batch(local, region, targets[aim], goals[aim], direction, wmin, wmax)
            targets = targets[~rules.proven(targets, wmin[targets], wmax[targets])]
            if before - len(targets) < max(1, int(aim.sum()) // 10):
                break
    return targets


def _warm_batch(
    lp: Lp,
    cells: np.ndarray,
    goals: np.ndarray,
    direction: str,
    wmin: np.ndarray,
    wmax: np.ndarray,
    result: AuditResult,
    base: np.ndarray,
) -> None:
    """One batch LP on the component's loaded HiGHS model: up: ``max sum y`` with every cell
    not yet seen at its goal capped at that goal (down: the mirror), then the model's costs
    and bounds restored for the single-cell LPs.

    Every solution is a feasible table of the component (the caps only shrink the feasible
    set), so a witness, as :func:`_batch_lp`'s. The caps never make the LP infeasible: the
    last feasible table (``base``) has every capped cell below its goal, since a cell seen at
    its goal in any witness is not capped.
    """
    up = direction == "up"
    open_ = wmax[cells] < goals - EPS if up else wmin[cells] > goals + EPS
    cells, goals = cells[open_], goals[open_]
    if not len(cells):
        return
    h = highs_model(lp)
    if lp.target is not None:  # the single-cell objective: back to zero
        h.changeColCost(lp.target, 0.0)
        lp.target = None
    ks = np.array([lp.cols[c] for c in cells.tolist()], dtype=np.int32)
    lower = np.array([lp.bounds[k][0] or 0.0 for k in ks.tolist()], dtype=np.float64)
    upper = np.array(
        [np.inf if lp.bounds[k][1] is None else lp.bounds[k][1] for k in ks.tolist()],
        dtype=np.float64,
    )
    if up:
        new_lower, new_upper = lower, np.minimum(upper, goals)
    else:
        new_lower, new_upper = np.maximum(lower, goals), upper
    n = len(ks)
    inf = highspy.kHighsInf
    h.changeColsBounds(n, ks, new_lower, np.where(np.isinf(new_upper), inf, new_upper))
    h.changeColsCost(n, ks, np.full(n, -1.0 if up else 1.0))
    result.n_lps += 1
    h.run()
    optimal = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
    x = np.asarray(h.getSolution().col_value) if optimal else None
    h.changeColsCost(n, ks, np.zeros(n))
    h.changeColsBounds(n, ks, lower, np.where(np.isinf(upper), inf, upper))
    if x is None:
        h.clearSolver()
        return
    cols = np.array(sorted(lp.cols, key=lp.cols.__getitem__))
    np.minimum.at(wmin, cols, x)
    np.maximum.at(wmax, cols, x)
    base[cols] = x  # a feasible table of the component


def batch_all(
    data: AuditInput,
    rules: Rules,
    inc: Incidence,
    components: list[list[int]],
    wmin: np.ndarray,
    wmax: np.ndarray,
    result: AuditResult,
    base: np.ndarray,
    local: LocalProver | None = None,
) -> None:
    """Prove many cells safe with few LPs; every LP solution is a witness table.

    One LP per direction covers all components that still have open cells; a few rounds,
    while they keep proving enough cells. With a ``local`` prover (on ``base``), a round whose
    open cells lie in a small part of a large component solves only that part
    (:func:`_region_batch`); when such a round proves too little, a round over the whole
    component follows before giving up.
    """
    component_of = np.full(data.n_cells, -1, dtype=np.int64)
    for k, comp in enumerate(components):
        component_of[comp] = k
    cells = np.concatenate([np.asarray(comp, dtype=np.int64) for comp in components])
    cells = cells[~rules.known[cells]]
    open_cells = cells[~rules.proven(cells, wmin[cells], wmax[cells])]
    first = not np.isfinite(wmin[open_cells]).any()
    # a single-cell LP solves the cell's whole component: cheap for the small components of a
    # source's table (exact published values), a solve of everything when rounded published
    # values link all cells of a package; then batches pay off much longer
    largest = max(len(comp) for comp in components)
    enough = 5 if largest < LARGE_COMPONENT else 20
    warm: Lp | None = None
    for direction in ("up", "down"):
        regional = local is not None
        for _round in range(BATCH_ROUNDS):
            goals = rules.goals(direction, wmin, wmax)
            targets = open_cells[~np.isnan(goals[open_cells])]
            if not len(targets):
                break
            if warm is None and not first:
                # one model of every component with open cells, warm from round to round
                chosen = np.unique(component_of[open_cells]).tolist()
                cols = sorted(c for k in chosen for c in components[k])
                if np.isfinite(base[cols]).all():  # a feasible table: the caps are feasible
                    warm = inc.build(cols)
            region = None
            if warm is not None and local is not None and regional:
                region = local.region(targets, REGION_RINGS)
                if len(region) * REGION_SHARE > len(warm.cols):
                    region = None
            if region is not None and local is not None:
                _region_batch(local, region, targets, goals[targets], direction, wmin, wmax)
                result.n_lps += 1
                reached = 0
            elif warm is not None:
                _warm_batch(warm, targets, goals[targets], direction, wmin, wmax, result, base)
                reached = 0  # only counted for the first LP, which has no warm model
            else:
                chosen = np.unique(component_of[targets]).tolist()
                lp = inc.build(sorted(c for k in chosen for c in components[k]))
                reached = _batch_lp(
                    lp, targets, goals[targets], direction, wmin, wmax, result, base
                )
            before = len(open_cells)
            open_cells = open_cells[~rules.proven(open_cells, wmin[open_cells], wmax[open_cells])]
            # the first LP without true values only makes the first witness: count its goals
            progress = reached if first else before - len(open_cells)
            first = False
            if region is not None and progress >= max(1, len(targets) // REGION_ENOUGH):
                continue
            if progress < max(1, len(targets) // enough):
                if region is not None:
                    regional = False  # the table outside may hold them: the whole component
                    continue
                break  # too little progress: single-cell LPs are cheaper now
            regional = local is not None  # after a round over the whole component


def _region_batch(
    local: LocalProver,
    region: np.ndarray,
    targets: np.ndarray,
    goals: np.ndarray,
    direction: str,
    wmin: np.ndarray,
    wmax: np.ndarray,
) -> None:
    """One batch round over ``region`` only, every other cell at the prover's feasible table
    (``local.base``); the solution with that table outside is a feasible table of the whole
    component, so a witness, and becomes the new ``base``. As :func:`_warm_batch`, only cells
    not yet seen at their goal are pushed (the caps keep ``base`` feasible)."""
    up = direction == "up"
    open_ = wmax[targets] < goals - EPS if up else wmin[targets] > goals + EPS
    found = local.push_many(region, targets[open_], direction, goals[open_])
    if found is None:
        return
    cells, x = found[0].astype(np.int64), found[1]
    np.minimum.at(wmin, cells, x)
    np.maximum.at(wmax, cells, x)
    local.base[cells] = x


def _batch_lp(
    lp: Lp,
    cells: np.ndarray,
    goals: np.ndarray,
    direction: str,
    wmin: np.ndarray,
    wmax: np.ndarray,
    result: AuditResult,
    base: np.ndarray,
) -> int:
    """One LP pushing every cell towards its goal: up: max sum min(y, goal); down: the mirror.

    Returns how many cells reached their goal (0 when the LP failed).
    """
    n = len(lp.cols)
    ks = [lp.cols[c] for c in cells.tolist()]
    m = len(ks)
    # variables y (n) and t (m); up: t_j <= y_k, t_j <= goal_j; down: t_j >= y_k, t_j >= goal_j
    sign = 1.0 if direction == "up" else -1.0
    y_part = coo_array(([-sign] * m, (list(range(m)), ks)), shape=(m, n))
    a_ub = hstack([y_part, speye(m) * sign]).tocsr()
    a_eq = hstack([lp.a_eq, csr_array((lp.a_eq.shape[0], m))]).tocsr()
    bounds: list[tuple[float | None, float | None]] = list(lp.bounds)
    for goal in goals.tolist():
        bounds.append((None, goal) if direction == "up" else (goal, None))
    obj = np.concatenate([np.zeros(n), -np.ones(m) if direction == "up" else np.ones(m)])
    b_ub = np.zeros(m)
    equal = np.isfinite(lp.b_up)
    if not equal.all():  # inequality rows: row >= b_lo, as -row <= -b_lo
        a_ub = vstack([a_ub, -a_eq[np.flatnonzero(~equal)]]).tocsr()
        b_ub = np.concatenate([b_ub, -lp.b_lo[~equal]])
        a_eq = a_eq[np.flatnonzero(equal)]
    result.n_lps += 1
    res = linprog(
        obj,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=a_eq if a_eq.shape[0] else None,
        b_eq=lp.b_lo[equal] if a_eq.shape[0] else None,
        bounds=bounds,
        method="highs",
    )
    if res.status != 0:
        return 0
    cols = np.array(sorted(lp.cols, key=lp.cols.__getitem__))
    x = np.asarray(res.x[:n])
    np.minimum.at(wmin, cols, x)
    np.maximum.at(wmax, cols, x)
    base[cols] = x  # a feasible table of every component in this LP
    value = x[ks]
    reached = value >= goals - EPS if direction == "up" else value <= goals + EPS
    return int(reached.sum())
