"""The stapelkaart of indicators: how many problems pile up per buurt (page and CSV)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from buurtbeeld.analysis.choropleth import MIN_POLYGON_SHARE
from buurtbeeld.analysis.stacking import StackRow, ranked, stackable
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import NotFoundError
from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.store.cube import Cube
from buurtbeeld.web.deps import CatalogDep, CubeDep, StackViewDep, templates, unique
from buurtbeeld.web.paging import page_window
from buurtbeeld.web.served import served
from buurtbeeld.web.stacking_view import DEFAULT_STACK, STACK_LEGEND, stack_colour, stack_csv

router = APIRouter(include_in_schema=False)


@router.get("/gemeente/{code}/stapeling", response_class=HTMLResponse)
def stacking_page(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    stack_view: StackViewDep,
    indicator: Annotated[list[str] | None, Query()] = None,
    referentie: str = "gemeente",
    pagina: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """The stapelkaart: how many problems pile up per buurt (the table in pages of 500)."""
    area = cube.region(code)
    if area.level != "gemeente" and area.code != COUNTRY_CODE:
        raise NotFoundError(f"{area.code} is geen gemeente.", code="BB-NF-004")
    chosen_ids = unique(indicator or DEFAULT_STACK)
    chosen: list[Indicator] = [catalog.get(i) for i in chosen_ids]
    thresholds, rows = stack_view(area.code, chosen, reference=referentie)
    layout = served(request).stack_cache.get_or_create(
        ("page", area.code, tuple(chosen_ids), referentie), lambda: _stack_layout(cube, rows)
    )
    rows_sorted = layout["rows"]
    query = urlencode([("indicator", i.id) for i in chosen] + [("referentie", referentie)])
    page = page_window(len(rows_sorted), pagina)
    return templates.TemplateResponse(
        request,
        "stapeling.html",
        {
            "area": area,
            "chosen": chosen,
            "options": [i for i in catalog.indicators if stackable(i)],
            "thresholds": thresholds,
            "rows": rows_sorted[page["first"] - 1 : page["last"]],
            "page": page,
            "reference": referentie,
            "query": query,
            "legend": STACK_LEGEND,
            "stack_colour": stack_colour,
            "catalog": catalog,
            "without_polygon": layout["without_polygon"],
            "polygon_count": layout["polygon_count"],
            "bbox": layout["bbox"],
            "map_drawable": layout["polygon_count"] >= MIN_POLYGON_SHARE * len(rows),
        },
    )


@router.get("/gemeente/{code}/stapeling.csv")
def stacking_csv(
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    stack_view: StackViewDep,
    indicator: Annotated[list[str] | None, Query()] = None,
    referentie: str = "gemeente",
) -> Response:
    """The stapelkaart table as CSV, in the page's order."""
    area = cube.region(code)
    if area.level != "gemeente" and area.code != COUNTRY_CODE:
        raise NotFoundError(f"{area.code} is geen gemeente.", code="BB-NF-004")
    chosen = [catalog.get(i) for i in unique(indicator or DEFAULT_STACK)]
    _, rows = stack_view(area.code, chosen, reference=referentie)
    name = f"buurtbeeld_{area.code}_stapeling_{referentie}.csv"
    return Response(
        stack_csv(ranked(rows), chosen, referentie),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _stack_layout(cube: Cube, rows: list[StackRow]) -> dict[str, Any]:
    """Sorted rows and map facts of a stapelkaart (cached: all of NL has 14,000 buurten)."""
    codes = [r.code for r in rows]
    return {
        "rows": ranked(rows),
        "without_polygon": _without_polygon(cube, rows),
        "polygon_count": len(cube.polygon_codes(codes, "buurt")),
        "bbox": cube.bbox(codes, "buurt"),
    }


def _without_polygon(cube: Cube, rows: list[StackRow]) -> list[StackRow]:
    with_polygon = cube.polygon_codes([r.code for r in rows], "buurt")
    return [r for r in rows if r.code not in with_polygon]
