"""The risk-factor run: aggregate → estimate → check → protect → one signed package.

The package is an ordinary delivery package (format 3, signed, manifest with every file's
SHA-256), so the platform's intake verifies and imports it like any other:

- table ``kinderen_naar_aantal_factoren``: children per wijk and gemeente by the number of
  household factors (0, 1, 2, 3 of meer), protected with the spec's profile (primary and
  secondary suppression, rounding, attacker audit). Cells that fail the output checks
  (single-unit groups, dominance, threshold) are hidden too, before secondary suppression;
- ``rapport.md``: the estimates that passed the checks (prevalences, relative risks with 95 %
  intervals, attributable fractions) and, for every withheld output, the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pyarrow as pa

from buurtbeeld.package_format import write_package
from buurtbeeld.protect.published import TOTAL
from buurtbeeld.source.aggregate import AggregatedTable, Aggregation
from buurtbeeld.source.keys import KeyFiles, key_files, signing_key
from buurtbeeld.source.package import manifest_for, rounding_seed
from buurtbeeld.source.periods import period_of
from buurtbeeld.source.protection import JointCells, ProtectedDelivery, _cell_key, protect_delivery
from buurtbeeld.source.report import delivery_report
from buurtbeeld.source.riskfactors import RiskAggregation, aggregate_risk
from buurtbeeld.source.riskfactors_check import cell_reason
from buurtbeeld.source.riskfactors_estimate import RiskResults, estimate
from buurtbeeld.source.riskfactors_manifest import risk_field
from buurtbeeld.source.riskfactors_report import risk_report
from buurtbeeld.source.riskfactors_spec import (
    FACTOR_COUNT_CATEGORIES,
    FACTOR_COUNT_DIMENSION,
    RiskSpec,
)

Progress = Callable[[str], None]
STEPS = 7


@dataclass
class RiskRun:
    """What a run wrote and found (group level only)."""

    path: Path
    results: RiskResults
    delivery: ProtectedDelivery
    checked_hidden: int
    """Cells of the factor table hidden by the output checks (before secondary suppression)."""
    aggregation: RiskAggregation
    keys: KeyFiles
    key_created: bool


def default_target(spec: RiskSpec, folder: Path) -> Path:
    """``<dataset>-<gebied>-<jaar>.zip`` in ``folder``."""
    area = spec.gemeenten[0] if len(spec.gemeenten) == 1 else f"{len(spec.gemeenten)}gemeenten"
    return folder / f"{spec.dataset}-{area}-{spec.jaar}.zip"


def factor_table(agg: RiskAggregation) -> tuple[Aggregation, frozenset[tuple[str, ...]]]:
    """The count table of children by number of factors (wijk, gemeente) as an aggregation
    the delivery protection takes, and the keys of cells the output checks hide."""
    spec = agg.spec
    delivery = spec.delivery()
    table_spec = delivery.tabellen[0]
    period = period_of(delivery.periode.peildatum or delivery.periode.periods()[0].end, "jaar")
    # wijken are the leaves: the analysis reports per wijk, not per buurt
    division = replace(
        agg.division,
        buurten={},
        hierarchy={k: v for k, v in agg.division.hierarchy.items() if not k.startswith("WK")},
    )
    rows = sorted(
        (region, cat, cell.children)
        for (region, cat), cell in agg.area_cells.items()
        if cell.children > 0
    )
    data = pa.table(
        {
            "periode": [period.label] * len(rows),
            "regiocode": [r for r, _, _ in rows],
            FACTOR_COUNT_DIMENSION: [c for _, c, _ in rows],
            "aantal": pa.array([n for _, _, n in rows], pa.int64()),
        }
    )
    table = AggregatedTable(
        table_spec.naam,
        table_spec,
        table_spec.titel,
        [FACTOR_COUNT_DIMENSION],
        {FACTOR_COUNT_DIMENSION: True},
        "aantal",
        "personen",
        data,
    )
    aggregation = Aggregation(
        delivery,
        division,
        [period],
        [table],
        {FACTOR_COUNT_DIMENSION: list(FACTOR_COUNT_CATEGORIES)},
        0,  # rows are children here: their number would reveal the rounded totals (ROWS_NOTE)
    )
    hidden = frozenset(
        _cell_key(spec.dataset, period.label, region, table, (cat,))
        for (region, cat), cell in agg.area_cells.items()
        if cell.children > 0 and cell_reason(cell, spec.controle, "") is not None
    )
    return aggregation, hidden


ROWS_NOTE = (
    "Het aantal regels staat niet in dit pakket: in een onderzoekstabel is elke regel een kind,\n"
    "dus het exacte aantal zou de afgeronde totalen van de tabel per wijk onthullen. De opdracht\n"
    "toont de aantallen regels (per reden) alleen op uw machine.\n"
)


def _without_row_counts(report: str) -> str:
    """The delivery report with its section on input rows replaced by :data:`ROWS_NOTE`."""
    head, found, rest = report.partition("## Regels in de invoer\n")
    if not found:
        return report
    _, control, tail = rest.partition("## Controle\n")
    return head + found + "\n" + ROWS_NOTE + "\n" + control + tail


def run_risk(
    spec: RiskSpec, target: Path, *, seed: str | None = None, progress: Progress | None = None
) -> RiskRun:
    """The whole run; writes one signed package to ``target`` (nothing else).

    Raises
    ------
    BuurtbeeldError
        ``BB-RSK-…`` for the spec and the data, ``BB-SPEC-002`` for an unreadable file,
        ``BB-SIG-002`` for an unusable key file, protection errors when no safe table exists.
    """
    delivery_spec = spec.delivery()
    key, created = signing_key(delivery_spec)
    agg = aggregate_risk(spec, progress=progress)
    if progress:
        progress("Schatten: prevalenties, relatieve risico's, model")
    results = estimate(agg)
    if progress:
        progress("Uitvoercontrole en beveiliging van de tabel per wijk")
    aggregation, hidden = factor_table(agg)
    seed = seed if seed is not None else rounding_seed(delivery_spec)
    delivery = protect_delivery(
        aggregation, seed=seed, joint_cells=JointCells((), (), hidden=hidden)
    )
    if progress:
        progress("Pakket schrijven")
    manifest = manifest_for(delivery)
    manifest["spec_sha256"] = spec.sha256()
    manifest.pop("regels")
    manifest["risicofactoren"] = risk_field(agg, results)
    report = _without_row_counts(delivery_report(delivery, manifest))
    report += risk_report(spec, results, len(hidden))
    path = write_package(
        target, manifest, {o.name: o.data for o in delivery.outputs}, report=report, key=key
    )
    return RiskRun(path, results, delivery, len(hidden), agg, key_files(delivery_spec), created)


__all__ = ["STEPS", "TOTAL", "RiskRun", "default_target", "factor_table", "run_risk"]
