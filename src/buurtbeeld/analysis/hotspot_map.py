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
from buurtbeeld.analysis.stacking import stack
from buurtbeeld.catalog.models import Indicator, Polarity
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


STACK_SCORE = "stapelscore"


def stack_score_indicator() -> Indicator:
    """A stand-in definition for the stapel score (not a catalogue indicator: never stored)."""
    return Indicator.model_construct(
        id=STACK_SCORE,
        name="Stapelscore: aandeel van de beoordeelde indicatoren in het ongunstigste vijfde",
        short_name="Stapelscore",
        definition="Per buurt het percentage van de beoordeelde stapelkaart-indicatoren waarop de "
        "buurt bij het ongunstigste vijfde hoort.",
        unit="procent",
        decimals=0,
        polarity=Polarity.HIGHER_IS_WORSE,
        theme="inkomen",
        source_label="Buurtbeeld (stapelkaart)",
    )


def stack_hotspot_map(
    cube: Cube,
    area_code: str,
    indicators: list[Indicator],
    *,
    seed: int = DEFAULT_SEED,
    alpha: float = ALPHA,
) -> HotspotMap:
    """Gi* and local Moran's I of the stapel score (``analysis.stacking``) per buurt.

    The score is the share (%) of the judged indicators in the worst fifth of the area's own
    buurten. A buurt judged on none, or on fewer than half of the chosen indicators (the
    stapelkaart's "onzeker"), is left out.
    """
    regions = analysis_regions(cube, area_code, "buurt", cube.division_year)
    area = cube.region(area_code)
    _, rows = stack(cube, area.code, indicators, reference="gemeente")
    codes = [r.code for r in regions]
    with_polygon = cube.polygon_codes(codes, "buurt")
    by_code = {r.code: r for r in rows}
    values: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for c in codes:
        row = by_code.get(c)
        share = row.share if row is not None else None
        if row is None or share is None:
            reasons[c], values[c] = "ontbreekt", None
        elif row.uncertain:
            reasons[c], values[c] = "onzeker", None
        else:
            values[c] = 100.0 * share
            if c not in with_polygon:
                reasons[c] = "geen_vlak"
    graph = contiguity(cube, regions, "buurt", (area.code, cube.division_year))
    result = local_hotspots(
        values,
        reasons,
        restrict(graph, [c for c in codes if c not in reasons]),
        seed=seed,
        alpha=alpha,
    )
    period = "/".join(sorted({p for i in indicators for p in cube.periods(i.id)[-1:]}))
    return HotspotMap(
        area,
        stack_score_indicator(),
        "buurt",
        period,
        cube.division_year,
        {r.code: r.name for r in regions},
        result,
        cube.bbox(codes, "buurt"),
    )
