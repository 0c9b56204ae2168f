"""Hotspots of one indicator for the wijken or buurten of a gemeente (or NL), from the cube."""

from __future__ import annotations

from dataclasses import dataclass

from libpysal.graph import Graph

from buurtbeeld.analysis.hotspots import (
    ALPHA,
    DEFAULT_SEED,
    PERMUTATIONS,
    HotspotError,
    HotspotResult,
    local_hotspots,
)
from buurtbeeld.analysis.neighbours import queen_graph, restrict
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import NotFoundError
from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.store.cube import Cube, RegionRow

MIN_PERMUTATIONS, MAX_PERMUTATIONS = 99, 9999


@dataclass(frozen=True)
class HotspotMap:
    """Hotspot results of one choice, with what a page needs to show them."""

    area: RegionRow
    indicator: Indicator
    level: str
    period: str
    division_year: int
    names: dict[str, str]
    result: HotspotResult
    bbox: tuple[float, float, float, float] | None


def analysis_regions(
    cube: Cube, area_code: str, level: str, division_year: int | None
) -> list[RegionRow]:
    """The ``level`` regions of a gemeente (or of NL) in ``division_year``; Dutch errors."""
    area = cube.region(area_code)
    if area.level != "gemeente" and area.code != COUNTRY_CODE:
        raise NotFoundError(f"{area.code} is geen gemeente.", code="BB-NF-004")
    if level not in ("wijk", "buurt"):
        raise NotFoundError(
            f"Onbekend niveau '{level}'.", code="BB-NF-005", hint="Kies 'wijk' of 'buurt'."
        )
    return cube.children(area.code, level, division_year)


def indicator_division(cube: Cube, indicator: Indicator) -> int:
    """The division an indicator's figures follow (the newest when there are several)."""
    years = cube.indicator_divisions(indicator.id)
    return years[-1] if years else cube.division_year


def contiguity(cube: Cube, regions: list[RegionRow], level: str, key: object) -> Graph | None:
    """The queen graph of ``regions`` (cached per area and level in the cube's memo)."""
    memo_key = ("queen", level, key)
    if memo_key not in cube.memo:
        cube.memo[memo_key] = queen_graph(cube.geometries([r.code for r in regions], level))
    graph: Graph | None = cube.memo[memo_key]
    return graph


def hotspot_map(
    cube: Cube,
    area_code: str,
    indicator: Indicator,
    *,
    level: str = "buurt",
    period: str | None = None,
    seed: int = DEFAULT_SEED,
    permutations: int = PERMUTATIONS,
    alpha: float = ALPHA,
) -> HotspotMap:
    """Gi* and local Moran's I of ``indicator`` for the ``level`` regions of ``area_code``.

    Raises
    ------
    NotFoundError
        Unknown area, level or period.
    HotspotError
        Too few regions to test, bad settings, or figures that cannot be tested.
    """
    if not MIN_PERMUTATIONS <= permutations <= MAX_PERMUTATIONS:
        raise HotspotError(
            f"Het aantal permutaties moet tussen {MIN_PERMUTATIONS} en {MAX_PERMUTATIONS} liggen.",
            code="BB-ANA-004",
            hint="Gebruik de standaard van 999 permutaties.",
        )
    division = indicator_division(cube, indicator)
    regions = analysis_regions(cube, area_code, level, division)
    area = cube.region(area_code)
    codes = [r.code for r in regions]
    periods = cube.periods(indicator.id)
    if period is None:
        period = cube.default_period(indicator.id, codes)
    if period is None or period not in periods:
        raise NotFoundError(
            f"Voor {indicator.label} is er geen periode {period or ''}.".replace(" .", "."),
            code="BB-NF-006",
            hint=f"Beschikbare perioden: {', '.join(periods) or 'geen'}.",
        )
    cells = cube.cells(indicator.id, period, codes)
    graph = contiguity(cube, regions, level, (area.code, division))
    with_polygon = cube.polygon_codes(codes, level)
    reasons: dict[str, str] = {}
    for c in codes:
        cell = cells[c]
        if cell.status == "hidden":
            reasons[c] = "verborgen"
        elif cell.value is None:
            reasons[c] = "ontbreekt"
        elif c not in with_polygon:
            reasons[c] = "geen_vlak"
    taking_part = [c for c in codes if c not in reasons]
    result = local_hotspots(
        {c: cells[c].value for c in codes},
        reasons,
        restrict(graph, taking_part),
        seed=seed,
        permutations=permutations,
        alpha=alpha,
    )
    return HotspotMap(
        area,
        indicator,
        level,
        period,
        division,
        {r.code: r.name for r in regions},
        result,
        cube.bbox(codes, level),
    )
