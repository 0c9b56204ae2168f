"""Protect a system part by part: elimination, one joint LP audit, repairs, release.

Steps (see docs/protect.md, "Secondary suppression"):

1. every independent part gets its secondaries by elimination (GAUSS) with singleton protection;
2. one LP audit over the whole system; a primary bounded too well gets the published cell of its
   binding relations that is cheapest to hide added (reason ``interval``; the smallest first,
   :func:`~buurtbeeld.protect.suppress.choose_repair`) - inside the audit's
   loaded LP, solved again until it passes (at most ``audit.MAX_LP_REPAIRS`` per round) - and
   only the components that changed are audited again;
3. secondaries the attacker can compute exactly anyway are published again.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence

import numpy as np

from buurtbeeld.errors import DisclosureError, EliminationSizeError
from buurtbeeld.protect.audit import AuditResult, Witnesses, audit, incidence
from buurtbeeld.protect.rules import Profile, Reason
from buurtbeeld.protect.suppress import choose_repair, gauss_suppress, publication_order
from buurtbeeld.protect.system import System, audit_input, make_problem, split_parts

MAX_REPAIRS = 200


def protect_system(
    system: System, profile: Profile, link: set[int]
) -> tuple[set[int], dict[int, Reason], list[AuditResult]]:
    # tables that share no cell at all (e.g. linked tables without common totals, persons and
    # households of a stapeling) are independent: each connected group of relations is
    # protected on its own, also inside the joint part (one elimination per component keeps
    # the matrices small: their sizes multiply, they do not add)
    components, _ = split_parts(system, set())
    if not link:
        return _protect_parts(system, [_Part(system, cells, profile) for cells in components])
    component = np.zeros(len(system.keys), dtype=np.int64)
    for k, cells in enumerate(components):
        component[cells] = k
    blocks, neighbours = split_parts(system, link)
    links = sorted(link)
    top = _split(system, links, profile, component)
    joint = {b for b, nb in enumerate(neighbours) if nb & _hidden(top)}
    while True:
        cells = sorted(set(links).union(*(blocks[b] for b in joint)))
        try:
            main = _split(system, cells, profile, component)
        except EliminationSizeError:
            # the joint part does not fit (a national table whose small gemeente cells join
            # most gemeenten): protect the blocks one by one below the links' pattern instead
            return _stacked(system, profile, top, blocks, neighbours)
        hidden = _hidden(main)
        grow = {b for b, nb in enumerate(neighbours) if b not in joint and nb & hidden}
        if not grow:
            parts = list(main)
            for b, block in enumerate(blocks):
                if b not in joint:
                    cells = sorted(set(block) | neighbours[b])
                    try:
                        parts.append(
                            _Part(system, cells, profile, published=neighbours[b], block=b)
                        )
                    except DisclosureError:
                        # e.g. a singleton that only a link cell can protect: go joint
                        grow.add(b)
            if not grow:
                try:
                    return _protect_parts(system, parts)
                except _NeedsLinks as exc:
                    grow = {exc.block}
        joint |= grow


def _stacked(
    system: System,
    profile: Profile,
    top: list[_Part],
    blocks: list[list[int]],
    neighbours: list[set[int]],
) -> tuple[set[int], dict[int, Reason], list[AuditResult]]:
    """Every block on its own below the link cells' pattern (as tau-Argus Modular does).

    A block gets its published link cells as published and its hidden link cells as hidden
    and guarded: its elimination must not determine them either. The joint LP audit of
    :func:`_protect_parts` then sees what several blocks give away together and repairs it. A
    block that cannot be protected below published links (a repair or a singleton that only a
    link cell can give) gets its links free: it may hide them too (hiding more never undoes
    another part's elimination).
    """
    hidden = _hidden(top)
    free: set[int] = set()
    while True:
        parts = list(top)
        for b, (block, near) in enumerate(zip(blocks, neighbours, strict=True)):
            cells = sorted(set(block) | near)
            guard = near & hidden
            if b not in free:
                try:
                    published = near - hidden
                    parts.append(
                        _Part(system, cells, profile, published=published, guard=guard, block=b)
                    )
                    continue
                except DisclosureError:
                    free.add(b)
            parts.append(_Part(system, cells, profile, guard=guard))
        try:
            return _protect_parts(system, parts)
        except _NeedsLinks as exc:
            free.add(exc.block)


def _split(
    system: System, cells: list[int], profile: Profile, component: np.ndarray
) -> list[_Part]:
    """One part per connected component of these cells (no relation joins two of them)."""
    groups: dict[int, list[int]] = {}
    for c in cells:
        groups.setdefault(int(component[c]), []).append(c)
    return [_Part(system, group, profile) for group in groups.values()]


def _hidden(parts: list[_Part]) -> set[int]:
    return set().union(*(p.hidden_cells() for p in parts))


class _NeedsLinks(Exception):
    """A block cannot be protected while its link cells are published."""

    def __init__(self, block: int) -> None:
        super().__init__(block)
        self.block = block


class _Part:
    """One independent suppression problem and its elimination result."""

    def __init__(
        self,
        system: System,
        cells: list[int],
        profile: Profile,
        *,
        published: Collection[int] = (),
        guard: Collection[int] = (),
        block: int = -1,
    ) -> None:
        self.cells = cells
        self.local = {c: k for k, c in enumerate(cells)}
        self.block = block
        self.singletons = profile.singletons
        self.singleton_rule = profile.singleton_regel
        self.problem = make_problem(system, cells, published)
        for c in guard:  # hidden by another part: stays hidden and underivable here
            self.problem.fixed_hidden.add(self.local[c])
            self.problem.guarded[self.local[c]] = True
        self.problem.order = profile.kosten
        self.problem.singleton_rule = profile.singleton_regel if profile.singletons else None
        self.base_hidden = set(self.problem.fixed_hidden)
        self.earlier = {k for k in self.base_hidden if self.problem.guarded[k]}
        self.repairs: set[int] = set()
        self.rank = np.full(len(cells), len(cells), dtype=np.int64)
        self.eliminate()

    def eliminate(self) -> None:
        problem = self.problem
        problem.fixed_hidden = self.base_hidden | self.repairs
        self.secondary, self.singles, _elim = gauss_suppress(
            problem, singletons=self.singletons, singleton_rule=self.singleton_rule
        )
        # the dense basis is only needed again if a repair makes a new singleton: hundreds
        # of parts (a national table's gemeenten) would otherwise all keep theirs
        problem.basis = None
        self.hidden = self.secondary | self.singles | problem.fixed_hidden
        self.hidden |= {k for k, s in enumerate(problem.statuses) if s.suppressed}
        self.rank[:] = len(self.cells)
        order = problem.cache.get("order")
        if not isinstance(order, list):
            order = publication_order(problem)
        self.rank[order] = np.arange(len(order))

    def hidden_cells(self) -> set[int]:
        return {self.cells[k] for k in self.hidden}

    def releasable(self, k: int) -> bool:
        """Whether a hidden cell was hidden by us (not a primary, not an earlier release)."""
        return (
            k in self.secondary
            or k in self.singles
            or k in self.repairs
            or (k in self.base_hidden and k not in self.earlier)
        )

    def repair(self, k: int, binding: Sequence[int]) -> int:
        """Choose a published cell to hide for a primary that the audit found too exposed."""
        choice = choose_repair(self.problem, binding, self.rank)
        if choice is None or (choice in self.hidden and choice not in self.repairs):
            if self.block >= 0:
                raise _NeedsLinks(self.block)
            raise DisclosureError(
                f"Cel {self.problem.labels[k]} is niet te beschermen: de gepubliceerde "
                "cellen eromheen mogen niet worden afgeschermd.",
                hint="Laat verplichte publicaties weg of gebruik een grovere indeling.",
            )
        return choice


def _protect_parts(
    system: System, parts: list[_Part]
) -> tuple[set[int], dict[int, Reason], list[AuditResult]]:
    """Audit all parts together (one batch of LPs), repair, and release pinned secondaries."""
    integer = system.table.kind == "frequency"
    result = AuditResult()
    only: set[int] | None = None
    everything = list(range(len(system.keys)))
    matrix = None
    witnesses: Witnesses | None = None
    audited: set[int] = set()
    owners = _owners(parts)
    for _ in range(MAX_REPAIRS):
        hidden = set().union(*(p.hidden_cells() for p in parts))
        data = audit_input(system, everything, hidden, integer)
        if matrix is None:
            matrix = incidence(data)
        data.matrix = matrix
        # the tables the last audit found stay feasible while cells are only hidden, never
        # published again (a new elimination may publish some: then start afresh)
        if not audited <= hidden:
            witnesses = None
        new: set[int] = set()
        changed: set[int] = set()

        repair = _repairer(owners, new, changed)
        partial = audit(data, only=only, witnesses=witnesses, repair=repair)
        # witnesses of LPs with repairs hidden hold for patterns that hide them too
        witnesses, audited = partial.witnesses, hidden | new
        if only is None:
            result = partial
        else:
            kept = [f for f in result.findings if f.cell not in partial.covered]
            result.findings = kept + partial.findings
            result.n_lps += partial.n_lps
        for finding in result.findings:
            part, k = owners[finding.cell]
            if part.problem.guarded[k]:
                binding = [part.local[c] for c in finding.binding if c in part.local]
                choice = part.repair(k, binding)
                part.repairs.add(choice)
                part.hidden.add(choice)
                new.add(part.cells[choice])
                if part.singletons and part.problem.counts[choice] == 1:
                    changed.add(id(part))
            elif not part.releasable(k):
                raise DisclosureError(
                    f"Cel {part.problem.labels[k]} is exact terug te rekenen.",
                    hint="Controleer de handmatig afgeschermde cellen en eerdere leveringen.",
                )
        if not new:
            break
        # hiding more cells keeps the elimination's guarantee; only a new singleton (one
        # contributor) needs the elimination again
        for part in parts:
            if id(part) in changed:
                before = part.hidden_cells()
                part.eliminate()
                new |= before ^ part.hidden_cells()
        only = new
    else:
        raise DisclosureError(
            "De aanvalscontrole blijft cellen vinden die te nauwkeurig te schatten zijn.",
            hint="Gebruik een strenger profiel of een grovere indeling.",
        )
    released = {f.cell for f in result.findings}
    hidden_all: set[int] = set()
    reasons: dict[int, Reason] = {}
    for part in parts:
        for k in part.hidden:
            c = part.cells[k]
            if c in released or c in hidden_all:
                continue
            hidden_all.add(c)
            if c in system.reasons:
                reasons[c] = system.reasons[c]
            elif k in part.repairs:
                reasons[c] = Reason.INTERVAL
            elif k in part.singles:
                reasons[c] = Reason.SINGLETON
            else:
                reasons[c] = Reason.SECONDARY
    result.findings = []
    return hidden_all, reasons, [result]


def _repairer(
    owners: dict[int, tuple[_Part, int]], new: set[int], changed: set[int]
) -> Callable[[int, tuple[int, ...]], tuple[int, bool] | None]:
    """The audit's ``repair``: a failing primary's repair, made inside the audit's LP so that
    one round repairs it as far as it needs (instead of one cell per audit round)."""

    def repair(cell: int, binding: tuple[int, ...]) -> tuple[int, bool] | None:
        part, k = owners[cell]
        if not part.problem.guarded[k]:
            return None
        choice = part.repair(k, [part.local[c] for c in binding if c in part.local])
        if choice in part.repairs:
            return None
        part.repairs.add(choice)
        part.hidden.add(choice)
        new.add(part.cells[choice])
        if part.singletons and part.problem.counts[choice] == 1:
            changed.add(id(part))  # a new singleton: the elimination runs again first
            return part.cells[choice], False
        return part.cells[choice], True

    return repair


def _owners(parts: list[_Part]) -> dict[int, tuple[_Part, int]]:
    """Per cell the part that decides its status (a link cell is decided by the joint part)."""
    owner: dict[int, tuple[_Part, int]] = {}
    for part in parts:
        for c, k in part.local.items():
            if c not in owner or (
                k not in part.problem.fixed_published
                and owner[c][1] in owner[c][0].problem.fixed_published
            ):
                owner[c] = (part, k)
    return owner
