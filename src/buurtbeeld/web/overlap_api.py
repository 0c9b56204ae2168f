"""JSON API of the stapeling of provisions (``/api/v1/voorzieningen``).

Only published cells and figures derived from published cells; a hidden figure is
``waarde: null, status: "hidden"``, never a number.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from buurtbeeld.analysis.overlap import DENOMINATOR, DENOMINATOR_SOURCE, AreaOverlap, Figure
from buurtbeeld.web.compression import cached_text_response
from buurtbeeld.web.deps import CubeDep, OverlapViewDep
from buurtbeeld.web.overlap_view import share_geojson, share_legend

router = APIRouter(prefix="/api/v1", tags=["stapeling van voorzieningen"])
PROBLEM = {
    "model": dict,
    "content": {"application/problem+json": {}},
    "description": "Fout (RFC 9457)",
}
ERRORS: dict[int | str, dict[str, Any]] = {400: PROBLEM, 404: PROBLEM}
Level = Literal["wijk", "buurt"]


class FigureOut(BaseModel):
    """A published or derived count or percentage, or its absence with the reason."""

    waarde: float | None = Field(description="null when hidden or missing")
    status: Literal["value", "hidden", "missing"]
    toelichting: str | None = None


class CombinationOut(BaseModel):
    """Units with exactly these provisions (and none of the other linked ones)."""

    voorzieningen: list[str]
    aantal: FigureOut


class UnitOut(BaseModel):
    """One unit's stapeling in one area."""

    voorzieningen: list[str] = Field(
        description="the provisions this unit counts (persons: only registers with persons)"
    )
    minstens: dict[str, FigureOut] = Field(description="per k: units with k or more provisions")
    combinaties: list[CombinationOut]
    cbs_85637ned: dict[str, FigureOut] | None = Field(
        default=None, description="CBS StatLine 85637NED's seven categories (Jeugd, Wmo, P-wet)"
    )


class AreaOut(BaseModel):
    """The stapeling of one gemeente, wijk or buurt."""

    code: str
    naam: str
    niveau: str
    personen: UnitOut
    huishoudens: UnitOut
    huishoudens_cbs: FigureOut = Field(description="all private households (the denominator)")
    aandeel_huishoudens: dict[str, FigureOut] = Field(
        description="per k >= 2: percentage of households with k or more provisions"
    )


class OverlapOut(BaseModel):
    """The stapeling of provisions of a gemeente and its wijken or buurten."""

    gebied: str
    dataset: str
    periode: str
    bron: str
    voorzieningen: list[dict[str, str]]
    noemer: dict[str, str | None]
    gebieden: list[AreaOut]


def _figure(f: Figure) -> FigureOut:
    return FigureOut(waarde=f.value, status=f.status, toelichting=f.note or None)  # type: ignore[arg-type]


def _area(a: AreaOverlap) -> AreaOut:
    units = {
        unit: UnitOut(
            voorzieningen=list(u.names),
            minstens={str(k): _figure(f) for k, f in u.at_least.items()},
            combinaties=[
                CombinationOut(voorzieningen=list(c.names), aantal=_figure(c.figure))
                for c in u.combinations
            ],
            cbs_85637ned=None if u.cbs is None else {label: _figure(f) for label, f in u.cbs},
        )
        for unit, u in a.units.items()
    }
    return AreaOut(
        code=a.region.code,
        naam=a.region.name,
        niveau=a.region.level,
        personen=units["personen"],
        huishoudens=units["huishoudens"],
        huishoudens_cbs=_figure(a.households),
        aandeel_huishoudens={str(k): _figure(f) for k, f in a.shares.items()},
    )


@router.get(
    "/voorzieningen/{gebied}.geojson",
    responses=ERRORS,
    operation_id="stapeling-voorzieningen-kaart",
    response_class=Response,
)
def get_overlap_map(
    request: Request,
    gebied: str,
    cube: CubeDep,
    overlap: OverlapViewDep,
    dataset: str | None = None,
    periode: str | None = None,
    niveau: Level = "wijk",
    drempel: Annotated[int, Query(ge=2, le=9)] = 2,
) -> Response:
    """GeoJSON (WGS84): per wijk or buurt the percentage of households with ``drempel`` or more
    provisions, its status and legend colour; ``zonder_grens`` lists areas without a polygon."""
    view = overlap(gebied, dataset=dataset, period=periode, level=niveau)
    k = min(drempel, len(view.provisions))
    legend = share_legend(view.rows, k)
    geometries = cube.geometries([r.region.code for r in view.rows], niveau)
    return cached_text_response(
        request, share_geojson(view.rows, k, legend, geometries), "application/geo+json"
    )


@router.get(
    "/voorzieningen/{gebied}",
    response_model=OverlapOut,
    responses=ERRORS,
    operation_id="stapeling-voorzieningen",
)
def get_overlap(
    gebied: str,
    overlap: OverlapViewDep,
    dataset: str | None = None,
    periode: str | None = None,
    niveau: Level = "wijk",
) -> OverlapOut:
    """Households and persons per combination of linked provisions, "k or more", the share of
    households and CBS 85637NED's layout, for a gemeente and each of its wijken or buurten."""
    view = overlap(gebied, dataset=dataset, period=periode, level=niveau)
    return OverlapOut(
        gebied=view.area.region.code,
        dataset=view.chosen.dataset,
        periode=view.chosen.period,
        bron=f"Bron: {view.chosen.source}",
        voorzieningen=[
            {"naam": p.name, "titel": p.title, "bron": p.source} for p in view.provisions
        ],
        noemer={
            "indicator": DENOMINATOR,
            "periode": view.denominator_period,
            "bron": DENOMINATOR_SOURCE,
        },
        gebieden=[_area(a) for a in [view.area, *view.rows]],
    )
