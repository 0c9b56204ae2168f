"""Shared pieces of the web layer: templates and the dependency providers of routes.

Routes (``pages``, ``api``) import from here, never from ``app``; ``app`` imports the routers.
That keeps the imports one way: deps ← pages/api ← app.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from buurtbeeld import __version__
from buurtbeeld.analysis.choropleth import Choropleth, build_choropleth
from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.store.cube import STATUS_LABELS, Cube
from buurtbeeld.web.cache import LRUCache
from buurtbeeld.web.format import format_cell, format_number

HERE = Path(__file__).parent

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["getal"] = format_number
templates.env.globals["format_cell"] = format_cell
templates.env.globals["status_labels"] = STATUS_LABELS
templates.env.globals["version"] = __version__


def get_cube(request: Request) -> Cube:
    """The workspace cube of this app."""
    cube: Cube = request.app.state.cube
    return cube


def get_catalog(request: Request) -> Catalog:
    """The indicator catalogue of this app."""
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_map_view(request: Request) -> MapViewFactory:
    """Cached choropleth views (shared by the map page, the table, CSV and the API)."""
    cube: Cube = request.app.state.cube
    cache: LRUCache = request.app.state.map_cache
    catalog: Catalog = request.app.state.catalog

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


MapViewFactory = Callable[..., Choropleth]
CubeDep = Annotated[Cube, Depends(get_cube)]
MapViewDep = Annotated[MapViewFactory, Depends(get_map_view)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]
