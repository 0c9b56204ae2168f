"""Monitoring of goals: on track / off track / unknown from the latest value and the trend.

:func:`assess` reads a goal's baseline and latest published figure from the cube and judges them
against the goal's target by the rule in :data:`STATUS_RULE`, which the pages and the P&C export
state next to the status.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Polarity
from buurtbeeld.steer.goals import PUBLISHED, Goal, Target, period_year, published_cell
from buurtbeeld.store.cube import Cell, Cube

ON_TRACK = "op koers"
OFF_TRACK = "niet op koers"
UNKNOWN = "onbekend"
STATUS_RULE = (
    "Op koers: de laatste gepubliceerde waarde ligt op of voorbij de rechte lijn van de "
    "nulmeting naar de streefwaarde, naar rato van de tijd die sinds de nulmeting verstreken is "
    "(na het streefjaar: de streefwaarde zelf). Niet op koers: de laatste waarde ligt achter die "
    "lijn, of beweegt de verkeerde kant op. Bij een streefwaarde gelijk aan de nulmeting telt de "
    "richting van de indicator (hoger is gunstiger of ongunstiger): niet verslechteren is op "
    "koers. Onbekend: geen streefwaarde, de nulmeting of de laatste waarde is verborgen of "
    "ontbreekt, of er is nog geen meting na de nulmeting."
)


@dataclass(frozen=True)
class Assessment:
    """Monitoring of one goal in one region."""

    region_code: str
    baseline: Cell
    latest: Cell | None
    target: Target | None
    status: str
    reason: str


def _choose_target(targets: list[Target], latest_year: float | None) -> Target | None:
    if not targets:
        return None
    ordered = sorted(targets, key=lambda x: x.year)
    if latest_year is None:
        return ordered[0]
    upcoming = [x for x in ordered if x.year >= latest_year]
    return upcoming[0] if upcoming else ordered[-1]


def _direction(baseline: float, target: float, polarity: Polarity) -> int:
    if target > baseline:
        return 1
    if target < baseline:
        return -1
    return {Polarity.HIGHER_IS_BETTER: 1, Polarity.HIGHER_IS_WORSE: -1}.get(polarity, 0)


def judge(
    baseline: float, baseline_year: float, latest: float, latest_year: float,
    target: Target, polarity: Polarity,
) -> tuple[str, str]:  # fmt: skip
    """The status and its reason by :data:`STATUS_RULE` (all figures published)."""
    if latest_year <= baseline_year:
        return UNKNOWN, "nog geen meting na de nulmeting"
    if target.year <= baseline_year:
        return UNKNOWN, "het streefjaar ligt niet na de nulmeting"
    share = min(1.0, (latest_year - baseline_year) / (target.year - baseline_year))
    expected = baseline + (target.value - baseline) * share
    direction = _direction(baseline, target.value, polarity)
    if direction == 0:
        ok = math.isclose(latest, baseline, rel_tol=1e-9, abs_tol=1e-9)
    else:
        ok = (latest - expected) * direction >= -1e-9
    if ok:
        return ON_TRACK, "de laatste waarde ligt op of voorbij de lijn naar de streefwaarde"
    return OFF_TRACK, "de laatste waarde ligt achter de lijn naar de streefwaarde"


def assess(cube: Cube, catalog: Catalog, goal: Goal, region_code: str) -> Assessment:
    """Baseline, latest figure, target and status of ``goal`` in ``region_code``."""
    indicator = catalog.get(goal.indicator_id)
    baseline = published_cell(cube, goal.indicator_id, goal.baseline_period, region_code)
    series = cube.cells_by_period(goal.indicator_id, region_code)
    latest = series[-1] if series else None
    latest_year = period_year(latest.period) if latest and latest.period else None
    target = _choose_target([x for x in goal.targets if x.region_code == region_code], latest_year)
    base_year = period_year(goal.baseline_period)

    def out(status: str, reason: str) -> Assessment:
        return Assessment(region_code, baseline, latest, target, status, reason)

    if target is None:
        return out(UNKNOWN, "geen streefwaarde")
    if baseline.status not in PUBLISHED or baseline.value is None or base_year is None:
        return out(UNKNOWN, "de nulmeting is verborgen of ontbreekt")
    if (
        latest is None
        or latest.status not in PUBLISHED
        or latest.value is None
        or latest_year is None
    ):
        return out(UNKNOWN, "de laatste waarde is verborgen of ontbreekt")
    status, reason = judge(
        baseline.value, base_year, latest.value, latest_year, target, indicator.polarity
    )
    return out(status, reason)


def regions_of(goal: Goal, gemeente: str) -> list[str]:
    """The gemeente first, then every wijk that has a target of this goal."""
    wijken = sorted({x.region_code for x in goal.targets} - {gemeente})
    return [gemeente, *wijken]
