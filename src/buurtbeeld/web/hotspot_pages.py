"""Hotspots of an indicator per gemeente: the map page, its CSV and its GeoJSON."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Annotated, Literal, cast
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from buurtbeeld.analysis.choropleth import MIN_POLYGON_SHARE
from buurtbeeld.analysis.hotspot_map import (
    STACK_SCORE,
    HotspotMap,
    hotspot_map,
    stack_hotspot_map,
)
from buurtbeeld.analysis.hotspots import DEFAULT_SEED, REASONS, HotspotError
from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.store.cube import Cube
from buurtbeeld.web.cache import LRUCache
from buurtbeeld.web.compression import cached_text_response
from buurtbeeld.web.deps import CatalogDep, CubeDep, Seed, get_catalog, templates
from buurtbeeld.web.downloads import csv_attachment
from buurtbeeld.web.hotspot_view import (
    CLASSES,
    STATISTICS,
    gi_class,
    hotspot_csv,
    hotspot_geojson,
    moran_class,
    outcome,
    ranked,
)
from buurtbeeld.web.paging import page_window
from buurtbeeld.web.served import served
from buurtbeeld.web.stacking_view import DEFAULT_STACK

router = APIRouter(include_in_schema=False)
Level = Literal["buurt", "wijk"]
Statistic = Literal["gi", "moran"]
Reference = Literal["gemeente", "nederland"]


@dataclass(frozen=True)
class HotspotChoice:
    """What the page, its CSV and its GeoJSON share: the query parameters of one result."""

    indicator: str
    level: str
    reference: str
    period: str | None
    seed: int


def hotspot_choice(
    indicator: str = DEFAULT_STACK[0],
    niveau: Level = "buurt",
    referentie: Reference = "gemeente",
    periode: str | None = None,
    seed: Seed = DEFAULT_SEED,
) -> HotspotChoice:
    """The shared query parameters (a dependency of every hotspot route)."""
    return HotspotChoice(indicator, niveau, referentie, periode, seed)


HotspotChoiceDep = Annotated[HotspotChoice, Depends(hotspot_choice)]


def hotspots_for(request: Request, cube: Cube, area_code: str, choice: HotspotChoice) -> HotspotMap:
    """The (cached) hotspot result of one choice; 'nederland': the national result, cut out."""
    indicator_id, level, period = choice.indicator, choice.level, choice.period
    reference, seed = choice.reference, choice.seed
    catalog = get_catalog(request)  # what this request's role may see
    cache: LRUCache = served(request).map_cache
    area = cube.region(area_code)
    whole = COUNTRY_CODE if reference == "nederland" else area.code
    if indicator_id == STACK_SCORE:  # the stapelkaart's score, over its default indicators
        known = {i.id for i in catalog.indicators}
        chosen = [catalog.get(i) for i in DEFAULT_STACK if i in known]
        level = "buurt"
        view = cache.get_or_create(
            ("hotspots", whole, STACK_SCORE, tuple(i.id for i in chosen), seed),
            lambda: stack_hotspot_map(cube, whole, chosen, seed=seed),
        )
    else:
        indicator = catalog.get(indicator_id)
        view = cache.get_or_create(
            ("hotspots", whole, indicator.id, level, period, seed),
            lambda: hotspot_map(cube, whole, indicator, level=level, period=period, seed=seed),
        )
    if whole == area.code:
        return view
    own = {r.code: r.name for r in cube.children(area.code, level, view.division_year)}
    rows = [r for r in view.result.rows if r.code in own]
    return dataclasses.replace(
        view,
        area=area,
        names=own,
        result=dataclasses.replace(view.result, rows=rows),
        bbox=cube.bbox(list(own), level),
    )


def _query(indicator: str, level: str, statistic: str, reference: str, seed: int) -> str:
    pairs = [("indicator", indicator), ("niveau", level), ("statistiek", statistic)]
    pairs.append(("referentie", reference))
    if seed != DEFAULT_SEED:
        pairs.append(("seed", str(seed)))
    return urlencode(pairs)


@router.get("/gemeente/{code}/hotspots", response_class=HTMLResponse)
def hotspot_page(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    choice: HotspotChoiceDep,
    statistiek: Statistic = "gi",
    pagina: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Map, account of what was left out, and the table of every region."""
    referentie, seed = choice.reference, choice.seed
    form = {
        "catalog": catalog,
        "level": choice.level,
        "statistic": statistiek,
        "statistics": STATISTICS,
        "reference": referentie,
    }
    try:
        view = hotspots_for(request, cube, code, choice)
    except HotspotError as error:  # a choice that cannot be tested: say why, keep the form
        area = cube.region(code)
        chosen = catalog.get(choice.indicator)
        return templates.TemplateResponse(
            request,
            "hotspots.html",
            {**form, "area": area, "indicator": chosen, "error": error},
        )
    niveau = cast(Level, view.level)  # the stapel score exists per buurt only
    form["level"] = niveau
    rows = ranked(view.result.rows)
    page = page_window(len(rows), pagina)
    with_polygon = cube.polygon_codes([r.code for r in rows], niveau)
    alpha = view.result.alpha
    kind = {r.code: gi_class(r, alpha) if statistiek == "gi" else moran_class(r) for r in rows}
    return templates.TemplateResponse(
        request,
        "hotspots.html",
        {
            **form,
            "view": view,
            "area": view.area,
            "indicator": view.indicator,
            "result": view.result,
            "rows": rows[page["first"] - 1 : page["last"]],
            "page": page,
            "kind": kind,
            "classes": CLASSES[statistiek],
            "outcome": outcome,
            "left_out": [
                (key, label, view.result.count(key))
                for key, label in REASONS.items()
                if view.result.count(key)
            ],
            "query": _query(view.indicator.id, niveau, statistiek, referentie, seed),
            "polygon_count": len(with_polygon),
            "map_drawable": len(with_polygon) >= MIN_POLYGON_SHARE * max(1, len(rows)),
            "bbox": view.bbox,
        },
    )


@router.get("/gemeente/{code}/hotspots.csv")
def hotspot_table(
    request: Request,
    code: str,
    cube: CubeDep,
    choice: HotspotChoiceDep,
) -> Response:
    """Both statistics for every region as CSV, in the page's order."""
    view = hotspots_for(request, cube, code, choice)
    name = f"buurtbeeld_{view.area.code}_hotspots_{view.indicator.id}_{view.level}.csv"
    return csv_attachment(hotspot_csv(view, choice.reference), name)


@router.get("/api/v1/hotspots/{gebied}.geojson")
def hotspot_features(
    request: Request,
    gebied: str,
    cube: CubeDep,
    choice: HotspotChoiceDep,
    statistiek: Statistic = "gi",
) -> Response:
    """GeoJSON of the chosen statistic's classes; ``zonder_grens`` lists regions without polygon."""
    view = hotspots_for(request, cube, gebied, choice)
    codes = [r.code for r in view.result.rows]
    body = hotspot_geojson(view, cube.geometries(codes, view.level), statistiek)
    return cached_text_response(request, body, "application/geo+json")
