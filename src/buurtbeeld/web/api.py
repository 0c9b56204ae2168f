"""JSON API (``/api/v1``), following the NL API Design Rules where they apply.

Hidden figures are returned with ``waarde: null`` and ``status: "hidden"``, never as a number.
Errors are ``application/problem+json`` (RFC 9457).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from buurtbeeld.analysis.divisions import division_notes
from buurtbeeld.analysis.stacking import StackRow, ranked
from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.store.cube import Cell, Cube, RegionRow
from buurtbeeld.web.compression import cached_text_response
from buurtbeeld.web.deps import (
    CatalogDep,
    CubeDep,
    MapViewDep,
    StackGeoJSONDep,
    StackViewDep,
    StackViewFactory,
    unique,
)
from buurtbeeld.web.stacking_view import DEFAULT_STACK, stack_properties

router = APIRouter(prefix="/api/v1", tags=["cijfers"])
PROBLEM = {
    "model": dict,
    "content": {"application/problem+json": {}},
    "description": "Fout (RFC 9457)",
}
ERRORS: dict[int | str, dict[str, Any]] = {400: PROBLEM, 404: PROBLEM, 422: PROBLEM}
Level = Literal["wijk", "buurt"]
Status = Literal["value", "provisional", "hidden", "missing"]


class RegionOut(BaseModel):
    """A region."""

    code: str = Field(examples=["BU05050101"])
    naam: str
    niveau: str
    bovenliggend: str | None = None
    indeling: int | None = Field(default=None, description="jaar van de gemeentelijke indeling")
    naam_toelichting: str | None = Field(
        default=None,
        description="waarom de regio haar code of een naam uit een andere indeling toont",
    )


class ValueOut(BaseModel):
    """A published figure, or its absence with a reason."""

    code: str
    naam: str | None = None
    periode: str | None = None
    waarde: float | None = Field(description="null when hidden or missing")
    status: Status
    toelichting: str | None = None
    indeling: int | None = Field(
        default=None, description="indeling van het cijfer (Gezondheidsmonitor: 2020)"
    )
    naam_toelichting: str | None = None


class IndicatorOut(BaseModel):
    """An indicator definition."""

    id: str
    naam: str
    definitie: str
    eenheid: str
    eenheid_label: str = Field(description="de eenheid zoals getoond, bijvoorbeeld kWh of %")
    decimalen: int
    polariteit: str
    thema: str
    bron: str
    licentie: str | None = Field(default=None, description="bijvoorbeeld 'Bron: CBS'")
    teller: str | None = None
    noemer: str | None = None
    factor: float | None = None
    minimale_noemer: float | None = None
    perioden: list[str] = []


class ValuesOut(BaseModel):
    """Figures of one indicator for the regions of an area."""

    indicator: str
    periode: str | None
    niveau: str
    gebied: RegionOut
    waarden: list[ValueOut]
    bron: str
    zonder_grens: list[str] = Field(
        default=[],
        description="codes of regions in `waarden` that have no polygon, so the map leaves them out",
    )


class StackOut(BaseModel):
    """Stapelkaart result per buurt."""

    gebied: RegionOut
    referentie: str
    indicatoren: list[str]
    buurten: list[dict[str, object]]


def _indicator_out(indicator: Indicator, periods: list[str]) -> IndicatorOut:
    rule = indicator.derived
    return IndicatorOut(
        id=indicator.id,
        naam=indicator.name,
        definitie=indicator.definition,
        eenheid=indicator.unit,
        eenheid_label=indicator.unit_label,
        decimalen=indicator.decimals,
        polariteit=indicator.polarity.value,
        thema=indicator.theme,
        bron=indicator.source_label,
        licentie=indicator.licence,
        teller=rule.numerator if rule else None,
        noemer=rule.denominator if rule else None,
        factor=rule.factor if rule else None,
        minimale_noemer=rule.min_denominator if rule else None,
        perioden=periods,
    )


def _region_out(r: RegionRow) -> RegionOut:
    return RegionOut(
        code=r.code,
        naam=r.name,
        niveau=r.level,
        bovenliggend=r.parent_code,
        indeling=r.division_year,
        naam_toelichting=r.name_explanation or None,
    )


def _value_out(cell: Cell, name: str | None = None, name_note: str = "") -> ValueOut:
    return ValueOut(
        code=cell.region_code,
        naam=name,
        periode=cell.period,
        waarde=cell.value,
        status=cast(Status, cell.status),
        toelichting=cell.explanation or None,
        indeling=cell.division_year,
        naam_toelichting=name_note or None,
    )


@router.get("/gemeenten", response_model=list[RegionOut], operation_id="cijfers-gemeenten")
def list_gemeenten(cube: CubeDep) -> list[RegionOut]:
    """All gemeenten of the current division."""
    return [
        RegionOut(code=g.code, naam=g.name, niveau=g.level, bovenliggend=g.parent_code)
        for g in cube.gemeenten()
    ]


@router.get(
    "/regios/{code}", response_model=RegionOut, responses=ERRORS, operation_id="cijfers-regio"
)
def get_region(code: str, cube: CubeDep) -> RegionOut:
    """One region by CBS code (NL00, GMxxxx, WKxxxxxx, BUxxxxxxxx)."""
    return _region_out(cube.region(code))


class SearchOut(BaseModel):
    """Regions found by name or code, best first."""

    zoekterm: str
    totaal: int = Field(description="aantal gevonden regio's (de lijst toont er ten hoogste 25)")
    regios: list[RegionOut]


@router.get("/zoek", response_model=SearchOut, responses=ERRORS, operation_id="cijfers-zoek")
def search_regions(
    cube: CubeDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="naam of code")],
) -> SearchOut:
    """Gemeenten, wijken and buurten by name (accent- and case-insensitive) or CBS code."""
    found = cube.search(q)
    return SearchOut(
        zoekterm=found.query, totaal=found.total, regios=[_region_out(r) for r in found.matches]
    )


@router.get("/regios/{code}/profiel", responses=ERRORS, operation_id="cijfers-profiel")
def get_profile(code: str, cube: CubeDep, catalog: CatalogDep) -> dict[str, object]:
    """Latest figure of every indicator for a region and its wijk, gemeente and the Netherlands.

    Each figure is that region's latest; ``indeling`` says which division it follows (the
    health monitor: 2020). A region of an earlier division (a 2020 buurt) has its own profile.
    Why a region lacks a figure of another division is in ``toelichting``.
    """
    region = cube.region(code)
    areas = [region, *cube.ancestors(region.code)]
    out = []
    for area in areas:
        cells = cube.latest_cells_for_region(area.code)
        notes = division_notes(cube, area, [i.id for i in catalog.indicators if i.id not in cells])
        values = {}
        for i in catalog.indicators:
            value = _value_out(cells.get(i.id, Cell(area.code, None, "missing", None)))
            if i.id in notes:
                note = notes[i.id]
                links = ", ".join(f"{r.name} ({r.code})" for r in note.links)
                value.toelichting = f"{note.text} {links}".strip()
            values[i.id] = value
        out.append(
            {
                "regio": _region_out(area),
                "waarden": values,
            }
        )
    return {"regio": region.code, "gebieden": out}


@router.get("/indicatoren", response_model=list[IndicatorOut], operation_id="cijfers-indicatoren")
def list_indicators(cube: CubeDep, catalog: CatalogDep) -> list[IndicatorOut]:
    """The indicator catalogue."""
    return [_indicator_out(i, cube.periods(i.id)) for i in catalog.indicators]


@router.get(
    "/indicatoren/{indicator_id}",
    response_model=IndicatorOut,
    responses=ERRORS,
    operation_id="cijfers-indicator",
)
def get_indicator(indicator_id: str, cube: CubeDep, catalog: CatalogDep) -> IndicatorOut:
    """One indicator definition with its periods."""
    indicator = catalog.get(indicator_id)
    return _indicator_out(indicator, cube.periods(indicator.id))


@router.get("/waarden", response_model=ValuesOut, responses=ERRORS, operation_id="cijfers-waarden")
def get_values(
    catalog: CatalogDep,
    map_view: MapViewDep,
    indicator: Annotated[str, Query(examples=["bijstand_per_1000"])],
    gebied: Annotated[
        str, Query(examples=["GM0505"], description="gemeentecode, of NL00 voor heel Nederland")
    ],
    niveau: Level = "buurt",
    periode: str | None = None,
) -> ValuesOut:
    """Figures of one indicator for every wijk or buurt of a gemeente."""
    chosen = catalog.get(indicator)
    view = map_view(gebied, chosen, level=niveau, period=periode)
    return ValuesOut(
        indicator=chosen.id,
        periode=view.period,
        niveau=niveau,
        gebied=RegionOut(code=view.area.code, naam=view.area.name, niveau=view.area.level),
        waarden=[_value_out(r.cell, r.region.name, r.region.name_explanation) for r in view.rows],
        bron=f"Bron: {chosen.source_label}",
        zonder_grens=[r.code for r in view.without_polygon],
    )


@router.get(
    "/kaart/{gebied}.geojson",
    responses=ERRORS,
    operation_id="cijfers-kaart",
    response_class=Response,
)
def get_map(
    request: Request,
    gebied: str,
    catalog: CatalogDep,
    map_view: MapViewDep,
    indicator: str,
    niveau: Level = "buurt",
    periode: str | None = None,
) -> Response:
    """GeoJSON (WGS84) of the wijken or buurten of a gemeente with figure, status and legend colour.

    Regions without a polygon in the workspace's boundaries are not features; the foreign
    member ``zonder_grens`` lists their codes (their figures are in ``/waarden``).
    """
    view = map_view(gebied, catalog.get(indicator), level=niveau, period=periode)
    return cached_text_response(request, view.geojson, "application/geo+json")


def _stack(
    cube: Cube,
    catalog: Catalog,
    stack_view: StackViewFactory,
    gebied: str,
    indicator: list[str] | None,
    referentie: str,
) -> tuple[RegionRow, list[Indicator], list[StackRow]]:
    area = cube.region(gebied)
    chosen = [catalog.get(i) for i in unique(indicator or DEFAULT_STACK)]
    _, rows = stack_view(area.code, chosen, reference=referentie)
    return area, chosen, ranked(rows)


@router.get(
    "/stapeling/{gebied}.geojson",
    responses=ERRORS,
    operation_id="cijfers-stapelkaart",
    response_class=Response,
)
def get_stacking_map(
    request: Request,
    gebied: str,
    cube: CubeDep,
    catalog: CatalogDep,
    stack_geojson: StackGeoJSONDep,
    indicator: Annotated[list[str] | None, Query()] = None,
    referentie: Literal["gemeente", "nederland"] = "gemeente",
) -> Response:
    """GeoJSON of the stapelkaart; ``zonder_grens`` lists the buurten without a polygon."""
    area = cube.region(gebied)
    chosen = [catalog.get(i) for i in unique(indicator or DEFAULT_STACK)]
    return cached_text_response(
        request, stack_geojson(area.code, chosen, reference=referentie), "application/geo+json"
    )


@router.get(
    "/stapeling/{gebied}",
    response_model=StackOut,
    responses=ERRORS,
    operation_id="cijfers-stapeling",
)
def get_stacking(
    gebied: str,
    cube: CubeDep,
    catalog: CatalogDep,
    stack_view: StackViewDep,
    indicator: Annotated[list[str] | None, Query()] = None,
    referentie: Literal["gemeente", "nederland"] = "gemeente",
) -> StackOut:
    """Per buurt: in how many of the indicators it could be judged on it falls in the worst fifth.

    Sorted like the page: by share of the judged indicators, more evidence first. ``onzeker``:
    judged on fewer than half of the chosen indicators.
    """
    area, chosen, rows = _stack(cube, catalog, stack_view, gebied, indicator, referentie)
    return StackOut(
        gebied=RegionOut(code=area.code, naam=area.name, niveau=area.level),
        referentie=referentie,
        indicatoren=[i.id for i in chosen],
        buurten=[stack_properties(r) | {"indicatoren": r.flags} for r in rows],
    )
