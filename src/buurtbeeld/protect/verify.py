"""``verify``: the platform's check of what a package publishes (beside ``audit``; pure).

The platform knows no true value. It checks what arrives exactly as an attacker sees it:

1. every published count is one the table's profile can produce (a multiple of the rounding
   base, never from the hidden range: under ``cbs-zorg`` the smallest is 10);
2. per period and measure, all tables as one system - cells with the same measure, region and
   non-total dimension values are the same number in every table - with the relations of
   :func:`~buurtbeeld.protect.published.table_relations` (region hierarchy, additive totals,
   the inequalities of multi-valued dimensions), published counts as the interval their
   rounding leaves (:func:`~buurtbeeld.protect.published.published_interval`) and what the
   package says about hidden cells (:class:`~buurtbeeld.protect.published.Mark`);
3. no cell is hidden in one table and published in another, no cell is published twice with
   values that cannot both hold, the figures do not contradict each other;
4. an LP attacker (:func:`~buurtbeeld.protect.audit`) finds no hidden cell that is exact; a
   count hidden under one hidden status must not be pinned inside the hidden range (a true
   secondary's own value lies above it and is feasible, so a correctly protected package always
   passes); a count marked primary (letter ``u``, known to lie in the hidden range) must not be
   narrowed inside it; a count marked secondary is known to lie above it.

Earlier releases (figures the platform already published for the same dataset and period, which
a new package replaces) join the system as more tables: what they published stays known, what
they hid stays hidden, so the pair cannot be differenced.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from buurtbeeld.errors import InconsistentFiguresError
from buurtbeeld.protect.audit import AuditInput, audit
from buurtbeeld.protect.published import (
    TOTAL,
    Dimension,
    Mark,
    TableCell,
    at_least_parts,
    producible,
    published_interval,
    table_relations,
)
from buurtbeeld.protect.rules import Profile, Requirement

IssueKind = Literal["value", "conflict", "different", "inconsistent", "disclosure"]


@dataclass(frozen=True)
class TableView:
    """One published table of one period, as the platform sees it (no true values).

    Parameters
    ----------
    name
        Table name (for messages).
    period
        The period of every cell.
    measure
        What the cells are, as part of their identity: ``aantal:<unit>`` for counts of
        persons or households, ``som:<column>`` for amounts. Cells of different tables with
        the same measure, region and non-total dimension values are the same number.
    dimensions
        The dimensions, in the order of the codes in a cell key.
    keys, values, marks
        Per cell: ``(region, codes)``, the published value (``None`` when hidden) and for
        hidden cells what the package says about them.
    profile
        The protection profile of the table.
    counts
        Counts (rounded, frequency rule) or amounts (exact, not rounded).
    earlier
        Figures already published (an earlier release that this package replaces).
    zeros
        Cells the table leaves out because they are zero by definition (the all-``nee``
        combination of a linked package counts units with at least one provision). The attacker
        knows them; auditing them as unknown would flag a true zero as disclosed.
    exclusive
        A table of exclusive combinations (``table_relations(exclusive=True)``): each cell
        with totals is the sum of the leaves that agree with it elsewhere.
    at_least_of
        A "k or more" table of a linked package: these provisions are the dimensions of its
        table of exclusive combinations (same measure); a cell's one code is ``k``, and the
        cell is the sum of the combinations with ``k`` or more ``ja`` in the same region
        (:func:`~buurtbeeld.protect.published.at_least_parts`).
    """

    name: str
    period: str
    measure: str
    dimensions: tuple[Dimension, ...]
    keys: tuple[TableCell, ...]
    values: tuple[float | None, ...]
    marks: tuple[Mark | None, ...]
    profile: Profile
    counts: bool = True
    earlier: bool = False
    zeros: tuple[TableCell, ...] = ()
    exclusive: bool = False
    at_least_of: tuple[str, ...] = ()

    def label(self, key: TableCell) -> str:
        """``region/category`` (non-total codes, or ``totaal``): names a cell, never a value."""
        parts = [v for v in key[1] if v != TOTAL]
        return f"{key[0]}/{', '.join(parts) if parts else TOTAL}"


@dataclass(frozen=True)
class Issue:
    """Why a package fails; names tables and cells, never values."""

    kind: IssueKind
    tables: tuple[str, ...]
    period: str
    cells: tuple[str, ...] = ()
    """Up to five cell labels."""
    n_cells: int = 0
    earlier: bool = False
    """The issue arises only together with an earlier release (a revision)."""


@dataclass
class Verification:
    """Outcome of :func:`verify`."""

    issues: list[Issue] = field(default_factory=list)
    n_hidden: int = 0
    """Hidden cells the attacker audit covered."""

    @property
    def passed(self) -> bool:
        """Whether the package may be accepted."""
        return not self.issues


CellId = tuple[str, str, tuple[tuple[str, str], ...]]


def _cell_id(view: TableView, key: TableCell) -> CellId:
    pairs = tuple(
        sorted((d.name, v) for d, v in zip(view.dimensions, key[1], strict=True) if v != TOTAL)
    )
    return (view.measure, key[0], pairs)


def verify(views: Sequence[TableView], children: Mapping[str, Sequence[str]]) -> Verification:
    """Check published values, then audit every period and kind (counts, amounts) jointly.

    Parameters
    ----------
    views
        The package's tables, plus (``earlier=True``) the figures they replace.
    children
        The division's complete region hierarchy (parent -> children).

    Returns
    -------
    Verification
        Issues (empty when the package passes) and the number of hidden cells audited. The
        first issue of a kind stops that check; the audit runs only when every value fits.
    """
    result = Verification()
    for view in views:
        issue = _check_values(view)
        if issue is not None:
            result.issues.append(issue)
            return result
    groups: dict[tuple[str, bool], list[TableView]] = {}
    for view in views:
        groups.setdefault((view.period, view.counts), []).append(view)
    for group in groups.values():
        new = [v for v in group if not v.earlier]
        if not new:
            continue
        issue, n_hidden = _audit_group(new, children, earlier=False)
        result.n_hidden += n_hidden
        if issue is None and len(new) < len(group):
            issue, _n = _audit_group(group, children, earlier=True)
        if issue is not None:
            result.issues.append(issue)
            return result
    return result


def _check_values(view: TableView) -> Issue | None:
    if view.earlier or not view.counts:
        return None
    bad = [
        view.label(key)
        for key, value in zip(view.keys, view.values, strict=True)
        if value is not None and not producible(value, view.profile)
    ]
    if not bad:
        return None
    return Issue("value", (view.name,), view.period, tuple(bad[:5]), len(bad))


def _audit_group(
    views: Sequence[TableView], children: Mapping[str, Sequence[str]], *, earlier: bool
) -> tuple[Issue | None, int]:
    index: dict[CellId, int] = {}
    labels: dict[int, str] = {}
    known: dict[int, tuple[float, float]] = {}
    marks: dict[int, tuple[Mark, Profile]] = {}
    names = tuple(sorted({v.name for v in views}))
    period = views[0].period

    seen: dict[int, dict[TableCell, int]] = {}
    """Per view (by ``id``) the index of each key looked up before (relations name every cell
    several times; its id sorts the dimensions)."""

    def cell(view: TableView, key: TableCell) -> int:
        # a cell no table holds (a region left out) is unknown to the attacker
        cache = seen.setdefault(id(view), {})
        i = cache.get(key)
        if i is None:
            i = index.setdefault(_cell_id(view, key), len(index))
            labels.setdefault(i, view.label(key))
            cache[key] = i
        return i

    def cell_of(cell_id: CellId) -> int:
        # a cell of another table (a combination a "k or more" cell sums), maybe not published
        i = index.setdefault(cell_id, len(index))
        labels.setdefault(i, f"{cell_id[1]}/{', '.join(v for _d, v in cell_id[2])}")
        return i

    relations: dict[tuple[int, tuple[int, ...]], None] = {}
    inequalities: dict[tuple[tuple[int, ...], tuple[int, ...]], None] = {}
    different: list[int] = []
    for view in views:
        for key, value, mark in zip(view.keys, view.values, view.marks, strict=True):
            i = cell(view, key)
            if value is None:
                marks.setdefault(i, (mark or Mark.HIDDEN, view.profile))
                continue
            low, up = published_interval(value, view.profile if view.counts else None)
            if i in known:
                low, up = max(low, known[i][0]), min(up, known[i][1])
                if low > up + 1e-9:
                    different.append(i)
            known[i] = (low, up)
        for key in view.zeros:
            i = cell(view, key)
            low, up = known.get(i, (0.0, 0.0))
            if low > 1e-9:
                different.append(i)
            known[i] = (0.0, 0.0)
        found = table_relations(children, view.dimensions, view.keys, exclusive=view.exclusive)
        for total, parts in found.equal:
            relations.setdefault((cell(view, total), tuple(cell(view, p) for p in parts)))
        for greater, lesser in found.at_least:
            inequalities.setdefault(
                (tuple(cell(view, c) for c in greater), tuple(cell(view, c) for c in lesser))
            )
        if view.at_least_of:
            for region, codes in view.keys:
                sums = at_least_parts(view.at_least_of, int(codes[0]))
                relations.setdefault(
                    (
                        cell(view, (region, codes)),
                        tuple(cell_of((view.measure, region, pairs)) for pairs in sums),
                    )
                )
    if different:
        cells = tuple(labels[i] for i in different[:5])
        return Issue("different", names, period, cells, len(different), earlier), 0
    both = sorted(set(marks) & set(known))
    if both:
        cells = tuple(labels[i] for i in both[:5])
        return Issue("conflict", names, period, cells, len(both), earlier), 0
    requirements, bounds = _knowledge(marks, counts=views[0].counts)
    data = AuditInput(
        n_cells=len(index),
        relations=list(relations),
        known=known,
        requirements=requirements,
        integer=views[0].counts,
        inequalities=list(inequalities),
        bounds=bounds,
    )
    try:
        found_audit = audit(data)
    except InconsistentFiguresError:
        return Issue("inconsistent", names, period, earlier=earlier), 0
    if found_audit.passed:
        return None, found_audit.n_hidden
    cells = tuple(labels[f.cell] for f in found_audit.findings[:5])
    issue = Issue("disclosure", names, period, cells, len(found_audit.findings), earlier)
    return issue, found_audit.n_hidden


def _knowledge(
    marks: Mapping[int, tuple[Mark, Profile]], *, counts: bool
) -> tuple[dict[int, Requirement], dict[int, tuple[float, float]]]:
    """Per hidden cell what its interval must satisfy, and what the attacker knows of it."""
    requirements: dict[int, Requirement] = {}
    bounds: dict[int, tuple[float, float]] = {}
    if not counts:
        return requirements, bounds  # amounts: no exact disclosure (the default)
    for i, (mark, profile) in marks.items():
        rule = profile.frequency
        if rule is None:
            continue
        if mark == Mark.PRIMARY:
            bounds[i] = (float(rule.hidden_min), float(rule.hidden_max))
            requirements[i] = Requirement(span_min=rule.hidden_min, span_max=rule.hidden_max)
        elif mark == Mark.SECONDARY:
            # never in the hidden range, and never a zero (zeros are published or primary)
            bounds[i] = (float(rule.hidden_max + 1), float("inf"))
        elif profile.range_protection:
            requirements[i] = Requirement(rule.hidden_min, rule.hidden_max)
    return requirements, bounds
