"""Secondary suppression by Gaussian elimination (the GAUSS method of Statistics Norway).

Candidates (publishable cells) are published one by one in a fixed priority order. A candidate
whose publication would let an attacker compute a primary cell exactly - through any
combination of relations, over every hierarchy level and every linked table at once - is
suppressed instead (status ``x``). This gives exact-disclosure protection (PS1) on the joint
system, deterministically and without a MILP solver.

Priority (who is published first, so who is least likely to be suppressed), by the profile's
cost function (``Profile.kosten``, :func:`publication_order`). For fewest cells (the default):
cells that are the only possible partner of a lone primary in few relations first - a cell that
sits in several relations whose one hidden cell is a primary protects them all at once when it
is hidden, so it comes last (issue 14: 0.90x tau-Argus Modular's secondaries instead of 1.05x)
- then higher aggregation levels, then larger counts (or amounts), then the cell's position.
For least value: larger counts first. Non-sensitive zeros come last.

Singletons (PS2*): a hidden cell with one contributor is known to that contributor. After the
elimination, all cells one contributor alone makes up are tried as if published at once; when
that would let the contributor compute another unit's hidden primary, a published cell of
that derivation is hidden too - chosen jointly over all contributors' derivations, the cell
that breaks the most first, ties to the lowest priority - and the elimination runs again
(:mod:`buurtbeeld.protect.singletons`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from buurtbeeld.errors import DisclosureError
from buurtbeeld.protect.basis import Basis, BoolArray, relation_rows
from buurtbeeld.protect.elimination import Elimination
from buurtbeeld.protect.singletons import singleton_repairs
from buurtbeeld.protect.table import CellStatus

MAX_ROUNDS = 50


@dataclass
class Problem:
    """One independent suppression problem (a whole table or one part of it).

    All arrays are indexed by local cell number; ``cells`` maps back to the table.
    """

    cells: list[int]
    relations: list[tuple[int, tuple[int, ...]]]
    measure: list[float]
    counts: list[int]
    levels: list[int]
    statuses: list[CellStatus]
    guarded: BoolArray = field(repr=False)
    """Hidden cells that must not become computable (primaries, earlier releases' primaries)."""
    fixed_published: set[int] = field(default_factory=set)
    """Published cells whose status cannot change (forced publishable, earlier releases)."""
    fixed_hidden: set[int] = field(default_factory=set)
    """Hidden cells that are not primaries but must stay hidden (earlier releases, repairs)."""
    labels: list[str] = field(default_factory=list)
    order: str = "minste-cellen"
    """The cost function that orders publication (:func:`publication_order`)."""
    singleton_rule: str | None = None
    """The profile's singleton rule when singletons are protected (for the order)."""
    hidden_max: dict[int, int] = field(default_factory=dict)
    """Primaries whose hidden range starts at 0, with its upper end (see :class:`SumRule`)."""
    public: set[int] = field(default_factory=set)
    """Published cells whose value another party already published (a partner's count):
    what a contributor derives from these alone was derivable before this table."""
    basis: Basis | None = field(default=None, repr=False)
    """The relations' reduced basis (:func:`relation_rows`), computed once per problem."""
    cache: dict[str, object] = field(default_factory=dict, repr=False, compare=False)
    """Structures derived from the relations alone, built once per problem (singletons)."""


def publication_order(problem: Problem) -> list[int]:
    """Candidates in publication order (see the module docstring).

    ``problem.order`` (a :data:`~buurtbeeld.protect.rules.COST_FUNCTIONS` key):

    - ``minste-waarde``: larger measure first, then higher levels;
    - ``totalen-zichtbaar``: higher levels first, then as ``minste-cellen``;
    - otherwise (``minste-cellen``, ``geen``), when the relations follow from one partition
      into leaves (:func:`one_partition`; else the value order): cells in fewer relations whose only guarded
      cell is one primary (:func:`lone_partner_counts`) first, then fewer relations with a
      guarded cell, then higher levels, then larger measure.
    """
    candidates = [
        i
        for i, s in enumerate(problem.statuses)
        if s == CellStatus.PUBLISHABLE
        and i not in problem.fixed_hidden
        and i not in problem.fixed_published
    ]
    measure, levels = problem.measure, problem.levels
    if problem.order == "minste-waarde" or not one_partition(problem):
        return sorted(candidates, key=lambda i: (measure[i] == 0, -measure[i], -levels[i], i))
    lone, near = lone_partner_counts(problem)
    if problem.order == "totalen-zichtbaar":
        return sorted(
            candidates,
            key=lambda i: (measure[i] == 0, -levels[i], lone[i], near[i], -measure[i], i),
        )
    return sorted(
        candidates, key=lambda i: (measure[i] == 0, lone[i], near[i], -levels[i], -measure[i], i)
    )


def one_partition(problem: Problem) -> bool:
    """Whether every relation follows from one partition of the units into leaf cells (a
    cross table with its hierarchies), not from groupings that cut across each other (tables
    linked without their cross table, periods of a ledger).

    Only then does every unit lie in one leaf, below all of its single-contributor cells, so
    that singleton protection sees each unit as one contributor. Across non-nested groupings
    one person's count-1 cells in two tables are probed as two contributors (docs/protect.md,
    Singletons, Limits); the lone-partner order hides totals more often, which lets such a
    person combine their cells (``tests/protect/test_singletons.py``), so these parts keep the
    value order.
    """
    if problem.basis is None:
        problem.basis = relation_rows(len(problem.cells), problem.relations)
    return len(problem.basis.pivots) == len({total for total, _ in problem.relations})


def lone_partner_counts(problem: Problem) -> tuple[list[int], list[int]]:
    """Per cell: in how many relations it meets exactly one guarded cell (a lone primary, which
    needs a partner hidden in that relation), and in how many it meets any guarded cell."""
    n = len(problem.cells)
    lone = [0] * n
    near = [0] * n
    guarded = problem.guarded
    rule = problem.singleton_rule
    for total, parts in problem.relations:
        members = (total, *parts)
        k = sum(1 for c in members if guarded[c])
        known = 0
        if k and rule is not None:
            # a single contributor knows their own cell: to them it is not hidden
            ones = sum(1 for c in members if guarded[c] and problem.counts[c] == 1)
            known = int(ones >= (1 if rule == "streng" else 2))
        if k:
            for c in members:
                near[c] += 1
                if k == 1 or k - known == 1:
                    lone[c] += 1
    return lone, near


def gauss_suppress(
    problem: Problem,
    *,
    singletons: bool = True,
    singleton_rule: str = "streng",
) -> tuple[set[int], set[int], Elimination]:
    """Choose secondary suppressions for one problem.

    Returns
    -------
    tuple
        Cells hidden as secondaries by elimination, cells hidden for singleton protection, and
        the final elimination state (the attacker's exact knowledge).

    Raises
    ------
    DisclosureError
        If cells that must be published already disclose a primary.
    """
    extra: set[int] = set()
    order = publication_order(problem)
    problem.cache["order"] = order  # the caller ranks repairs by it (parts._Part)
    rank = np.full(len(problem.cells), len(problem.cells), dtype=np.int64)
    rank[order] = np.arange(len(order))

    if problem.basis is None:  # the same for every round: the relations do not change
        problem.basis = relation_rows(len(problem.cells), problem.relations)

    elim = Elimination(len(problem.cells), problem.relations, rank.tolist(), problem.basis)
    for i in sorted(problem.fixed_published):
        if elim.publish(i, problem.guarded):
            raise DisclosureError(
                "Cellen die gepubliceerd moeten worden (verplicht of eerder gepubliceerd) "
                f"onthullen al een onderdrukte cel, o.a. {_label(problem, i)}.",
                hint="Verwijder de verplichte publicatie of pas de tabelindeling aan.",
            )
    sums = SumRule(problem, problem.fixed_hidden)
    secondary: set[int] = set()
    # a round after singleton repairs resumes where its first newly hidden cell comes in the
    # order: every decision before it is the same as before, so the publications after it are
    # undone (the elimination's log, the sum rule's saved sums) instead of starting afresh
    elim.log = []
    log = elim.log
    steps: list[tuple[int, list[tuple[int, float]] | None]] = []
    """Per order position done: the elimination's log length before it, and what the sum
    rule's publication of the cell overwrote (``None``: not published)."""
    more: set[int] = set()
    for _ in range(MAX_ROUNDS):
        first = min((int(rank[i]) for i in more if rank[i] < len(order)), default=len(steps))
        for pos in range(len(steps) - 1, first - 1, -1):
            length, saved = steps[pos]
            elim.rewind(length)
            if saved is not None:
                sums.unpublish(order[pos], saved)
            secondary.discard(order[pos])
        del steps[first:]
        hidden_fixed = problem.fixed_hidden | extra
        for pos in range(len(steps), len(order)):
            i = order[pos]
            length = len(log)
            if i in hidden_fixed or sums.would_expose(i) or elim.publish(i, problem.guarded):
                if i not in hidden_fixed:
                    secondary.add(i)
                steps.append((length, None))
            else:
                steps.append((length, sums.publish(i)))
        if not singletons:
            elim.log = None
            return secondary, extra, elim
        more = singleton_repairs(problem, elim, rank, secondary | hidden_fixed, singleton_rule)
        if not more:
            elim.log = None
            return secondary, extra, elim
        extra |= more
    raise DisclosureError(
        "Singletonbescherming vindt geen stabiel patroon.",
        hint="Gebruik een strenger profiel of een grovere indeling.",
    )


class SumRule:
    """A cheap interval check next to the elimination (like sdcTable's ``threshold``).

    When a relation's total is published, each hidden part is at most the sum of the hidden
    parts. If a primary with hidden range ``0..b`` is among them and that sum is at most ``b``,
    the attacker learns the primary is small. Publishing a cell that creates this is refused,
    which saves most LP repair rounds.
    """

    def __init__(self, problem: Problem, hidden: set[int]) -> None:
        self.problem = problem
        self.hidden = np.array(
            [s != CellStatus.FORCED_PUBLISHABLE for s in problem.statuses], dtype=bool
        )
        for i in problem.fixed_published:
            self.hidden[i] = False
        self.relations: dict[int, list[int]] = {}
        self.hidden_sum: list[float] = []
        self.max_b: list[float] = []
        for r, (total, parts) in enumerate(problem.relations):
            for c in (total, *parts):
                self.relations.setdefault(c, []).append(r)
            self.hidden_sum.append(sum(problem.measure[p] for p in parts if self.hidden[p]))
            bs = [problem.hidden_max[p] for p in parts if p in problem.hidden_max]
            self.max_b.append(max(bs) if bs else -1.0)

    def copy(self) -> SumRule:
        """An independent copy."""
        new = object.__new__(SumRule)
        new.problem = self.problem
        new.hidden = self.hidden.copy()
        new.relations = self.relations
        new.hidden_sum = list(self.hidden_sum)
        new.max_b = self.max_b
        return new

    def would_expose(self, cell: int) -> bool:
        """Whether publishing ``cell`` bounds a primary inside its hidden range."""
        if not self.problem.hidden_max:
            return False
        for r in self.relations.get(cell, []):
            if self.max_b[r] < 0:
                continue
            total, _parts = self.problem.relations[r]
            if total == cell:
                remaining = self.hidden_sum[r]
            elif not self.hidden[total]:
                remaining = self.hidden_sum[r] - self.problem.measure[cell]
            else:
                continue
            if remaining <= self.max_b[r] + 1e-9:
                return True
        return False

    def publish(self, cell: int) -> list[tuple[int, float]]:
        """Record that ``cell`` is published; returns the sums it changed (for
        :meth:`unpublish`)."""
        self.hidden[cell] = False
        saved = []
        for r in self.relations.get(cell, []):
            if self.problem.relations[r][0] != cell:
                saved.append((r, self.hidden_sum[r]))
                self.hidden_sum[r] -= self.problem.measure[cell]
        return saved

    def unpublish(self, cell: int, saved: list[tuple[int, float]]) -> None:
        """Undo :meth:`publish` of ``cell`` (exactly: the old sums are put back)."""
        self.hidden[cell] = True
        for r, value in saved:
            self.hidden_sum[r] = value


def choose_to_hide(
    problem: Problem, used: Sequence[int], rank: np.ndarray, *, exclude: Collection[int] = ()
) -> int | None:
    """The published cell of a derivation that is cheapest to hide (latest in the order)."""
    options = [
        c
        for c in used
        if c not in exclude
        and c not in problem.fixed_published
        and problem.statuses[c] != CellStatus.FORCED_PUBLISHABLE
    ]
    if not options:
        return None
    return max(options, key=lambda c: (int(rank[c]), c))


def choose_repair(problem: Problem, binding: Sequence[int], rank: np.ndarray) -> int | None:
    """The published cell of a failing primary's binding relations that an LP repair hides.

    The smallest value first (in a count table: the fewest units), then the lowest aggregation
    level, then the latest in the publication order; under ``totalen-zichtbaar`` the lowest
    level first, then the smallest value. (Until the publication order by lone-partner
    relations, "latest in the order" was this value order; since then it put the cells in the
    most relations with a lone primary last - in a linked table the gemeente's combinations and
    totals - so a repair hid a gemeente cell whenever one was among its binding cells, which
    depends on the LP's duals: with the repairs made inside the audit every exclusive
    household combination of the demo's Dordrecht was hidden, docs/protect.md.)
    """
    options = [
        c
        for c in binding
        if c not in problem.fixed_published and problem.statuses[c] != CellStatus.FORCED_PUBLISHABLE
    ]
    if not options:
        return None
    measure, levels = problem.measure, problem.levels
    if problem.order == "totalen-zichtbaar":
        return max(options, key=lambda c: (-levels[c], -measure[c], int(rank[c]), c))
    return max(options, key=lambda c: (-measure[c], -levels[c], int(rank[c]), c))


def _label(problem: Problem, i: int) -> str:
    return problem.labels[i] if problem.labels else f"#{problem.cells[i]}"
