"""Printable reports (HTML with print CSS, PDF) and exports of map views (XLSX, GeoPackage).

Routes: ``/regio/{code}/rapport`` and ``/regio/{code}/rapport.pdf`` (gemeente, wijk or buurt);
``/gemeente/{code}/tabel.xlsx`` and ``/gemeente/{code}/tabel.gpkg`` next to the existing
``tabel.csv``, with the same parameters as the map page. All read through the request's catalogue
and cube, so what publiek gets holds public indicators only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from buurtbeeld.analysis.choropleth import Choropleth
from buurtbeeld.catalog.load import Catalog
from buurtbeeld.export.map_export import MapExport, export_geopackage, export_xlsx
from buurtbeeld.export.pdf import html_to_pdf
from buurtbeeld.store.cube import RegionRow
from buurtbeeld.web.access import may_open
from buurtbeeld.web.cache import LRUCache
from buurtbeeld.web.deps import CatalogDep, CubeDep, MapViewDep, templates
from buurtbeeld.web.downloads import XLSX_TYPE, attachment
from buurtbeeld.web.duiding_pages import (
    approved_for_map,
    approved_for_regions,
    csv_duiding,
    duiding_lines,
)
from buurtbeeld.web.format import format_cell
from buurtbeeld.web.map_choice import MapChoice, MapChoiceDep, chosen_map
from buurtbeeld.web.report_view import (
    HIDDEN_TEXT,
    NO_POLYGON,
    Report,
    build_report,
    map_export,
    table_notes,
)
from buurtbeeld.web.series_chart import line_chart

router = APIRouter(include_in_schema=False)
PDF_CACHE = LRUCache(size=16)  # WeasyPrint takes seconds; the HTML takes a tenth of that
CSS = Path(__file__).parent / "static" / "css" / "rapport.css"


def get_report(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    map_view: MapViewDep,
    indicator: str | None = None,
    periode: str | None = None,
) -> Report:
    """The report of region ``code`` (a dependency of the page and the PDF)."""

    def overlap_allowed(gemeente: RegionRow) -> bool:
        return may_open(request, f"/gemeente/{gemeente.code}/voorzieningen")

    return build_report(
        cube,
        catalog,
        code,
        map_view=map_view,
        indicator=indicator or None,
        period=periode or None,
        overlap_allowed=overlap_allowed,
    )


ReportDep = Annotated[Report, Depends(get_report)]


def _render(request: Request, report: Report, catalog: Catalog, *, pdf: bool) -> str:
    context = {
        "request": request,
        "report": report,
        # Approved duiding of the region and its wider areas, as on the profile (issue 16).
        "duidingen": approved_for_regions(request, [c.code for c in report.columns]),
        "theme_name": catalog.theme_name,
        "region_names": {c.code: c.name for c in report.columns},
        "pdf": pdf,
        "css": Markup(CSS.read_text(encoding="utf-8")) if pdf else "",
        "map_svg": Markup(report.map.svg) if report.map else "",
        "line_chart": line_chart,
        "format_cell": format_cell,
        "hidden_text": HIDDEN_TEXT,
        "no_polygon": NO_POLYGON,
        "table_notes": table_notes,
        "query": _query(request),
    }
    return templates.get_template("rapport.html").render(context)


def _query(request: Request) -> str:
    keep = {k: v for k, v in request.query_params.items() if k in ("indicator", "periode") and v}
    return "&".join(f"{k}={quote(v)}" for k, v in keep.items())


@router.get("/regio/{code}/rapport", response_class=HTMLResponse)
def report_page(request: Request, report: ReportDep, catalog: CatalogDep) -> Response:
    """The printable report of a gemeente, wijk or buurt (print it, or download the PDF)."""
    return HTMLResponse(_render(request, report, catalog, pdf=False))


@router.get("/regio/{code}/rapport.pdf")
def report_pdf(request: Request, report: ReportDep, catalog: CatalogDep) -> Response:
    """The same report as PDF (WeasyPrint; the map is SVG drawn on the server)."""
    html = _render(request, report, catalog, pdf=True)
    # Keyed by the HTML itself: whatever the role may see or the generation holds is in it,
    # so a cached PDF can never show more than the HTML it was made from.
    key = hashlib.sha256(html.encode("utf-8")).hexdigest()
    pdf = PDF_CACHE.get_or_create(
        key, lambda: html_to_pdf(html, title=f"Rapport {report.region.name}")
    )
    name = f"buurtbeeld_rapport_{report.region.code}.pdf"
    return attachment(pdf, name, "application/pdf")


def _file_name(chosen: MapChoice, view_code: str, indicator: str, period: str | None) -> str:
    """Without the extension: the same name as the map page's ``tabel.csv``."""
    return f"buurtbeeld_{view_code}_{indicator}_{chosen.level}_{period or 'geen'}"


def _export(request: Request, cube: CubeDep, catalog: CatalogDep, view: Choropleth) -> MapExport:
    """The map view with the approved duiding its page shows (issue 16: also in exports)."""
    items = approved_for_map(request, view.area.code, view.indicator.theme, view.period)
    return map_export(
        view, duiding=csv_duiding(items), duiding_lines=duiding_lines(cube, catalog, items)
    )


@router.get("/gemeente/{code}/tabel.xlsx")
def gemeente_xlsx(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    map_view: MapViewDep,
    choice: MapChoiceDep,
) -> Response:
    """The map view as an XLSX workbook with a sheet "Bronnen"."""
    _, view = chosen_map(code, catalog, map_view, choice)
    name = _file_name(choice, view.area.code, view.indicator.id, view.period)
    return attachment(export_xlsx(_export(request, cube, catalog, view)), f"{name}.xlsx", XLSX_TYPE)


@router.get("/gemeente/{code}/tabel.gpkg")
def gemeente_geopackage(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    map_view: MapViewDep,
    choice: MapChoiceDep,
) -> Response:
    """The map view as a GeoPackage (polygons and figures) for QGIS or ArcGIS."""
    _, view = chosen_map(code, catalog, map_view, choice)
    name = _file_name(choice, view.area.code, view.indicator.id, view.period)
    return attachment(
        export_geopackage(_export(request, cube, catalog, view)),
        f"{name}.gpkg",
        "application/geopackage+sqlite3",
    )
