"""What a printable report and a map export hold, gathered from what the pages show.

The report of a gemeente, wijk or buurt (``/regio/{code}/rapport``, HTML and PDF) is the profile
put on paper: the map of the area (static SVG, ``export.report_svg``), the key figures next to
the wider areas (wijk, gemeente, Nederland), the stapeling of provisions where the role may see
it, the development over time, and the sources with the explanation of hidden figures. Everything
comes from the request's catalogue and cube (``web/deps``), so the publiek role's report holds
only public indicators, exactly as its profile page does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from buurtbeeld.analysis.choropleth import Choropleth, map_fallback
from buurtbeeld.analysis.overlap import AreaOverlap, region_overlap
from buurtbeeld.analysis.timeseries import Series, profile_series
from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator, Theme
from buurtbeeld.errors import NotFoundError
from buurtbeeld.export.map_export import ExportRow, MapExport
from buurtbeeld.export.report_svg import Shape, map_svg
from buurtbeeld.store.cube import STATUS_LABELS, Cell, Cube, RegionRow
from buurtbeeld.store.overlap_read import OverlapSet
from buurtbeeld.web.format import round_half_up

HIDDEN_TEXT = (
    "Verborgen: de bron publiceert dit cijfer niet, meestal omdat er te weinig personen of "
    "huishoudens zijn om privacy te garanderen, of omdat de noemer te klein is voor een "
    "verhoudingscijfer. Een verborgen cijfer is geen nul. Ontbreekt: de bron levert voor dit "
    "gebied en deze periode geen cijfer."
)
DEFAULT_MAP_INDICATOR = "bijstand_per_1000"
TABLE_ROWS = 150
"""A gemeente with more buurten gets its report's table per wijk (the buurten: XLSX and page).

WeasyPrint's table layout is the report's cost: Amsterdam's 500 buurten took 2.5 of its 3.4 s
of CPU (docs/benchmarks.md); Dordrecht (132 buurten) keeps its buurt table."""
NO_POLYGON = "Niet op de kaart: geen vlak in de grenzen van deze werkmap."


class ReportError(NotFoundError):
    """No report for this kind of region."""

    code = "BB-RAP-001"
    default_hint = "Een rapport is er per gemeente, wijk of buurt, bijvoorbeeld GM0505."


@dataclass(frozen=True)
class ReportMap:
    """The static map of a report and what it shows."""

    svg: str
    view: Choropleth  # the map drawn (the wijken when the buurten lack polygons)
    fallback: bool


def table_notes(table: Choropleth) -> dict[str, int]:
    """A table's explanations, numbered once each (a long reason is not repeated per row)."""
    out: dict[str, int] = {}
    for row in table.rows:
        for text in (row.cell.explanation, "" if row.has_polygon else NO_POLYGON):
            if text:
                out.setdefault(text, len(out) + 1)
    return out


@dataclass(frozen=True)
class Report:
    """Everything one report shows."""

    region: RegionRow
    gemeente: RegionRow
    columns: list[RegionRow]  # the region, then its wider areas up to Nederland
    cells: dict[str, dict[str, Cell]]
    themes: list[tuple[Theme, list[Indicator]]]
    series: dict[str, Series]
    overlap: tuple[OverlapSet, list[AreaOverlap]] | None
    map: ReportMap | None
    table: Choropleth  # the map indicator per buurt (a wijk report or a long list: per wijk)
    summarised: Choropleth | None  # the buurt view the table summarises per wijk, if it does
    sources: list[tuple[str, str]]  # (Bron: …, licence) of every indicator shown
    periods: list[str]  # the periods of the figures shown, for the heading
    division_year: int
    made: str


def map_indicator(catalog: Catalog, chosen: str | None) -> Indicator:
    """The indicator of the report's map: the one asked for, else the default, else the first."""
    if chosen:
        return catalog.get(chosen)  # unknown or internal for publiek: the same BB-NF-002
    ids = [i.id for i in catalog.indicators]
    if not ids:
        raise NotFoundError(
            "Er zijn geen indicatoren om te tonen.",
            code="BB-NF-002",
            hint="Importeer eerst cijfers met 'buurtbeeld importeer'.",
        )
    return catalog.get(DEFAULT_MAP_INDICATOR if DEFAULT_MAP_INDICATOR in ids else ids[0])


def build_report(
    cube: Cube,
    catalog: Catalog,
    code: str,
    *,
    map_view: Callable[..., Choropleth],
    indicator: str | None,
    period: str | None,
    overlap_allowed: Callable[[RegionRow], bool],
) -> Report:
    """The report of the gemeente, wijk or buurt ``code``."""
    region = cube.region(code)
    ancestors = cube.ancestors(region.code)
    gemeente = next((r for r in [region, *ancestors] if r.level == "gemeente"), None)
    if gemeente is None or region.level not in ("gemeente", "wijk", "buurt"):
        raise ReportError(f"Voor {region.name} ({region.code}) is er geen rapport.")
    columns = [region, *ancestors]
    cells = {r.code: cube.latest_cells_for_region(r.code) for r in columns}
    themes = []
    for theme, items in catalog.by_theme():
        shown = [i for i in items if any(i.id in cells[c.code] for c in columns)]
        if shown:
            themes.append((theme, shown))
    shown_ids = {i.id for _, items in themes for i in items}
    chosen = map_indicator(catalog, indicator)
    level = "wijk" if region.level == "wijk" else "buurt"
    table = map_view(gemeente.code, chosen, level=level, period=period)
    report_map = _report_map(map_view, table, region, gemeente, chosen)
    summarised = None
    if region.level == "gemeente" and len(table.rows) > TABLE_ROWS:
        summarised = table
        table = map_view(gemeente.code, chosen, level="wijk", period=table.period)
    sources = sorted(
        {
            (f"Bron: {i.source_label}", i.licence or "")
            for i in [*(catalog.get(x) for x in sorted(shown_ids)), chosen]
        }
    )
    periods = sorted(
        {
            cell.period
            for by_id in cells.values()
            for cell in by_id.values()
            if cell.period and cell.status != "missing"
        }
    )
    return Report(
        region=region,
        gemeente=gemeente,
        columns=columns,
        cells=cells,
        themes=themes,
        series=profile_series(cube, region, catalog),
        overlap=region_overlap(cube, region) if overlap_allowed(gemeente) else None,
        map=report_map,
        table=table,
        summarised=summarised,
        sources=sources,
        periods=periods,
        division_year=cube.division_year,
        made=date.today().isoformat(),
    )


def _report_map(
    map_view: Callable[..., Choropleth],
    table: Choropleth,
    region: RegionRow,
    gemeente: RegionRow,
    indicator: Indicator,
) -> ReportMap | None:
    """The gemeente's map: buurten (a wijk report: wijken), the report's region outlined."""
    drawn, fallback = map_fallback(
        table, lambda: map_view(gemeente.code, indicator, level="wijk", period=table.period)
    )
    if drawn is None:
        return None
    outlined = {region.code, region.parent_code or ""} if region.level == "buurt" else {region.code}
    shapes = [
        Shape(
            row.region.code,
            row.region.name,
            drawn.geometries[row.region.code],
            row.colour,
            row.cell.status,
            highlight=row.region.code in outlined and region.level != "gemeente",
        )
        for row in drawn.rows
        if row.region.code in drawn.geometries
    ]
    title = (
        f"Kaart van {indicator.label} per {drawn.level} in {gemeente.name}"
        + (f", {drawn.period}" if drawn.period else "")
        + (f"; {region.name} is dik omlijnd" if region.level != "gemeente" else "")
    )
    svg = map_svg(shapes, title=title)
    return ReportMap(svg, drawn, fallback) if svg else None


def map_export(
    view: Choropleth,
    made: str | None = None,
    *,
    duiding: dict[str, str] | None = None,
    duiding_lines: list[str] | None = None,
) -> MapExport:
    """A map view as the export files carry it: the rows of the page's table, in its order.

    ``duiding``: per region code its approved duiding as one text (the map CSV's column);
    ``duiding_lines``: every duiding the map page shows, one line each (the gemeente's too).
    """
    indicator = view.indicator
    per_region = duiding or {}
    rows = [
        ExportRow(
            code=row.region.code,
            name=row.region.name,
            name_note=row.region.name_explanation if row.region.name_note else "",
            level=row.region.level,
            value=(
                float(round_half_up(row.cell.value, indicator.decimals))
                if row.cell.value is not None
                else None
            ),
            status=STATUS_LABELS[row.cell.status],
            reason=row.cell.explanation,
            geometry=view.geometries.get(row.region.code),
            duiding=per_region.get(row.region.code, ""),
        )
        for row in sorted(view.rows, key=lambda r: r.region.name.lower())
    ]
    notes = [HIDDEN_TEXT]
    if view.legend.rounding_note:
        notes.append(view.legend.rounding_note)
    if view.without_polygon:
        notes.append(
            f"{len(view.without_polygon)} gebieden hebben geen vlak in de grenzen van deze "
            "werkmap; ze staan wel in de tabel (zonder geometrie)."
        )
    if indicator.note:
        notes.append(indicator.note)
    title = f"{indicator.name} per {view.level}, {view.area.name}" + (
        f", {view.period}" if view.period else ""
    )
    return MapExport(
        title=title,
        indicator_id=indicator.id,
        indicator_label=indicator.label,
        definition=indicator.definition,
        unit=indicator.unit_label,
        decimals=indicator.decimals,
        level=view.level,
        period=view.period or "",
        area_code=view.area.code,
        area_name=view.area.name,
        source=f"Bron: {indicator.source_label}",
        licence=indicator.licence or "",
        rows=rows,
        notes=notes,
        made=made or date.today().isoformat(),
        duiding=list(duiding_lines or []),
    )
