"""The ``risicofactoren`` manifest field of a risk-factor package, from the checked estimates.

Only what the output checks released travels, rounded as ``rapport.md`` shows it; a withheld
estimate travels as the codes of the rules it failed. Each released estimate carries a lower
bound of its smallest cell (rounded down to a multiple of 5, never below the threshold it
passed) so that the platform can re-check the threshold without receiving a count. The
contract is :mod:`buurtbeeld.package_format.risk_estimates`.
"""

from __future__ import annotations

import re
from typing import Any

from buurtbeeld.package_format.risk_estimates import group_bound, rounded_ratio, rounded_share
from buurtbeeld.source.riskfactors import RiskAggregation
from buurtbeeld.source.riskfactors_check import CellSummary, Verdict
from buurtbeeld.source.riskfactors_estimate import RiskResults, outcome_cell
from buurtbeeld.source.riskfactors_model import Estimate
from buurtbeeld.source.riskfactors_spec import FACTOR_COUNT_TABLE


def outcome_slug(column: str) -> str:
    """The outcome's name in the manifest: its column as a slug (``Jeugdhulp 2024`` →
    ``jeugdhulp_2024``)."""
    slug = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")
    if not slug or not slug[0].isalpha():
        slug = f"uitkomst_{slug}".rstrip("_")
    return slug[:60]


def _withheld(*rule_lists: list[str]) -> list[str]:
    """The rule codes, each once, in order; ``niet_te_schatten`` when none is known."""
    codes = list(dict.fromkeys(code for rules in rule_lists for code in rules))
    return codes or ["niet_te_schatten"]


def _bound(cells: list[CellSummary], threshold: int) -> int:
    return group_bound(min(c.children for c in cells), threshold)


def _share(
    value: float | None, cells: list[CellSummary], threshold: int, rules: list[str]
) -> dict[str, Any]:
    if value is None:
        return {"achtergehouden": _withheld(rules)}
    return {"aandeel": rounded_share(value), "kleinste_groep": _bound(cells, threshold)}


def _ratio(
    est: Estimate | None, cells: list[CellSummary], threshold: int, rules: list[str]
) -> dict[str, Any]:
    if est is None:
        return {"achtergehouden": _withheld(rules)}
    return {
        "rr": rounded_ratio(est.rr),
        "laag": rounded_ratio(est.low),
        "hoog": rounded_ratio(est.high),
        "kleinste_groep": _bound(cells, threshold),
    }


def _rules(verdict: Verdict) -> list[str]:
    return list(verdict.rules)


def risk_field(agg: RiskAggregation, results: RiskResults) -> dict[str, Any]:
    """The ``risicofactoren`` field (JSON-ready) for a run's aggregation and checked results."""
    spec = agg.spec
    threshold = spec.controle.minimum_aantal
    outcome_rules = _rules(results.outcome)
    factors = []
    for factor, result in zip(spec.factoren, results.factors, strict=True):
        cells = agg.factors[factor.naam]
        prevalence, rr = result.verdicts
        rr_cells = list(cells.by_outcome.values())
        crude_rules = _rules(rr) or outcome_rules or ["uitkomst"]
        in_model = factor.naam in results.model_factors
        adjusted_rules = _rules(results.model) if rr.released and result.crude else crude_rules
        entry: dict[str, Any] = {
            "naam": factor.naam,
            "titel": factor.titel,
            "prevalentie": _share(
                result.prevalence, [cells.exposed, cells.unexposed], threshold, _rules(prevalence)
            ),
            "rr_ruw": _ratio(result.crude, rr_cells, threshold, crude_rules),
            "rr_gecorrigeerd": _ratio(
                result.adjusted if in_model else None, rr_cells, threshold, adjusted_rules
            ),
        }
        if in_model and result.paf is not None:
            entry["toe_te_schrijven"] = rounded_share(result.paf)
        factors.append(entry)
    model: dict[str, Any]
    if results.model.released and results.baseline is not None and results.paf_all is not None:
        model = {
            "factoren": list(results.model_factors),
            "basisrisico": rounded_share(results.baseline),
            "toe_te_schrijven": rounded_share(results.paf_all),
        }
    else:
        model = {"achtergehouden": _withheld(_rules(results.model))}
    rules = spec.controle
    return {
        "uitkomst": outcome_slug(spec.uitkomst.kolom),
        "uitkomst_titel": spec.uitkomst.titel,
        "eenheid": "kinderen",
        "tabel": FACTOR_COUNT_TABLE,
        "controle": {
            "minimum_aantal": rules.minimum_aantal,
            "minimum_huishoudens": rules.minimum_huishoudens,
            "dominantie_n": rules.dominantie_n,
            "dominantie_k": rules.dominantie_k,
            "minimum_vrijheidsgraden": rules.minimum_vrijheidsgraden,
        },
        "aandeel_uitkomst": _share(
            results.cases_share,
            [outcome_cell(agg, 1), outcome_cell(agg, 0)],
            threshold,
            outcome_rules,
        ),
        "factoren": factors,
        "model": model,
    }
