"""Everything a choropleth needs: regions, figures, classes, polygons and gaps."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from buurtbeeld.analysis.classify import Legend, make_legend, source_rounding
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import NotFoundError
from buurtbeeld.store.cube import Cell, Cube, RegionRow

# Below this share of regions with a polygon, a map of the level is (almost) empty: the page
# draws the coarser level instead and says why (see ``map_fallback``).
MIN_POLYGON_SHARE = 0.5


@dataclass(frozen=True)
class MapRow:
    """One region on the map or in the table."""

    region: RegionRow
    cell: Cell
    colour: str | None
    class_index: int | None
    has_polygon: bool


@dataclass(frozen=True)
class Choropleth:
    """A map of one indicator for the wijken or buurten of a gemeente (or NL)."""

    indicator: Indicator
    period: str | None
    level: str
    area: RegionRow
    rows: list[MapRow]
    legend: Legend
    geometries: dict[str, str]
    boundary_year: int | None
    bbox: tuple[float, float, float, float] | None
    boundary_years: tuple[int, ...] = ()

    @property
    def without_polygon(self) -> list[RegionRow]:
        """Regions with figures but no polygon in the boundary layer (vintage mismatch)."""
        return [r.region for r in self.rows if not r.has_polygon]

    @property
    def polygon_share(self) -> float:
        """Share of the regions that have a polygon (1.0 when there are no regions)."""
        if not self.rows:
            return 1.0
        return sum(1 for r in self.rows if r.has_polygon) / len(self.rows)

    @property
    def drawable(self) -> bool:
        """Whether the map of this level shows enough of the area to be worth drawing."""
        return self.polygon_share >= MIN_POLYGON_SHARE

    def counts(self) -> dict[str, int]:
        """Number of regions per status."""
        out = {"value": 0, "provisional": 0, "hidden": 0, "missing": 0}
        for row in self.rows:
            out[row.cell.status] += 1
        return out

    @cached_property
    def geojson(self) -> str:
        """A GeoJSON FeatureCollection; properties carry figure, status and colour."""
        parts = []
        for row in self.rows:
            geometry = self.geometries.get(row.region.code)
            if geometry is None:
                continue
            props = {
                "code": row.region.code,
                "naam": row.region.name,
                "waarde": row.cell.value,
                "status": row.cell.status,
                "kleur": row.colour,
                "klasse": row.class_index,
            }
            parts.append(
                f'{{"type":"Feature","geometry":{geometry},"properties":{json.dumps(props, ensure_ascii=False)}}}'
            )
        # Foreign member (RFC 7946 §6.1): the regions left off the map for want of a polygon.
        missing = json.dumps([r.code for r in self.without_polygon])
        return (
            '{"type":"FeatureCollection","zonder_grens":'
            + missing
            + ',"features":['
            + ",".join(parts)
            + "]}"
        )


def build_choropleth(
    cube: Cube,
    area_code: str,
    indicator: Indicator,
    *,
    level: str,
    period: str | None = None,
    numerator: Indicator | None = None,
) -> Choropleth:
    """Figures, classes and polygons for the ``level`` regions of ``area_code``.

    ``numerator``: for a derived ratio, its numerator's definition (for the legend to say what a
    0 stands for when the source rounded the numerator).

    Raises
    ------
    NotFoundError
        Unknown area, level or period.
    """
    area = cube.region(area_code)
    if area.level not in ("gemeente", "land"):
        raise NotFoundError(
            f"{area.code} is geen gemeente.",
            code="BB-NF-004",
            hint="Kies een gemeentecode (GM....).",
        )
    if level not in ("wijk", "buurt"):
        raise NotFoundError(
            f"Onbekend niveau '{level}'.", code="BB-NF-005", hint="Kies 'wijk' of 'buurt'."
        )
    periods = cube.periods(indicator.id)
    regions = cube.children(area.code, level)
    codes = [r.code for r in regions]
    if period is None:
        period = cube.default_period(indicator.id, codes)
    elif period not in periods:
        raise NotFoundError(
            f"Voor {indicator.label} is er geen periode {period}.",
            code="BB-NF-006",
            hint=f"Beschikbare perioden: {', '.join(periods) or 'geen'}.",
        )
    cells = (
        cube.cells(indicator.id, period, codes)
        if period
        else {c: Cell(c, None, "missing", None) for c in codes}
    )
    legend = make_legend(
        indicator,
        [c.value for c in cells.values() if c.value is not None],
        rounding=source_rounding(indicator, level, numerator),
    )
    geometries = cube.geometries(codes, level)
    rows = []
    for region in regions:
        cell = cells[region.code]
        rows.append(
            MapRow(
                region,
                cell,
                legend.colour_of(cell.value),
                legend.class_index(cell.value),
                region.code in geometries,
            )
        )
    years = tuple(sorted(set(cube.boundary_years(codes, level).values())))
    return Choropleth(
        indicator,
        period,
        level,
        area,
        rows,
        legend,
        geometries,
        max(years) if years else cube.boundary_year(level),
        cube.bbox(codes, level),
        years,
    )


def map_fallback(
    view: Choropleth, coarser: Callable[[], Choropleth]
) -> tuple[Choropleth | None, bool]:
    """The map to draw for ``view`` and whether it is a fallback to another level.

    A buurt map of a gemeente whose buurten (almost) all lack a polygon would be empty with a
    full legend; then the wijk map (``coarser()``) is drawn when it is drawable, else no map.
    """
    if view.drawable:
        return view, False
    if view.level == "buurt":
        wijk = coarser()
        if wijk.drawable:
            return wijk, True
    return None, True
