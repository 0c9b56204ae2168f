"""The stapeling of provisions per gemeente (issue 11): map, UpSet-style chart, CBS layout, CSV.

Beside the stapelkaart of indicators (``/gemeente/{code}/stapeling``), this page shows what a
linked package counts: households and persons with two, three or more provisions of different
partners, per wijk and buurt. Every figure is a published cell or derived from published cells
only (:mod:`buurtbeeld.analysis.overlap`); the page works without JavaScript.
"""

from __future__ import annotations

from typing import Annotated, Literal, NoReturn
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from buurtbeeld.analysis.choropleth import MIN_POLYGON_SHARE
from buurtbeeld.analysis.overlap import (
    CBS_CATEGORIES,
    DENOMINATOR_SOURCE,
    UNIT_LABELS,
    area_of,
    provision_label,
)
from buurtbeeld.errors import NotFoundError
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.pending import STAPELING, running
from buurtbeeld.web.access import may_open
from buurtbeeld.web.deps import CubeDep, OverlapViewDep, templates
from buurtbeeld.web.overlap_view import figure_text, overlap_csv, share_legend, upset_svg

router = APIRouter(include_in_schema=False)


def overlap_link(request: Request, cube: Cube, code: str) -> dict[str, bool]:
    """Whether a gemeente page links to the stapeling: imported, or being computed (the demo's
    background run, BB-WEB-016); never for a role that may not open it (publiek, until
    published: it must not learn that it exists)."""
    if not may_open(request, f"/gemeente/{code}/voorzieningen"):
        return {"overlap_available": False, "overlap_pending": False}
    if cube.overlap.sets_for(code):
        return {"overlap_available": True, "overlap_pending": False}
    busy = bool(running(request.app.state.workspace.root, STAPELING))
    return {"overlap_available": busy, "overlap_pending": busy}


Level = Literal["wijk", "buurt"]
Unit = Literal["huishoudens", "personen"]


@router.get("/gemeente/{code}/voorzieningen", response_class=HTMLResponse)
def overlap_page(
    request: Request,
    code: str,
    cube: CubeDep,
    overlap: OverlapViewDep,
    dataset: str | None = None,
    periode: str | None = None,
    niveau: Level = "wijk",
    drempel: Annotated[int, Query(ge=2, le=9)] = 2,
    gebied: str | None = None,
    eenheid: Unit = "huishoudens",
) -> Response:
    """Map of the share of households with k+ provisions, tables, chart and CBS layout."""
    view = overlap(code, dataset=dataset, period=periode, level=niveau)
    n = len(view.provisions)
    drempel = min(drempel, n)
    selected = view.area
    if gebied:
        region = cube.region(gebied)
        if region.level not in ("wijk", "buurt") or region.code[2:6] != view.area.region.code[2:6]:
            _not_here(region.code, view.area.region.name)
        selected = area_of(cube, view, region)
    names = list(selected.names(eenheid))
    titles = {p.name: provision_label(p) for p in view.provisions}
    codes = [r.region.code for r in view.rows]
    polygons = cube.polygon_codes(codes, niveau)
    params = {
        "dataset": view.chosen.dataset,
        "periode": view.chosen.period,
        "niveau": niveau,
        "drempel": drempel,
    }
    return templates.TemplateResponse(
        request,
        "voorzieningen.html",
        {
            "view": view,
            "area": view.area.region,
            "sets": cube.overlap.sets_for(view.area.region.code),
            "level": niveau,
            "k": drempel,
            "ks": list(range(2, n + 1)),
            "legend": share_legend(view.rows, drempel),
            "hidden": [r for r in view.rows if r.shares[drempel].status == "hidden"],
            "selected": selected,
            "unit": eenheid,
            "unit_labels": UNIT_LABELS,
            "names": [p.name for p in view.provisions],
            "person_names": view.area.names("personen"),
            "titles": titles,
            "chart": upset_svg(selected.units[eenheid], names, titles, f"upset-{eenheid}"),
            "figure_text": figure_text,
            "cbs_labels": [label for label, _ in CBS_CATEGORIES],
            "query": urlencode(params),
            "csv_query": urlencode({"dataset": view.chosen.dataset, "periode": view.chosen.period}),
            "denominator_source": DENOMINATOR_SOURCE,
            "bbox": cube.bbox(codes, niveau),
            "polygon_count": len(polygons),
            "map_drawable": bool(codes) and len(polygons) >= MIN_POLYGON_SHARE * len(codes),
            "without_polygon": [r for r in view.rows if r.region.code not in polygons],
        },
    )


def _not_here(code: str, name: str) -> NoReturn:
    raise NotFoundError(
        f"Gebied {code} is geen wijk of buurt van {name}.",
        code="BB-WEB-013",
        hint="Kies een gebied uit de tabel op de pagina.",
    )


@router.get("/gemeente/{code}/voorzieningen.csv")
def overlap_csv_download(
    code: str,
    overlap: OverlapViewDep,
    dataset: str | None = None,
    periode: str | None = None,
) -> Response:
    """Every figure of the gemeente, its wijken and its buurten as CSV (with source and period)."""
    wijken = overlap(code, dataset=dataset, period=periode, level="wijk")
    buurten = overlap(code, dataset=dataset, period=periode, level="buurt")
    name = f"buurtbeeld_{wijken.area.region.code}_voorzieningen_{wijken.chosen.period}.csv"
    return Response(
        overlap_csv(wijken, [wijken.area, *wijken.rows, *buurten.rows]),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
