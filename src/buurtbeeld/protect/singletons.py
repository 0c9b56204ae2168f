"""Singleton protection (PS2*): what the one contributor of a hidden cell can compute.

A hidden cell with one contributor (count 1: one person or household) is known to that
contributor. The attacker modelled here is that contributor, ``u``. What ``u`` knows:

- everything the public knows (published cells, relations, non-negativity);
- their own membership of every cell (``u`` knows their own buurt, provisions, age, …);
- the value of **every** hidden cell that ``u`` alone makes up (the singleton convention: the
  contributor of a one-contributor cell knows it has one contributor). In linked tables and in
  a stapeling, one person is counted in many cells - by category and by age, in every
  combination of provisions, in the partner's marginal and in the linked one - and ``u`` knows
  all of these at once.

The cells ``u`` alone makes up are found from the true counts and the relations, whichever table
they come from. Every relation ``total = sum(parts)`` partitions the total's units, so a part's
units lie inside the total's. Two count-1 cells hold the same single unit when one lies below
the other (through any decomposition), or both lie below one count-1 cell: the union of these
links is one group per contributor (:func:`contributor_groups`). Below such a cell every cell is
``u`` or nobody, so ``u`` knows it too (:attr:`Contributor.own`).

``u`` learns something about *other* units when publishing all of ``u``'s cells at once (the
elimination's probe) makes a hidden primary computable that is not ``u``'s own, except when the
derivation is ``primary = one of u's cells + published cells`` with that cell below the primary:
then the others in the primary are exactly the units of a published difference, which everyone
knows already. Anything else - a primary of another unit, or a derivation that needs two of
``u``'s cells - is an exposure, and the cheapest published cell of the derivation is hidden.

What counts as an exposure depends on the profile's rule (``Profile.singleton_regel``):
``"streng"`` (default) guards every primary of other units; ``"enkelingen"`` only the primaries
that hold one other unit or none (count 0 or 1: the cells that single a person out or tell that
nobody is there), like tau-Argus's singleton options but over every derivation rather than one
line. Under ``"enkelingen"`` a contributor may compute e.g. that exactly four others in their
buurt receive another provision; :func:`contributor_guard` is the only place that differs.

The old rule looked at one singleton at a time and compared leaf cells of one decomposition:
one person counted in two linked tables looked like two people (a refusal of a safe table),
and two cells of one person were never combined (a missed attack). Both are fixed here.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from buurtbeeld.errors import DisclosureError
from buurtbeeld.protect.elimination import Elimination
from buurtbeeld.protect.table import CellStatus

if TYPE_CHECKING:  # suppress imports this module
    from buurtbeeld.protect.suppress import Problem


@dataclass(frozen=True)
class Contributor:
    """The hidden cells one unit alone makes up, and every cell below them."""

    cells: tuple[int, ...]
    """Hidden count-1 cells of this unit (the cells published in the probe)."""
    own: frozenset[int]
    """Every cell at or below one of the unit's count-1 cells (the unit knows its value)."""


class _Below:
    """Every cell below a cell, through any decomposition (relations partition units)."""

    def __init__(self, problem: Problem) -> None:
        self.parts: dict[int, list[int]] = {}
        self.totals: dict[int, list[int]] = {}
        """Per cell the relations (indices) in which it is a part."""
        for r, (total, parts) in enumerate(problem.relations):
            self.parts.setdefault(total, []).extend(parts)
            for p in parts:
                self.totals.setdefault(p, []).append(r)
        self.relations = problem.relations
        self.cache: dict[int, frozenset[int]] = {}

    def of(self, cell: int) -> frozenset[int]:
        """The cell and every cell below it."""
        found = self.cache.get(cell)
        if found is None:
            seen = {cell}
            stack = [cell]
            while stack:
                for p in self.parts.get(stack.pop(), ()):
                    if p not in seen:
                        seen.add(p)
                        stack.append(p)
            found = frozenset(seen)
            self.cache[cell] = found
        return found

    def closed(self, own: set[int], empty: np.ndarray) -> set[int]:
        """``own`` plus every total all of whose parts (in one decomposition) are own or
        known to be empty (a published zero): its units are the contributor's or nobody's."""
        found = set(own)
        stack = list(own)
        while stack:
            for r in self.totals.get(stack.pop(), ()):
                total, parts = self.relations[r]
                if total not in found and all(p in found or empty[p] for p in parts):
                    found.add(total)
                    stack.append(total)
        return found


def _below(problem: Problem) -> _Below:
    """The problem's :class:`_Below`, built once (its relations do not change between the
    singleton rounds of one elimination)."""
    found = problem.cache.get("below")
    if not isinstance(found, _Below):
        found = _Below(problem)
        problem.cache["below"] = found
    return found


def contributor_groups(problem: Problem, hidden: Collection[int]) -> list[Contributor]:
    """One group per unit that alone makes up a hidden cell (see the module docstring)."""
    counts = problem.counts
    ones = [i for i, n in enumerate(counts) if n == 1]
    if not ones:
        return []
    below = _below(problem)
    parent = {i: i for i in ones}

    def find(v: int) -> int:
        while parent[v] != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    for top in ones:
        for c in below.of(top):
            if counts[c] == 1:
                a, b = find(top), find(c)
                if a != b:
                    parent[b] = a
    hidden_set = set(hidden)
    members: dict[int, list[int]] = {}
    for i in ones:
        members.setdefault(find(i), []).append(i)
    groups = []
    for cells in members.values():
        shown = tuple(sorted(c for c in cells if c in hidden_set))
        if shown:
            groups.append(Contributor(shown, frozenset().union(*(below.of(c) for c in cells))))
    groups.sort(key=lambda g: g.cells[0])
    return groups


def contributor_guard(problem: Problem, rule: str = "streng") -> np.ndarray:
    """The primaries a single contributor must not compute (before removing their own cells).

    Earlier releases' secondaries are guarded against everyone (elimination) but are not
    sensitive themselves. ``rule`` is a :data:`~buurtbeeld.protect.rules.SINGLETON_RULES` key.
    """
    primary: np.ndarray = np.asarray(problem.guarded, dtype=bool) & np.array(
        [st == CellStatus.PRIMARY_SUPPRESSED for st in problem.statuses], dtype=bool
    )
    if rule == "enkelingen":
        primary &= np.asarray(problem.counts, dtype=float) <= 1
    return primary


def singleton_repairs(
    problem: Problem,
    elim: Elimination,
    rank: np.ndarray,
    hidden: set[int],
    rule: str = "streng",
) -> set[int]:
    """Published cells to hide so that no single contributor can compute another's cell.

    Raises
    ------
    DisclosureError
        When a contributor computes another unit's primary and no published cell of the
        derivation may be hidden.
    """
    from buurtbeeld.protect.suppress import choose_to_hide

    all_hidden = hidden | {i for i, s in enumerate(problem.statuses) if s.suppressed}
    primary = contributor_guard(problem, rule)
    below = _below(problem)
    # a published zero is known to be empty; a cell made of the contributor's own cells and
    # such zeros holds the contributor or nobody (e.g. "Wmo and nothing else" beside the
    # structural zero "no provision at all")
    empty = np.array(
        [n == 0 and not elim.hidden[i] for i, n in enumerate(problem.counts)], dtype=bool
    )
    options: list[list[int]] = []
    for person in contributor_groups(problem, all_hidden):
        guard = primary.copy()
        guard[list(below.closed(set(person.own), empty))] = False
        mine = set(person.cells)
        for cell, exposed, used, coef in elim.probe_many(person.cells, guard):
            rest_is_public = set(used) & mine == {cell}
            if rest_is_public and abs(coef + 1.0) < 1e-9 and cell in below.of(exposed):
                continue  # exposed = u's cell + published: the others are a public difference
            if choose_to_hide(problem, used, rank, exclude=mine) is None:
                if all(c in mine or c in problem.public or empty[c] for c in used):
                    # made of the contributor's own cells and figures that another party
                    # already published (e.g. a partner's counts beside its own hidden
                    # cells): derivable before this table, and nothing here can change that
                    continue
                raise DisclosureError(
                    f"Cel {_label(problem, cell)} heeft één bijdrager die een andere "
                    "onderdrukte cel kan berekenen, en geen cel kan dat voorkomen.",
                    hint="Gebruik een grovere indeling of laat verplichte publicaties weg.",
                )
            options.append([c for c in used if c not in mine])
    return _hitting_set(problem, options, rank)


def _hitting_set(problem: Problem, options: list[list[int]], rank: np.ndarray) -> set[int]:
    """Cells to hide so that every derivation loses a published cell, chosen jointly: the
    cell that breaks the most derivations first (ties: the cheapest to hide, as
    :func:`~buurtbeeld.protect.suppress.choose_to_hide`), until every derivation is broken."""
    from buurtbeeld.protect.suppress import choose_to_hide

    allowed = [
        [c for c in used if choose_to_hide(problem, [c], rank) is not None] for used in options
    ]
    repairs: set[int] = set()
    open_ = [set(a) for a in allowed if a]
    while open_:
        count: dict[int, int] = {}
        for cells in open_:
            for c in cells:
                count[c] = count.get(c, 0) + 1
        best = max(count, key=lambda c: (count[c], int(rank[c]), c))
        repairs.add(best)
        open_ = [cells for cells in open_ if best not in cells]
    return repairs


def _label(problem: Problem, i: int) -> str:
    return problem.labels[i] if problem.labels else f"#{problem.cells[i]}"
