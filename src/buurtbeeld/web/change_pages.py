"""The map of change between two periods of an indicator (page and its GeoJSON)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from buurtbeeld.analysis.change import ChangeView, build_change
from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import NotFoundError
from buurtbeeld.store.cube import Cube
from buurtbeeld.web.deps import CatalogDep, CubeDep, templates
from buurtbeeld.web.format import format_cell, format_change

router = APIRouter(include_in_schema=False)


def _with_periods(cube: Cube, catalog: Catalog) -> list[Indicator]:
    return [i for i in catalog.indicators if len(cube.periods(i.id)) > 1]


@dataclass(frozen=True)
class ChangeChoice:
    """What the page and its GeoJSON share: indicator, level and the two periods."""

    indicator: str | None
    level: str
    before: str | None
    after: str | None


def change_choice(
    indicator: str | None = None,
    niveau: str = "buurt",
    van: str | None = None,
    tot: str | None = None,
) -> ChangeChoice:
    """The shared query parameters (a dependency of both routes)."""
    return ChangeChoice(indicator, niveau, van, tot)


ChangeChoiceDep = Annotated[ChangeChoice, Depends(change_choice)]


def _view(
    cube: Cube, catalog: Catalog, code: str, choice: ChangeChoice
) -> tuple[ChangeView, list[Indicator]]:
    indicator, niveau, van, tot = choice.indicator, choice.level, choice.before, choice.after
    choices = _with_periods(cube, catalog)
    if not choices:
        raise NotFoundError(
            "Geen indicator in deze werkmap heeft cijfers over meer dan één periode.",
            code="BB-WEB-014",
            hint="Importeer een tweede periode (bijvoorbeeld een nieuwere KWB) om veranderingen te zien.",
        )
    chosen = catalog.get(indicator) if indicator else choices[0]
    periods = cube.periods(chosen.id)
    if len(periods) < 2:
        raise NotFoundError(
            f"{chosen.label} heeft cijfers over één periode; er is geen verandering te tonen.",
            code="BB-WEB-015",
            hint="Kies een indicator met meer perioden, zoals "
            + ", ".join(i.label for i in choices[:3])
            + ".",
        )
    before, after = van or periods[0], tot or periods[-1]
    return build_change(cube, code, chosen, level=niveau, before=before, after=after), choices


@router.get("/gemeente/{code}/verandering", response_class=HTMLResponse)
def change_page(
    request: Request,
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    choice: ChangeChoiceDep,
) -> Response:
    """Map and table of the change of an indicator between two periods."""
    view, choices = _view(cube, catalog, code, choice)
    query = urlencode(
        {
            "indicator": view.indicator.id,
            "niveau": view.level,
            "van": view.before,
            "tot": view.after,
        }
    )
    return templates.TemplateResponse(
        request,
        "verandering.html",
        {
            "view": view,
            "choices": choices,
            "periods": cube.periods(view.indicator.id),
            "query": query,
            "counts": view.counts(),
            "format_cell": format_cell,
            "format_change": format_change,
        },
    )


@router.get("/gemeente/{code}/verandering.geojson")
def change_geojson(
    code: str,
    cube: CubeDep,
    catalog: CatalogDep,
    choice: ChangeChoiceDep,
) -> Response:
    """The change per region as GeoJSON (for the map script)."""
    view, _ = _view(cube, catalog, code, choice)
    return Response(view.geojson, media_type="application/geo+json")
