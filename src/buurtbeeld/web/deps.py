"""Shared pieces of the web layer: templates and the dependency providers of routes.

Routes (``pages``, ``api``) import from here, never from ``app``; ``app`` imports the routers.
That keeps the imports one way: deps ← pages/api ← app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.templating import Jinja2Templates

from buurtbeeld import __version__
from buurtbeeld.analysis.choropleth import Choropleth, build_choropleth
from buurtbeeld.analysis.overlap import OverlapView, overlap_view
from buurtbeeld.analysis.stacking import StackRow, Threshold, stack
from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import NotFoundError, NotReadyError
from buurtbeeld.geo.codes import COUNTRY_CODE
from buurtbeeld.store.cube import STATUS_LABELS, Cube
from buurtbeeld.store.pending import STAPELING, running
from buurtbeeld.web.format import format_cell, format_number
from buurtbeeld.web.served import served
from buurtbeeld.web.stacking_view import stack_geojson
from buurtbeeld.web.visibility import public_decisions, public_view

HERE = Path(__file__).parent

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["getal"] = format_number
templates.env.globals["format_cell"] = format_cell
templates.env.globals["status_labels"] = STATUS_LABELS
templates.env.globals["version"] = __version__


def get_cube(request: Request) -> Cube:
    """The cube of the served generation (web/served.py) as this request's role may see it
    (``publiek``: public data only, web/visibility.py)."""
    return _seen(request)[1]


def get_catalog(request: Request) -> Catalog:
    """The indicator catalogue of the served generation as this request's role may see it."""
    return _seen(request)[0]


def _seen(request: Request) -> tuple[Catalog, Cube]:
    """Catalogue and cube for this request: whole, or the public view (web/visibility.py)."""
    if "bb_seen" in request.scope:
        seen: tuple[Catalog, Cube] = request.scope["bb_seen"]
        return seen
    current = served(request)
    catalog, cube = current.catalog, current.cube
    decisions = public_decisions(request)
    if decisions is not None:
        catalog, cube = public_view(catalog, cube, decisions)
    request.scope["bb_seen"] = (catalog, cube)
    return catalog, cube


def get_map_view(request: Request) -> MapViewFactory:
    """Cached choropleth views (shared by the map page, the table, CSV and the API)."""
    current = served(request)
    cube, cache, catalog = current.cube, current.map_cache, current.catalog

    def view(area: str, indicator: Indicator, *, level: str, period: str | None) -> Choropleth:
        key = (area.strip().upper(), indicator.id, level, period)
        numerator = catalog.get(indicator.derived.numerator) if indicator.derived else None
        return cache.get_or_create(
            key,
            lambda: build_choropleth(
                cube, area, indicator, level=level, period=period, numerator=numerator
            ),
        )

    return view


def get_stack_view(request: Request) -> StackViewFactory:
    """Cached stapelkaart results (page, API and GeoJSON of the same choice share one)."""
    cube, cache = served(request).cube, served(request).stack_cache

    def view(
        area: str, indicators: list[Indicator], *, reference: str
    ) -> tuple[list[Threshold], list[StackRow]]:
        key = (area, tuple(i.id for i in indicators), reference)
        return cache.get_or_create(key, lambda: stack(cube, area, indicators, reference=reference))

    return view


def get_stack_geojson(request: Request) -> Callable[..., str]:
    """Cached GeoJSON of a stapelkaart (all of NL: 5 MB, built once per choice)."""
    cube, cache = served(request).cube, served(request).stack_cache
    view = get_stack_view(request)

    def geojson(area: str, indicators: list[Indicator], *, reference: str) -> str:
        def build() -> str:
            _, rows = view(area, indicators, reference=reference)
            return stack_geojson(rows, cube.geometries([r.code for r in rows], "buurt"))

        key = ("geojson", area, tuple(i.id for i in indicators), reference)
        return cache.get_or_create(key, build)

    return geojson


def get_overlap_view(request: Request) -> OverlapViewFactory:
    """Cached stapeling of provisions of a gemeente (page, CSV, API and GeoJSON share one)."""
    cube = get_cube(request)  # publiek: the public stapeling datasets only
    cache = served(request).map_cache

    def view(code: str, *, dataset: str | None, period: str | None, level: str) -> OverlapView:
        area = cube.region(code)
        if area.level != "gemeente" or area.code == COUNTRY_CODE:
            raise NotFoundError(
                f"{area.code} is geen gemeente.",
                code="BB-WEB-012",
                hint="De stapeling van voorzieningen is er per gemeente, bijvoorbeeld GM0505.",
            )
        among = cube.overlap.sets_for(area.code)
        if not among:
            busy = running(request.app.state.workspace.root, STAPELING)
            if busy:  # e.g. the demo computes its stapeling in the background
                now = f"; nu: {busy[0].step}" if busy[0].step else ""
                raise NotReadyError(
                    f"De stapeling van voorzieningen wordt nog berekend: {busy[0].title} "
                    f"(gestart om {busy[0].started:%H:%M}{now})."
                )
            raise NotFoundError(
                f"Voor {area.name} is geen stapeling van voorzieningen geïmporteerd.",
                code="BB-WEB-010",
                hint="Importeer het gekoppelde pakket van de koppelpartij met "
                "'buurtbeeld importeer-pakket'.",
            )
        chosen = cube.overlap.find(dataset, period, among)
        if chosen is None:
            known = ", ".join(f"{s.dataset} {s.period}" for s in among)
            raise NotFoundError(
                f"Deze combinatie van dataset en periode bestaat niet voor {area.name}.",
                code="BB-WEB-011",
                hint=f"Kies uit: {known}.",
            )
        key = ("stapeling", area.code, chosen.dataset, chosen.period, level)
        return cache.get_or_create(key, lambda: overlap_view(cube, chosen, area, level=level))

    return view


def unique(values: Iterable[str]) -> list[str]:
    """A list parameter without repeats, in first-seen order."""
    return list(dict.fromkeys(values))


MapViewFactory = Callable[..., Choropleth]
CubeDep = Annotated[Cube, Depends(get_cube)]
MapViewDep = Annotated[MapViewFactory, Depends(get_map_view)]
StackViewFactory = Callable[..., tuple[list[Threshold], list[StackRow]]]
StackViewDep = Annotated[StackViewFactory, Depends(get_stack_view)]
StackGeoJSONDep = Annotated[Callable[..., str], Depends(get_stack_geojson)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
OverlapViewFactory = Callable[..., OverlapView]
OverlapViewDep = Annotated[OverlapViewFactory, Depends(get_overlap_view)]

# A random seed in the query string (hotspots, jam-wijken, typology): pages are reproducible.
Seed = Annotated[int, Query(ge=0, le=2**31 - 1)]
