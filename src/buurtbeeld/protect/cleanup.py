"""Clean-up after secondary suppression: publish secondaries again where the guarantees allow.

Elimination, singleton protection and LP repairs (:mod:`buurtbeeld.protect.parts`) decide greedily,
one cell at a time; some of their secondaries turn out not to be needed once the whole pattern
is known (a repair that made an earlier secondary redundant, a singleton repair next to a cell
that was hidden anyway). Every needless secondary is a blank buurt on a map.

The clean-up tries every secondary once, in the order of the profile's cost function
(:data:`~buurtbeeld.protect.rules.COST_FUNCTIONS`, ``Profile.kosten``), publishes it tentatively, and keeps it published
only when the same guarantees still hold:

1. the LP attacker audit of the hidden cells the release touches passes (no hidden cell exact,
   every primary's requirement met: hidden range, protection levels, spans);
2. with singleton protection, no hidden single-contributor cell lets its contributor compute a
   primary (the check of :func:`~buurtbeeld.protect.suppress.gauss_suppress`, on the same
   relations).

Publishing a cell only changes the attacker's problem for the hidden cells it is linked to
through relations of hidden (or interval-known) cells: the other components of the audit keep
their constants. So each try audits only the union of the components around the cell, with
the audit's own warm HiGHS model per component (only the objective changes between cells).
Releases are accepted one after another, each against the pattern so far, so the final pattern
passes the audit as a whole; :func:`cleanup` audits it once more over the whole system.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from buurtbeeld.protect.audit import AuditResult, audit, incidence
from buurtbeeld.protect.elimination import Elimination
from buurtbeeld.protect.mip import MAX_CELLS, MipPart, solve_part
from buurtbeeld.protect.rules import COST_FUNCTIONS, Profile, Reason, Requirement
from buurtbeeld.protect.singletons import _Below, contributor_groups, contributor_guard
from buurtbeeld.protect.system import System, audit_input, make_problem, split_parts
from buurtbeeld.protect.table import CellStatus

__all__ = ["COST_FUNCTIONS", "CleanupStats", "cleanup", "release_order"]

MAX_TRIES = 200  # greedy release attempts per table (each audits a component)

RELEASABLE = (Reason.SECONDARY, Reason.SINGLETON, Reason.INTERVAL)


@dataclass
class CleanupStats:
    """What the clean-up did (counts only; never a value)."""

    tried: int = 0
    released: int = 0
    mip_blocks: int = 0
    """Parts whose pattern the MIP replaced."""
    mip_saved: int = 0
    """Secondaries fewer in those parts."""
    n_lps: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)


def release_order(system: System, candidates: Iterable[int], kosten: str) -> list[int]:
    """Candidates in the order the clean-up tries them (first: most wanted published).

    - ``minste-cellen``: small cells first - a small hidden cell gives its neighbours little
      protection, so releasing it rarely blocks a later release (most releases in total);
    - ``minste-waarde``: large cells first (least hidden value);
    - ``totalen-zichtbaar``: higher aggregation levels first (totals), then large cells.
    Ties: the cell's position (deterministic).
    """
    measure, levels = system.measure, system.levels
    key: Callable[[int], tuple[float, ...]]
    if kosten == "minste-waarde":
        key = lambda c: (-measure[c], -levels[c], c)  # noqa: E731
    elif kosten == "totalen-zichtbaar":
        key = lambda c: (-levels[c], -measure[c], c)  # noqa: E731
    else:
        key = lambda c: (measure[c], -levels[c], c)  # noqa: E731
    return sorted(candidates, key=key)


class _Graph:
    """Which cells share a relation (or inequality), for the audit's components."""

    def __init__(self, system: System) -> None:
        self.groups: list[tuple[int, ...]] = [(t, *parts) for t, parts in system.relations]
        self.groups += [(*big, *small) for big, small in system.inequalities]
        self.by_cell: dict[int, list[int]] = {}
        for g, cells in enumerate(self.groups):
            for c in cells:
                self.by_cell.setdefault(c, []).append(g)

    def neighbours(self, cell: int) -> set[int]:
        return {c for g in self.by_cell.get(cell, ()) for c in self.groups[g]}

    def component(self, seeds: Iterable[int], variable: set[int]) -> set[int]:
        """Variable cells reachable from the seeds through relations of variable cells."""
        todo = [c for c in seeds if c in variable]
        found = set(todo)
        while todo:
            c = todo.pop()
            for g in self.by_cell.get(c, ()):
                for other in self.groups[g]:
                    if other in variable and other not in found:
                        found.add(other)
                        todo.append(other)
        return found


def cleanup(
    system: System,
    profile: Profile,
    hidden: set[int],
    reasons: dict[int, Reason],
    audits: list[AuditResult],
    link: set[int] | None = None,
) -> tuple[set[int], dict[int, Reason], list[AuditResult], CleanupStats]:
    """Publish secondaries again where the audit and the singleton check still pass.

    Parameters
    ----------
    system
        The protected system.
    profile
        Its profile; ``profile.kosten`` picks the order (``"geen"``: no clean-up).
    hidden, reasons
        The pattern of :func:`~buurtbeeld.protect.parts.protect_system` (system indices).
    audits
        Its audit results; replaced by one final audit when anything was released.
    link
        The link cells the system was split by (blocks that only meet published link cells
        are optimised on their own, see :func:`optimise_blocks`).

    Returns
    -------
    tuple
        The new hidden set, reasons, audit results and what the clean-up did.
    """
    stats = CleanupStats()
    if profile.kosten == "geen":
        return hidden, reasons, audits, stats
    candidates = [
        c
        for c in hidden
        if reasons.get(c) in RELEASABLE
        and c < system.n_current
        and c not in system.fixed_hidden
        and c not in system.intervals
        and c not in system.fixed_published
    ]
    if not candidates:
        return hidden, reasons, audits, stats
    integer = system.table.kind == "frequency"
    graph = _Graph(system)
    hidden = set(hidden)
    singles = _Singletons(system, profile.singleton_regel) if profile.singletons else None
    optimised = optimise_blocks(system, profile, hidden, reasons, link or set(), singles, stats)
    candidates = [c for c in candidates if c in hidden and c not in optimised]
    variable = set(hidden) | set(system.intervals)
    variable |= {c for c, (lo, up) in system.earlier_known.items() if up - lo > 1e-6}
    for c in release_order(system, candidates, profile.kosten)[:MAX_TRIES]:
        stats.tried += 1
        variable.discard(c)
        hidden.discard(c)
        comp = graph.component(graph.neighbours(c) - {c}, variable)
        ok = True
        if len(comp) >= SMALL_AUDIT:
            ok = False  # a large component: one try costs a large audit (national speed)
        elif comp & hidden:
            cells = sorted(comp.union(*(graph.neighbours(v) for v in comp)) | {c})
            result = _audit(system, cells, hidden, integer)
            stats.n_lps += result.n_lps
            ok = result.passed and (singles is None or singles.safe(cells, hidden, comp))
        if ok:
            stats.released += 1
            reason = reasons.pop(c).value
            stats.by_reason[reason] = stats.by_reason.get(reason, 0) + 1
        else:
            variable.add(c)
            hidden.add(c)
    if not stats.released and not stats.mip_blocks:
        return hidden, reasons, audits, stats
    data = audit_input(system, list(range(len(system.keys))), hidden, integer)
    data.matrix = incidence(data)
    final = audit(data)
    final.n_lps += stats.n_lps + sum(a.n_lps for a in audits)
    return hidden, reasons, [final], stats


SMALL_AUDIT = 150  # hidden cells: below, every interval by warm single LPs beats batch LPs


def _audit(system: System, cells: list[int], hidden: set[int], integer: bool) -> AuditResult:
    """The audit of a part: small parts with two warm LPs per hidden cell, large ones with the
    audit's batch LPs and witnesses first."""
    data = audit_input(system, cells, hidden, integer)
    return audit(data, exact_intervals=len(cells) - len(data.known) < SMALL_AUDIT)


class _Singletons:
    """The elimination's singleton check (PS2*, :mod:`buurtbeeld.protect.singletons`) on a part
    of the system. Contributors (which count-1 cells hold one unit) are found once on the whole
    system, so a unit counted in cells outside the part stays one unit."""

    def __init__(self, system: System, rule: str = "streng") -> None:
        self.system = system
        self.rule = rule
        everything = make_problem(system, list(range(len(system.keys))))
        self.people = contributor_groups(everything, range(len(system.keys)))
        self.person_of = {c: k for k, p in enumerate(self.people) for c in p.cells}
        self.below = _Below(everything)

    def safe(self, cells: list[int], hidden: set[int], comp: set[int]) -> bool:
        """Whether no contributor of a hidden count-1 cell of ``comp`` can compute a primary."""
        return not self.violations(cells, hidden, comp, first=True)

    def violations(
        self, cells: list[int], hidden: set[int], comp: set[int], *, first: bool = False
    ) -> list[tuple[int, int]]:
        """``(primary, cell)`` pairs (system indices): a contributor who knows ``cell`` (one of
        their own cells) could compute the primary (``first``: stop at the first pair)."""
        system = self.system
        people = sorted({self.person_of[s] for s in comp if s in hidden and s in self.person_of})
        if not people:
            return []
        problem = make_problem(system, cells)
        elim = Elimination(len(cells), problem.relations)
        for k, c in enumerate(cells):
            if c not in hidden and c not in system.intervals:
                elim.force_publish(k)
        primary = contributor_guard(problem, self.rule)
        local = {c: k for k, c in enumerate(cells)}
        found = []
        for k in people:
            person = self.people[k]
            mine = [local[c] for c in person.cells if c in hidden and c in local]
            guard = primary.copy()
            guard[[local[c] for c in person.own if c in local]] = False
            for cell, exposed, used, coef in elim.probe_many(mine, guard):
                public = set(used) & set(mine) == {cell}
                if (
                    public
                    and abs(coef + 1.0) < 1e-9
                    and cells[cell] in self.below.of(cells[exposed])
                ):
                    continue  # exposed = own cell + published: a public difference
                found.append((cells[exposed], cells[cell]))
                if first:
                    return found
        return found


def hiding_costs(system: System, kosten: str) -> list[float]:
    """Per cell what hiding it costs under the cost function (strictly positive).

    ``minste-cellen``: 1 per cell; ``minste-waarde``: the cell's value; ``totalen-zichtbaar``:
    1 + 4 per aggregation level. Small terms relative to the largest value break ties (prefer
    hiding small cells) and keep every cost positive.
    """
    top = max([abs(v) for v in system.measure] + [1.0])
    if kosten == "minste-waarde":
        return [abs(v) / top + 1e-3 for v in system.measure]
    extra = 4.0 if kosten == "totalen-zichtbaar" else 0.0
    return [
        1.0 + extra * lv + 1e-3 * abs(v) / top
        for v, lv in zip(system.measure, system.levels, strict=True)
    ]


def mip_parts(system: System, link: set[int], hidden: set[int]) -> list[tuple[list[int], set[int]]]:
    """Cell sets small enough for the MIP, each with its boundary: cells that also occur in
    relations outside the set (published; the MIP keeps them published)."""
    n = len(system.keys)
    if n <= MAX_CELLS:
        return [(list(range(n)), set())]
    blocks, neighbours = split_parts(system, link)
    out: list[tuple[list[int], set[int]]] = []
    rest = set(link)
    for block, around in zip(blocks, neighbours, strict=True):
        if around & hidden:
            rest.update(block)
        elif len(block) + len(around) <= MAX_CELLS:
            out.append((sorted(set(block) | around), set(around)))
    if rest and len(rest) <= MAX_CELLS:
        boundary = {
            c
            for r in system.relations_of(rest)
            for group in [(system.relations[r][0], *system.relations[r][1])]
            if any(g not in rest for g in group)
            for c in group
            if c in rest
        }
        if not boundary & hidden:
            out.append((sorted(rest), boundary))
    return out


def optimise_blocks(
    system: System,
    profile: Profile,
    hidden: set[int],
    reasons: dict[int, Reason],
    link: set[int],
    singles: _Singletons | None,
    stats: CleanupStats,
) -> set[int]:
    """Replace the pattern of small parts by the MIP's where it costs less.

    Parts (:func:`mip_parts`): the whole system when it is small; else every independent block
    (all link cells it touches are published: it shares only constants with the rest) and the
    joint rest when small. Updates ``hidden`` and ``reasons`` in place; returns the cells of
    the parts the MIP solved (their secondaries need no greedy clean-up).
    """
    if system.intervals or system.inequalities or len(system.keys) != system.n_current:
        return set()
    integer = system.table.kind == "frequency"
    costs = hiding_costs(system, profile.kosten)
    done: set[int] = set()
    for cells, around in mip_parts(system, link, hidden):
        prims = {
            k: system.requirements.get(c, Requirement())
            for k, c in enumerate(cells)
            if c in system.guarded and system.statuses[c] == CellStatus.PRIMARY_SUPPRESSED
        }
        if not prims:
            continue
        cost = [costs[c] for c in cells]
        part = MipPart(
            values=[system.measure[c] for c in cells],
            relations=make_problem(system, cells).relations,
            primaries=prims,
            fixed_hidden={k for k, c in enumerate(cells) if c in system.fixed_hidden},
            fixed_published={
                k
                for k, c in enumerate(cells)
                if c in system.fixed_published
                or c in around
                or system.statuses[c] == CellStatus.FORCED_PUBLISHABLE
            },
            forbidden=set(),
            cost=cost,
            integer=integer,
        )
        now = {k for k, c in enumerate(cells) if c in hidden and k not in prims}
        found = _solve_with_singletons(system, part, cells, hidden, now, singles, integer, stats)
        if found is None:
            continue  # too large or no solution in time: the greedy clean-up tries its cells
        done.update(c for c in cells if c not in around)
        new = found
        if new == now:
            continue
        hidden.difference_update(cells[k] for k in now)
        hidden.update(cells[k] for k in new)
        for k in now - new:
            reasons.pop(cells[k], None)
        for k in new - now:
            reasons[cells[k]] = Reason.SECONDARY
        stats.mip_blocks += 1
        stats.mip_saved += len(now) - len(new)
    return done


SINGLETON_ROUNDS = 3


def _solve_with_singletons(
    system: System,
    part: MipPart,
    cells: list[int],
    hidden: set[int],
    now: set[int],
    singles: _Singletons | None,
    integer: bool,
    stats: CleanupStats,
) -> set[int] | None:
    """The MIP's secondaries (local) for a part, audited; the current ones when the MIP's
    pattern is not cheaper; ``None`` when the MIP has no answer.

    Singleton pairs the check finds are forbidden in the model, which is solved again (a few
    rounds; then the current pattern stays).
    """
    cost = part.cost
    for _round in range(SINGLETON_ROUNDS):
        found = solve_part(part)
        if found is None:
            return None
        new = {k for k in found.hidden if k not in part.primaries}
        if sum(cost[k] for k in new) >= sum(cost[k] for k in now) - 1e-9:
            return now
        trial = (hidden - {cells[k] for k in now}) | {cells[k] for k in new}
        result = _audit(system, cells, trial, integer)
        stats.n_lps += result.n_lps
        if not result.passed:
            return now
        if singles is None:
            return new
        comp = {c for c in cells if c in trial}
        pairs = singles.violations(cells, trial, comp)
        if not pairs:
            return new
        local = {c: k for k, c in enumerate(cells)}
        part.forbidden |= {(local[p], local[s]) for p, s in pairs}
    return now
