"""Server-rendered Dutch pages. Every page works without JavaScript; the map is an extra."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from buurtbeeld.analysis.choropleth import MapRow, map_fallback
from buurtbeeld.analysis.divisions import division_notes
from buurtbeeld.analysis.overlap import region_overlap
from buurtbeeld.analysis.timeseries import profile_series
from buurtbeeld.catalog.load import Catalog
from buurtbeeld.store.cube import STATUS_LABELS, Cube, RegionRow
from buurtbeeld.web.access import may_open
from buurtbeeld.web.deps import (
    CatalogDep,
    CubeDep,
    MapViewDep,
    templates,
)
from buurtbeeld.web.downloads import csv_attachment, csv_text
from buurtbeeld.web.duiding_pages import (
    approved_for_map,
    approved_for_regions,
    csv_duiding,
    duiding_context,
)
from buurtbeeld.web.format import csv_safe, format_cell, format_plain
from buurtbeeld.web.map_choice import MapChoiceDep, chosen_map
from buurtbeeld.web.overlap_pages import overlap_link
from buurtbeeld.web.paging import page_window
from buurtbeeld.web.periods import regions_per_period
from buurtbeeld.web.series_chart import line_chart
from buurtbeeld.web.typology_pages import profile_type

router = APIRouter(include_in_schema=False)
SORT_KEYS = ("naam", "code", "waarde")


@router.get("/", response_class=HTMLResponse)
def index(request: Request, cube: CubeDep) -> Response:
    """Choose a gemeente."""
    default = request.app.state.workspace.config.default_gemeente
    return templates.TemplateResponse(
        request,
        "index.html",
        {"gemeenten": cube.gemeenten(), "default": default, "imports": cube.imports},
    )


@router.get("/gemeente")
def choose_gemeente(code: Annotated[str, Query(min_length=4, max_length=10)]) -> RedirectResponse:
    """Form target of the gemeente chooser."""
    return RedirectResponse(f"/gemeente/{code.strip().upper()}", status_code=303)


@router.get("/zoek", response_class=HTMLResponse)
def search_page(
    request: Request, cube: CubeDep, q: Annotated[str, Query(max_length=100)] = ""
) -> Response:
    """Find a gemeente, wijk or buurt by name or code (accent- and case-insensitive)."""
    result = cube.search(q) if q.strip() else None

    def within(region: RegionRow) -> str:
        """The wijk and gemeente a region lies in ("Wijk 08 Crabbehof/Zuidhoven, Dordrecht")."""
        return ", ".join(a.name for a in cube.ancestors(region.code) if a.level != "land")

    return templates.TemplateResponse(
        request,
        "zoeken.html",
        {
            "query": result.query if result else "",
            "result": result,
            "within": within,
            "division_year": cube.division_year,
        },
    )


def _sorted_rows(rows: list[MapRow], key: str, direction: str) -> list[MapRow]:
    if key == "code":
        ordered = sorted(rows, key=lambda r: r.region.code)
    elif key == "waarde":
        with_value = sorted(
            (r for r in rows if r.cell.value is not None), key=lambda r: r.cell.value or 0.0
        )
        if direction == "af":
            with_value.reverse()
        return with_value + [r for r in rows if r.cell.value is None]
    else:
        ordered = sorted(rows, key=lambda r: r.region.name.lower())
    return ordered[::-1] if direction == "af" else ordered


@router.get("/gemeente/{code}", response_class=HTMLResponse)
def gemeente_page(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    map_view: MapViewDep,
    choice: MapChoiceDep,
    sorteer: str = "naam",
    richting: str = "op",
    pagina: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    """Map and table of one indicator per buurt or wijk of a gemeente."""
    chosen, view = chosen_map(code, catalog, map_view, choice)
    niveau = choice.level
    params = {
        "indicator": chosen.id,
        "niveau": niveau,
        **({"periode": view.period} if view.period else {}),
    }
    # Too few polygons for this level: draw the wijken (or no map) and say why.
    drawn, fallback = map_fallback(
        view, lambda: map_view(code, chosen, level="wijk", period=view.period)
    )
    map_params = {**params, "niveau": drawn.level} if drawn else params
    rows = _sorted_rows(
        view.rows, sorteer if sorteer in SORT_KEYS else "naam", "af" if richting == "af" else "op"
    )
    page = page_window(len(rows), pagina)
    return templates.TemplateResponse(
        request,
        "gemeente.html",
        {
            "view": view,
            "rows": rows[page["offset"] : page["offset"] + page["size"]],
            "page": page,
            "catalog": catalog,
            "periods": cube.periods(chosen.id),
            "query": urlencode(params),
            "params": params,
            "sort": sorteer,
            "direction": richting,
            "counts": view.counts(),
            "map": drawn,
            "map_fallback": fallback,
            "map_query": urlencode(map_params),
            # Internal until published (platform.roles): publiek must not learn it exists.
            **overlap_link(request, cube, view.area.code),
            **duiding_context(
                request,
                cube,
                approved_for_map(request, view.area.code, chosen.theme, view.period),
                link={
                    "gebied": view.area.code,
                    "thema": chosen.theme,
                    "periode": view.period or "",
                },
            ),
        },
    )


@router.get("/gemeente/{code}/tabel.csv")
def gemeente_csv(
    request: Request,
    code: str,
    catalog: CatalogDep,
    map_view: MapViewDep,
    choice: MapChoiceDep,
) -> Response:
    """The table as CSV (semicolons and decimal commas, for Dutch spreadsheets)."""
    chosen, view = chosen_map(code, catalog, map_view, choice)
    header = [
        "regiocode",
        "naam",
        "naam_toelichting",
        "niveau",
        "indicator",
        "periode",
        "waarde",
        "eenheid",
        "status",
        "toelichting",
        "bron",
        "duiding",
    ]
    notes = csv_duiding(approved_for_map(request, view.area.code, chosen.theme, view.period))
    rows = (
        [
            csv_safe(row.region.code),
            csv_safe(row.region.name),
            csv_safe(row.region.name_explanation),
            csv_safe(row.region.level),
            csv_safe(chosen.id),
            csv_safe(view.period or ""),
            format_plain(row.cell.value, chosen.decimals),
            csv_safe(chosen.unit_label),
            STATUS_LABELS[row.cell.status],
            csv_safe(row.cell.explanation),
            csv_safe(f"Bron: {chosen.source_label}"),
            csv_safe(notes.get(row.region.code, "")),
        ]
        for row in view.rows
    )
    name = f"buurtbeeld_{view.area.code}_{chosen.id}_{choice.level}_{view.period or 'geen'}.csv"
    return csv_attachment(csv_text(header, rows), name)


@router.get("/regio/{code}", response_class=HTMLResponse)
def region_profile(request: Request, code: str, cube: CubeDep, catalog: CatalogDep) -> Response:
    """Profile of a buurt, wijk or gemeente: every indicator next to its wider areas."""
    region = cube.region(code)
    ancestors = cube.ancestors(region.code)
    columns = [region, *ancestors]
    cells = {r.code: cube.latest_cells_for_region(r.code) for r in columns}
    series = profile_series(cube, region, catalog)
    gemeente = next((r for r in [region, *ancestors] if r.level == "gemeente"), None)
    without = [i.id for i in catalog.indicators if i.id not in cells[region.code]]
    return templates.TemplateResponse(
        request,
        "regio.html",
        {
            "region": region,
            "division_year": cube.division_year,
            "division_notes": division_notes(cube, region, without),
            "map_indicator": _map_indicator(cube, catalog, region),
            "columns": columns,
            "cells": cells,
            "catalog": catalog,
            "gemeente": gemeente,
            "series": series,
            "line_chart": line_chart,
            "format_cell": format_cell,
            "buurttype": profile_type(request, cube, region),  # issue 15: the buurt's type
            "overlap": region_overlap(cube, region)
            if may_open(request, f"/gemeente/{(gemeente or region).code}/voorzieningen")
            else None,
            **duiding_context(
                request,
                cube,
                approved_for_regions(request, [r.code for r in columns]),
                link={"gebied": region.code},
            ),
        },
    )


def _map_indicator(cube: Cube, catalog: Catalog, region: RegionRow) -> str | None:
    """For a region of an earlier division: an indicator that has figures on its map."""
    if region.division_year in (None, cube.division_year):
        return None
    return next(
        (
            i.id
            for i in catalog.indicators
            if region.division_year in cube.indicator_divisions(i.id)
        ),
        None,
    )


@router.get("/indicatoren", response_class=HTMLResponse)
def indicator_list(request: Request, catalog: CatalogDep) -> Response:
    """All indicators by theme."""
    return templates.TemplateResponse(request, "indicatoren.html", {"catalog": catalog})


@router.get("/indicatoren/{indicator_id}", response_class=HTMLResponse)
def indicator_page(
    request: Request, indicator_id: str, cube: CubeDep, catalog: CatalogDep
) -> Response:
    """Definition, source and coverage per level of one indicator."""
    indicator = catalog.get(indicator_id)
    coverage = cube.coverage(indicator.id)
    return templates.TemplateResponse(
        request,
        "indicator.html",
        {
            "indicator": indicator,
            "coverage": coverage,
            "regions_per_period": regions_per_period(coverage),
            "catalog": catalog,
            "used_by": [
                i
                for i in catalog.indicators
                if i.derived and indicator.id in (i.derived.numerator, i.derived.denominator)
            ],
        },
    )


@router.get("/toegankelijkheid", response_class=HTMLResponse)
def accessibility(request: Request) -> Response:
    """The accessibility statement (toegankelijkheidsverklaring)."""
    return templates.TemplateResponse(request, "toegankelijkheid.html", {})


@router.get("/over", response_class=HTMLResponse)
def about(request: Request, cube: CubeDep) -> Response:
    """Sources, attribution and the import log."""
    return templates.TemplateResponse(request, "over.html", {"imports": cube.imports})
