"""The attacker audit: linear programs that bound every hidden cell.

Attacker model (SDC.md §1.2, §5.3): the attacker knows every relation (equalities
``total = sum(parts)`` and inequalities ``sum(greater) >= sum(lesser)``, e.g. a category of a
multi-valued dimension is at most its distinct total), every published value (exactly, or as an
interval when it was rounded: ``[r - (b-1), r + (b-1)]`` for random rounding to base ``b``),
bounds every hidden cell is known to respect (``AuditInput.bounds``, e.g. from a status letter)
and that counts and amounts are non-negative. For each hidden cell the attacker
solves ``min y_i`` and ``max y_i`` over everything consistent with that knowledge (SciPy HiGHS).
Bounds of count cells are rounded inward to integers.

A hidden cell fails the audit when

- its interval is (integer-)exact: it can be recomputed;
- it is a frequency primary and its interval lies inside the hidden range (the attacker learns
  that the count is small: for ``cbs-zorg`` the upper bound must reach 8, for ``drempel-10`` the
  interval must reach 0 or 10);
- it is a p%-primary and ``up < value + UPL`` or ``low > value - LPL``;
- it has a span (a cell known to lie in a range, e.g. from a status letter) and its interval
  does not reach both ends of that range: the attacker narrowed it.

Speed (batch LPs in :mod:`.audit_batch`): hidden cells split into independent components (published cells are constants); per
component the constraint matrix is built once. Two batch LPs (maximise the sum of capped cells,
minimise the sum of floored cells) prove most cells safe at once; every LP solution is a feasible
table, so it serves as a witness for all cells. Only cells not proven get their own LPs, and a
cell that fails on its maximum alone (whatever its minimum) gets no second LP. Witness tables
stay feasible when more cells are hidden, so a repair round hands them to the next audit.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import highspy
import numpy as np
from scipy.sparse import bmat, csr_array
from scipy.sparse.csgraph import connected_components

from buurtbeeld.errors import InconsistentFiguresError
from buurtbeeld.protect.audit_batch import LATE_BATCH, batch_all, late_batches, regional_batches
from buurtbeeld.protect.audit_rules import EPS, Problem, Rules
from buurtbeeld.protect.local import MAX_CELLS, WIDE_CELLS, WIDE_RINGS, LocalProver
from buurtbeeld.protect.lp import Incidence, Lp, hide_in_lp, highs_model, incidence
from buurtbeeld.protect.rules import Requirement

LOCAL_TRIES = ((2, MAX_CELLS),)
"""Neighbourhoods for local witnesses: (relation rings, most cells)."""
REGIONAL_TARGETS = 20
REGIONAL_RINGS = 4
"""A component with this many open cells after the batches first gets batch rounds over the
cells within ``REGIONAL_RINGS`` relations of them (:func:`.audit_batch.regional_batches`),
then local LPs one by one (national wmo protection 41.1 -> 33.8 s, docs/protect.md)."""
WIDE_COMPONENT = 5_000
"""Components from this many cells try a wide neighbourhood before a cell's own LP."""

__all__ = ["AuditInput", "AuditResult", "Finding", "Problem", "Witnesses", "audit", "incidence"]


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
class Witnesses:
    """Per cell the smallest and largest value seen in feasible tables (LP solutions)."""

    low: np.ndarray
    high: np.ndarray


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
    witnesses: Witnesses | None = None
    """The feasible tables' extremes, to hand to the next audit after hiding more cells."""
    n_local_lps: int = 0
    """Small LPs around single cells (:mod:`buurtbeeld.protect.local`), besides ``n_lps``."""

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
    inequalities: Sequence[tuple[tuple[int, ...], tuple[int, ...]]] = ()
    """``(greater, lesser)`` index tuples: ``sum(greater) >= sum(lesser)``."""
    bounds: Mapping[int, tuple[float, float]] = field(default_factory=dict)
    """Hidden cells the attacker knows to lie in ``[low, up]`` (e.g. from a status letter)."""


def audit(
    data: AuditInput,
    *,
    exact_intervals: bool = False,
    only: set[int] | None = None,
    witnesses: Witnesses | None = None,
    repair: Repair | None = None,
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
    witnesses
        Per cell the smallest and largest value in feasible tables found by an earlier audit of
        the same relations whose hidden cells were a subset of these and whose published values
        were the same. Hiding more only widens what is feasible, so those tables are still
        witnesses. Updated in place; the result's ``witnesses`` are the same arrays.
    repair
        For the repair loop of protection: called with a cell that fails and the published
        cells of its binding relations; returns a published cell it hides from now on (and
        whether to go on repairing this cell), or ``None``. The cell is then hidden in the
        component's LP and the failing cell solved again, until it passes
        (:func:`_repair_in_lp`). Such a cell is not reported (the caller audits the new pattern
        again); witnesses found with hidden cells added hold for every pattern that hides them
        too, so the caller must not hand them to an audit of a pattern without them.
    """
    result = AuditResult()
    hidden = [i for i in range(data.n_cells) if i not in data.known]
    result.n_hidden = len(hidden)
    variables = set(hidden) | {i for i, (lo, up) in data.known.items() if up - lo > EPS}
    inc = Incidence(data)
    components = [
        comp
        for comp in _components(data, inc.m, variables)
        if only is None or not only.isdisjoint(comp)
    ]
    result.n_components = len(components)
    result.covered = {c for comp in components for c in comp}
    if witnesses is None:
        witnesses = Witnesses(np.full(data.n_cells, np.inf), np.full(data.n_cells, -np.inf))
    wmin, wmax = witnesses.low, witnesses.high
    for c, value in data.truth.items():
        wmin[c] = min(wmin[c], value)
        wmax[c] = max(wmax[c], value)
    result.witnesses = witnesses
    rules = Rules(data)
    # one feasible table per component for local witnesses: the true table where the data
    # holder gave every variable cell's value, else the first LP solution of the component
    base = np.full(data.n_cells, np.nan)
    for c, value in data.truth.items():
        base[c] = value
    local = LocalProver(inc, base) if not exact_intervals else None
    if not exact_intervals and components:
        batch_all(data, rules, inc, components, wmin, wmax, result, base, local)
    for component in components:
        _audit_component(rules, inc, component, result, exact_intervals, wmin, wmax, local, repair)
    if local is not None:
        result.n_local_lps = local.n_lps
    return result


def _components(data: AuditInput, matrix: csr_array, variables: set[int]) -> list[list[int]]:
    """Groups of variable cells linked by relations (published cells are constants), each
    sorted and holding at least one hidden cell, ordered by their first cell."""
    cols = np.array(sorted(variables), dtype=np.int64)
    if not len(cols):
        return []
    sub = csr_array(matrix[:, cols])
    n_rows = sub.shape[0]
    # relations and variables as one bipartite graph: a component is a group of cells
    graph = bmat([[None, sub], [sub.T, None]], format="csr")
    _n, labels = connected_components(graph, directed=False)
    cell_labels = labels[n_rows:]
    hidden = np.array([c not in data.known for c in cols.tolist()], dtype=bool)
    keep = np.zeros(labels.max() + 1, dtype=bool)
    keep[cell_labels[hidden]] = True
    order = np.argsort(cell_labels, kind="stable")  # cells stay sorted within a group
    groups = np.split(cols[order], np.flatnonzero(np.diff(cell_labels[order])) + 1)
    out = [g.tolist() for g in groups if keep[cell_labels[np.searchsorted(cols, g[0])]]]
    return sorted(out, key=lambda g: g[0])


def _solve(
    lp: Lp, k: int, sign: float, result: AuditResult
) -> tuple[np.ndarray | None, np.ndarray]:
    """Minimise ``sign * y_k`` over the LP; ``(None, 0)`` when unbounded."""
    result.n_lps += 1
    h = highs_model(lp)
    # only the target's cost changes: the previous target goes back to zero
    if lp.target is not None and lp.target != k:
        h.changeColCost(lp.target, 0.0)
    h.changeColCost(k, sign)
    lp.target = k
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        raise InconsistentFiguresError(
            "De gepubliceerde cijfers spreken elkaar tegen: geen tabel past bij alle totalen."
        )
    if status != highspy.HighsModelStatus.kOptimal:
        h.clearSolver()  # unbounded: do not warm-start the next objective from here
        return None, np.zeros(len(lp.rows))
    solution = h.getSolution()
    return np.asarray(solution.col_value), np.asarray(solution.row_dual)


def _audit_component(
    rules: Rules,
    inc: Incidence,
    component: list[int],
    result: AuditResult,
    exact: bool,
    wmin: np.ndarray,
    wmax: np.ndarray,
    local: LocalProver | None = None,
    repair: Repair | None = None,
) -> None:
    comp = np.asarray(component, dtype=np.int64)
    targets = comp[~rules.known[comp]]
    if not exact:
        targets = targets[~rules.proven(targets, wmin[targets], wmax[targets])]
    if not len(targets):
        return
    if local is not None:
        if len(targets) >= REGIONAL_TARGETS:
            targets = regional_batches(rules, local, targets, wmin, wmax, REGIONAL_RINGS)
        targets = _local_proofs(rules, local, targets, wmin, wmax)
        if not len(targets):
            return
    lp = inc.build(component)
    if local is not None and len(targets) >= LATE_BATCH:
        targets = late_batches(rules, lp, targets, wmin, wmax, result, local.base)
    if local is not None and len(targets) and len(component) >= WIDE_COMPONENT:
        # a single-cell LP here solves thousands of columns: first a wider local LP around
        # the cell (on the late batches' table), cheap now that few cells are left
        targets = _local_proofs(rules, local, targets, wmin, wmax, ((WIDE_RINGS, WIDE_CELLS),))

    def witness(x: np.ndarray | None) -> None:
        if x is None:
            return
        if lp.hidden_extra:  # a table of the pattern with the repairs hidden (not this one)
            cells = np.concatenate([comp, np.asarray(lp.hidden_extra, dtype=np.int64)])
            np.minimum.at(wmin, cells, x)
            np.maximum.at(wmax, cells, x)
            return
        np.minimum.at(wmin, comp, x)
        np.maximum.at(wmax, comp, x)
        if local is not None:
            local.base[comp] = x  # a feasible table of the whole component

    def binding(*duals: np.ndarray) -> tuple[int, ...]:
        rows = np.unique(np.concatenate([np.flatnonzero(np.abs(d) > EPS) for d in duals]))
        return tuple(c for c in inc.published_in(lp.rows[rows]) if c not in lp.cols)

    def check(c: int) -> Finding | None:
        k = lp.cols[c]
        x_up, d_up = _solve(lp, k, -1.0, result)
        up = math.inf if x_up is None else float(x_up[k])
        witness(x_up)
        if not exact:
            if rules.proven_one(c, wmin[c], wmax[c]):
                return None
            # the attacker's minimum lies in [column lower bound, smallest value seen]: when the
            # cell fails even at that lower bound, and is certainly not exact or certainly
            # exact, the minimum changes nothing (the finding keeps the lower bound as ``low``)
            floor = inc.lower[c]
            problem = rules.problem(c, floor, up)
            if problem is not None and (
                problem == "exact" or rules.problem(c, float(wmin[c]), up) != "exact"
            ):
                return Finding(c, problem, floor, up, binding(d_up))
        x_lo, d_lo = _solve(lp, k, 1.0, result)
        low = 0.0 if x_lo is None else float(x_lo[k])
        witness(x_lo)
        if not lp.hidden_extra:
            result.intervals[c] = (low, up)
        problem = rules.problem(c, low, up)
        return None if problem is None else Finding(c, problem, low, up, binding(d_up, d_lo))

    for c in targets.tolist():
        if not exact and rules.proven_one(c, wmin[c], wmax[c]):
            continue
        finding = check(c)
        if finding is not None and repair is not None and not exact:
            finding = _repair_in_lp(finding, repair, lp, inc, check)
        if finding is not None:
            result.findings.append(finding)


Repair = Callable[[int, tuple[int, ...]], "tuple[int, bool] | None"]
"""``repair(cell, binding)`` → ``(published cell now hidden, go on)`` or ``None``."""
MAX_LP_REPAIRS = 2
"""Repairs of one failing cell inside one audit (then the caller's next round goes on). Longer
chains repair one primary greedily before the repairs of the others are seen: on the demo
stapeling 850 secondaries before, 859 with 1, 861 with 2, 872 with 3, 924 with 20; 44 s CPU
with 1, 33 s from 2 on (docs/benchmarks.md)."""


def _repair_in_lp(
    finding: Finding, repair: Repair, lp: Lp, inc: Incidence, check: Callable[[int], Finding | None]
) -> Finding | None:
    """Hide published cells for a failing cell and solve it again in the same (warm) LP, until
    it passes; ``None`` once a repair was made (the caller audits the new pattern again)."""
    repaired = False
    current: Finding | None = finding
    for _ in range(MAX_LP_REPAIRS):
        if current is None or not current.binding:
            break
        chosen = repair(current.cell, current.binding)
        if chosen is None:
            break
        repaired = True
        cell, go_on = chosen
        if not go_on or not hide_in_lp(lp, inc, cell):
            break
        current = check(current.cell)
    return None if repaired else current


def _local_proofs(
    rules: Rules,
    local: LocalProver,
    targets: np.ndarray,
    wmin: np.ndarray,
    wmax: np.ndarray,
    tries: tuple[tuple[int, int], ...] = LOCAL_TRIES,
) -> np.ndarray:
    """The targets that small LPs around them do not prove safe (see :mod:`.local`).

    A neighbourhood of two relation rings per target (``LOCAL_TRIES``: wider ones cost more
    than the component LPs they save, docs/benchmarks.md).
    """
    for rings, most in tries:
        left = []
        for c in targets.tolist():
            for direction in ("up", "down"):
                if rules.proven_one(c, wmin[c], wmax[c]):
                    break
                goal = rules.goal_one(c, direction, float(wmin[c]), float(wmax[c]))
                if math.isnan(goal):
                    continue
                if (direction == "up" and wmax[c] >= goal - EPS) or (
                    direction == "down" and wmin[c] <= goal + EPS
                ):
                    continue
                found = local.push(c, direction, goal, rings=rings, max_cells=most)
                if found is None:
                    break
                cells = found[0].astype(np.int64)
                np.minimum.at(wmin, cells, found[1])
                np.maximum.at(wmax, cells, found[1])
            if not rules.proven_one(c, wmin[c], wmax[c]):
                left.append(c)
        targets = np.asarray(left, dtype=np.int64)
    return targets
