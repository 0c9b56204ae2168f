"""The choice of one map view, shared by the map page and its downloads (CSV, XLSX, GeoPackage).

``/gemeente/{code}`` and its ``tabel.csv``, ``tabel.xlsx`` and ``tabel.gpkg`` take the same
``indicator``, ``niveau`` and ``periode``; :data:`MapChoiceDep` reads them once for all four and
:func:`chosen_map` turns them into the (cached) choropleth as this request's role may see it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

from buurtbeeld.analysis.choropleth import Choropleth
from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.web.deps import MapViewFactory

DEFAULT_INDICATOR = "bijstand_per_1000"


@dataclass(frozen=True)
class MapChoice:
    """Indicator, level and period of a map view (an empty period: the latest)."""

    indicator: str
    level: str
    period: str | None


def map_choice(
    indicator: str = DEFAULT_INDICATOR, niveau: str = "buurt", periode: str | None = None
) -> MapChoice:
    """The shared query parameters (a dependency of the map page and its downloads)."""
    return MapChoice(indicator, niveau, periode or None)


MapChoiceDep = Annotated[MapChoice, Depends(map_choice)]


def chosen_map(
    code: str, catalog: Catalog, map_view: MapViewFactory, choice: MapChoice
) -> tuple[Indicator, Choropleth]:
    """The indicator and map view of ``choice`` for area ``code``.

    The indicator comes from this request's catalogue: one the role may not see is a 404.
    """
    indicator = catalog.get(choice.indicator)
    return indicator, map_view(code, indicator, level=choice.level, period=choice.period)
