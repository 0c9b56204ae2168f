"""Buurttypen: the national typology, shown per gemeente (map, profile per type, table, CSV)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from buurtbeeld.analysis.choropleth import MIN_POLYGON_SHARE
from buurtbeeld.analysis.typology import (
    DEFAULT_INDICATORS,
    DEFAULT_SEED,
    K_RANGE,
    Typology,
    TypologyError,
    national_typology,
    stability,
)
from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import NotFoundError
from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.store.cube import Cube, RegionRow
from buurtbeeld.web.cache import LRUCache
from buurtbeeld.web.compression import cached_text_response
from buurtbeeld.web.deps import CatalogDep, CubeDep, Seed, get_catalog, templates, unique
from buurtbeeld.web.downloads import csv_attachment, csv_text
from buurtbeeld.web.format import csv_safe, format_plain
from buurtbeeld.web.served import served

router = APIRouter(include_in_schema=False)


def chosen_indicators(catalog: Catalog, ids: list[str] | None) -> list[Indicator]:
    """The chosen indicators; by default those of ``DEFAULT_INDICATORS`` this user may see."""
    if ids:
        return [catalog.get(i) for i in unique(ids)]
    known = {i.id for i in catalog.indicators}
    return [catalog.get(i) for i in DEFAULT_INDICATORS if i in known]


def typology_for(request: Request, cube: Cube, chosen: list[Indicator], seed: int) -> Typology:
    """The national typology of this choice (cached: every gemeente and profile shares it)."""
    cache: LRUCache = served(request).map_cache
    key = ("buurttypen", tuple(i.id for i in chosen), seed)
    return cache.get_or_create(key, lambda: national_typology(cube, chosen, seed=seed))


def stability_for(request: Request, typology: Typology) -> list[float]:
    """Adjusted Rand index against other seeds (cached with the typology)."""
    cache: LRUCache = served(request).map_cache
    key = ("buurttypen-stabiliteit", tuple(i.id for i in typology.indicators), typology.seed)
    return cache.get_or_create(key, lambda: stability(typology))


def profile_type(request: Request, cube: Cube, region: RegionRow) -> tuple[Typology, int] | None:
    """For a buurt's profile: the default typology and the buurt's type number (None: none)."""
    if region.level != "buurt" or region.division_year not in (None, cube.division_year):
        return None
    catalog = get_catalog(request)  # what this request's role may see
    try:
        typology = typology_for(request, cube, chosen_indicators(catalog, None), DEFAULT_SEED)
    except TypologyError:
        return None
    number = typology.assignment.get(region.code)
    return (typology, number) if number else None


@dataclass(frozen=True)
class TypologyChoice:
    """What the page, its CSV and its GeoJSON share: the indicators and the seed."""

    indicators: list[str] | None
    seed: int


def typology_choice(
    indicator: Annotated[list[str] | None, Query()] = None, seed: Seed = DEFAULT_SEED
) -> TypologyChoice:
    """The shared query parameters (a dependency of every buurttypen route)."""
    return TypologyChoice(indicator, seed)


TypologyChoiceDep = Annotated[TypologyChoice, Depends(typology_choice)]


def _gemeente_typology(
    request: Request, cube: Cube, catalog: Catalog, code: str, choice: TypologyChoice
) -> tuple[RegionRow, list[Indicator], Typology]:
    """The gemeente ``code`` (else 404), the chosen indicators and their national typology."""
    area = cube.region(code)
    if area.level != "gemeente" and area.code != COUNTRY_CODE:
        raise NotFoundError(f"{area.code} is geen gemeente.", code="BB-NF-004")
    chosen = chosen_indicators(catalog, choice.indicators)
    return area, chosen, typology_for(request, cube, chosen, choice.seed)


def _reason(cube: Cube, typology: Typology, code: str) -> str:
    """Why a buurt has no type: a hidden figure, or none at all, on a chosen indicator."""
    for indicator in typology.indicators:
        cell = cube.cells(indicator.id, typology.periods[indicator.id], [code])[code]
        if cell.status == "hidden":
            return "hidden"
    return "missing"


@router.get("/gemeente/{code}/buurttypen", response_class=HTMLResponse)
def typology_page(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    choice: TypologyChoiceDep,
) -> Response:
    """Map of the types, what each type means, how k was chosen, stability, every buurt."""
    area, chosen, typology = _gemeente_typology(request, cube, catalog, code, choice)
    buurten = cube.children(area.code, "buurt", cube.division_year)
    codes = [b.code for b in buurten]
    with_polygon = cube.polygon_codes(codes, "buurt")
    local = {t.number: 0 for t in typology.types}
    for c in codes:
        if c in typology.assignment:
            local[typology.assignment[c]] += 1
    query = "&".join(f"indicator={i.id}" for i in chosen)
    if choice.seed != DEFAULT_SEED:
        query += f"&seed={choice.seed}"
    return templates.TemplateResponse(
        request,
        "buurttypen.html",
        {
            "area": area,
            "typology": typology,
            "stability": stability_for(request, typology),
            "chosen": chosen,
            "options": [i for i in catalog.indicators if not i.is_count and cube.periods(i.id)],
            "buurten": buurten,
            "local": local,
            "untyped": sum(1 for c in codes if c not in typology.assignment),
            "k_range": K_RANGE,
            "query": query,
            "polygon_count": len(with_polygon),
            "map_drawable": len(with_polygon) >= MIN_POLYGON_SHARE * max(1, len(codes)),
            "bbox": cube.bbox(codes, "buurt"),
        },
    )


@router.get("/gemeente/{code}/buurttypen.csv")
def typology_csv(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    choice: TypologyChoiceDep,
) -> Response:
    """Every buurt of the gemeente with its type and the type's description."""
    area, _, typology = _gemeente_typology(request, cube, catalog, code, choice)
    ids = "|".join(i.id for i in typology.indicators)
    rows = []
    for b in cube.children(area.code, "buurt", cube.division_year):
        kind = typology.type_of(b.code)
        rows.append(
            [
                csv_safe(b.code),
                csv_safe(b.name),
                kind.number if kind else "",
                kind.name
                if kind
                else "geen type: niet voor alle indicatoren een gepubliceerd cijfer",
                typology.k,
                typology.seed,
                ids,
            ]
        )
    header = [
        "regiocode",
        "naam",
        "buurttype",
        "omschrijving",
        "aantal_typen",
        "seed",
        "indicatoren",
    ]
    return csv_attachment(csv_text(header, rows), f"buurtbeeld_{area.code}_buurttypen.csv")


@router.get("/api/v1/buurttypen/{gebied}.geojson")
def typology_geojson(
    request: Request,
    gebied: str,
    cube: CubeDep,
    catalog: CatalogDep,
    choice: TypologyChoiceDep,
) -> Response:
    """Buurten coloured by type; without a type: hatched (a hidden figure) or white."""
    area, _, typology = _gemeente_typology(request, cube, catalog, gebied, choice)
    buurten = cube.children(area.code, "buurt", cube.division_year)
    geometries = cube.geometries([b.code for b in buurten], "buurt")
    parts = []
    for b in buurten:
        geometry = geometries.get(b.code)
        if geometry is None:
            continue
        kind = typology.type_of(b.code)
        props = {
            "code": b.code,
            "naam": b.name,
            "status": "value" if kind else _reason(cube, typology, b.code),
            "type": kind.number if kind else None,
            "kleur": kind.colour if kind else None,
            "uitkomst": f"type {kind.number}: {kind.name}" if kind else "geen type",
        }
        parts.append(
            f'{{"type":"Feature","geometry":{geometry},"properties":{json.dumps(props, ensure_ascii=False)}}}'
        )
    missing = json.dumps([b.code for b in buurten if b.code not in geometries])
    body = (
        '{"type":"FeatureCollection","zonder_grens":'
        + missing
        + ',"features":['
        + ",".join(parts)
        + "]}"
    )
    return cached_text_response(request, body, "application/geo+json")


def format_z(value: float) -> str:
    """A z-score with sign, Dutch decimal comma."""
    return ("+" if value >= 0 else "−") + format_plain(abs(value), 1)
