"""Estimates of the risk-factor analysis, each checked before it may leave.

From a :class:`~buurtbeeld.source.riskfactors.RiskAggregation` (groups and cells only):
prevalence of each factor, crude and adjusted relative risks with 95 % intervals, the
population-attributable fractions, and the verdict of the output checks for each of them. A
factor whose cells fail is left out of the multivariable model (and said so); the model itself
must have enough residual degrees of freedom. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from buurtbeeld.source.riskfactors import RiskAggregation
from buurtbeeld.source.riskfactors_check import (
    CellSummary,
    Verdict,
    cell_reason,
    check_cells,
    check_model,
)
from buurtbeeld.source.riskfactors_model import (
    Estimate,
    FitError,
    Groups,
    attributable_fraction,
    attributable_fraction_all,
    crude,
    fit_poisson,
)


@dataclass
class FactorResult:
    """One factor's outputs; a value is ``None`` when its check withheld it."""

    name: str
    title: str
    prevalence: float | None
    """Share of children growing up in a household with this factor."""
    crude: Estimate | None
    adjusted: Estimate | None
    paf: float | None
    verdicts: list[Verdict] = field(default_factory=list)


@dataclass
class RiskResults:
    """All outputs with their verdicts (withheld ones carry only the reason)."""

    factors: list[FactorResult]
    model: Verdict
    model_factors: list[str]
    baseline: float | None
    paf_all: float | None
    children: int
    cases_share: float | None
    """Share of children with the outcome (whole area), ``None`` when withheld."""
    outcome: Verdict

    def verdicts(self) -> list[Verdict]:
        """Every verdict, the model's first."""
        return [self.outcome, self.model, *(v for f in self.factors for v in f.verdicts)]


def _label(value: int) -> str:
    return "met" if value else "zonder"


def estimate(agg: RiskAggregation) -> RiskResults:
    """Estimate and check every output (see the module docstring)."""
    spec = agg.spec
    rules = spec.controle
    outcome_cells = [
        (
            f"kinderen {'met' if y else 'zonder'} {spec.uitkomst.titel.lower()}",
            outcome_cell(agg, y),
        )
        for y in (1, 0)
    ]
    outcome = check_cells("aandeel met de uitkomst", outcome_cells, rules)
    results: list[FactorResult] = []
    passing: list[int] = []
    for k, factor in enumerate(spec.factoren):
        cells = agg.factors[factor.naam]
        prev = check_cells(
            f"prevalentie {factor.naam}",
            [
                (f"kinderen met {factor.naam}", cells.exposed),
                (f"kinderen zonder {factor.naam}", cells.unexposed),
            ],
            rules,
        )
        rr = check_cells(
            f"relatief risico {factor.naam}",
            [
                (f"{_label(f)} {factor.naam}, {_label(y)} uitkomst", cells.by_outcome[(f, y)])
                for f in (1, 0)
                for y in (1, 0)
            ],
            rules,
        )
        result = FactorResult(factor.naam, factor.titel, None, None, None, None, [prev, rr])
        if prev.released:
            result.prevalence = cells.exposed.children / agg.children
        if rr.released and outcome.released:
            try:
                result.crude = crude(agg.groups, k)
                passing.append(k)
            except FitError as err:
                rr.add(f"niet te schatten: {err}", "niet_te_schatten")
        results.append(result)
    model = check_model("multivariabel model", agg.children, len(passing) + 1, [], rules)
    if not outcome.released:
        model.add("het aandeel met de uitkomst haalt de controle niet", "uitkomst")
    if not passing:
        model.add("geen factor haalt de celcontrole", "geen_factor")
    baseline = paf_all = None
    if model.released:
        groups = _merged(agg.groups, passing)
        try:
            fit = fit_poisson(groups)
        except FitError as err:
            model.add(f"niet te schatten: {err}", "niet_te_schatten")
        else:
            baseline = fit.baseline_risk
            paf_all = attributable_fraction_all(fit, groups)
            for j, k in enumerate(passing):
                adjusted = fit.estimate(j)
                results[k].adjusted = adjusted
                results[k].paf = attributable_fraction(groups, j, adjusted.rr)
    share = outcome_cell(agg, 1).children / agg.children if outcome.released else None
    return RiskResults(
        results,
        model,
        [spec.factoren[k].naam for k in passing] if model.released else [],
        baseline,
        paf_all,
        agg.children,
        share,
        outcome,
    )


def outcome_cell(agg: RiskAggregation, y: int) -> CellSummary:
    """Children with (``y=1``) or without the outcome: the sum over one factor's exposed and
    unexposed cells (a factor holds for a whole household, so their households are disjoint)."""
    first = next(iter(agg.factors.values()))
    a, b = first.by_outcome[(1, y)], first.by_outcome[(0, y)]
    largest = tuple(sorted(a.largest + b.largest, reverse=True))
    return CellSummary(a.children + b.children, a.households + b.households, largest)


def _merged(groups: Groups, keep: list[int]) -> Groups:
    """The groups over only the factors in ``keep`` (patterns merged, weights summed)."""
    x = np.asarray(groups.x)[:, keep]
    key = np.column_stack([x, groups.m, groups.y])
    unique, inverse = np.unique(key, axis=0, return_inverse=True)
    w = np.bincount(inverse.ravel(), weights=groups.w).astype(np.int64)
    return Groups(unique[:, : len(keep)], unique[:, len(keep)], unique[:, len(keep) + 1], w)


__all__ = ["FactorResult", "RiskResults", "cell_reason", "estimate", "outcome_cell"]
