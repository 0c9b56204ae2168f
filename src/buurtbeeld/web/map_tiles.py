"""Vector tiles of the national map, with or without the figures of one map view.

The national buurt map drew 13,594 GeoJSON polygons that MapLibre tiled in the browser; now the
polygons come as vector tiles whose geometry is built once per served workspace
(``geo/tiles.py``). Without ``indicator`` a tile carries code and name only (the base layer of
gemeente borders); with it, also the status, class colour and published figure of the national
map of that indicator, as ``klassen.json`` and the GeoJSON carry them for the visitor's role: a
hidden figure is never in a tile, and an indicator the visitor may not see is "not found".
Joining the figures in the browser instead took ``match`` expressions over 13,594 codes that
MapLibre parses in each worker: about 40 % of the national map's time (docs/benchmarks.md).
At national zoom (≤ 7) a wijk or buurt smaller than a pixel is drawn as part of a neighbour
with the same status and class colour in the map shown (``geo/tile_merge.py``): fewer polygons
for the browser, the same colours and hatching; zoomed in, every region is drawn itself.
"""

from __future__ import annotations

import gzip
import json
from typing import Literal

import shapely
from fastapi import APIRouter, Request
from fastapi.responses import Response

from buurtbeeld.errors import NotFoundError
from buurtbeeld.geo.tiles import Figure, LazyTiles
from buurtbeeld.geo.water import water_geojson
from buurtbeeld.store.cube import Cube
from buurtbeeld.web.compression import cached_text_response
from buurtbeeld.web.deps import CatalogDep, CubeDep, MapViewDep
from buurtbeeld.web.served import served

router = APIRouter(prefix="/api/v1", tags=["cijfers"])
Level = Literal["wijk", "buurt"]
TileLevel = Literal["gemeente", "wijk", "buurt"]
TILE_TYPE = "application/vnd.mapbox-vector-tile"
NATIONAL = "NL00"
# At national zoom a wijk or buurt smaller than a pixel is drawn as part of a neighbour of the
# same status and colour in the map shown (geo/tile_merge.py), when it has one.
MERGE_BELOW_PIXELS = 1.0


def national_tiles(request: Request, level: str) -> LazyTiles:
    """The tiles of all gemeenten, or all wijken or buurten of NL00, of the served generation."""
    current = served(request)
    return current.map_cache.get_or_create(("tegels", level), lambda: tiles_of(current.cube, level))


def tiles_of(cube: Cube, level: str) -> LazyTiles:
    """Tiles of the polygons the national ``level`` map draws (the same geometry per code)."""
    regions = cube.gemeenten() if level == "gemeente" else cube.children(NATIONAL, level)
    geometries = cube.geometries([r.code for r in regions], level)
    return LazyTiles(
        [(r.code, r.name, geometries[r.code]) for r in regions if r.code in geometries],
        merge_below=0.0 if level == "gemeente" else MERGE_BELOW_PIXELS,  # borders: all of them
    )


@router.get(
    "/tegels/{niveau}/{z}/{x}/{y}.pbf",
    operation_id="kaart-tegels",
    response_class=Response,
    include_in_schema=False,
)
def get_tile(
    request: Request,
    niveau: TileLevel,
    z: int,
    x: int,
    y: int,
    catalog: CatalogDep,
    map_view: MapViewDep,
    indicator: str | None = None,
    periode: str | None = None,
) -> Response:
    """A vector tile (MVT) of all gemeenten, wijken or buurten: polygon, code and name; with
    ``indicator`` also ``status``, ``kleur`` and ``waarde`` (hidden: absent) per wijk or buurt.

    The gemeenten are the maps' optional base layer (borders and names for orientation).
    """
    tiles = national_tiles(request, niveau)
    headers = {"cache-control": "public, max-age=3600", "vary": "Accept-Encoding"}
    if indicator is None:
        body = tiles.tile(z, x, y)
    else:
        if niveau == "gemeente":
            raise NotFoundError(
                "Kaarttegels met cijfers zijn er per wijk en per buurt.",
                code="BB-WEB-030",
                hint="Vraag /api/v1/tegels/wijk/… of /api/v1/tegels/buurt/… met ?indicator=.",
            )
        view = map_view(NATIONAL, catalog.get(indicator), level=niveau, period=periode)

        def figures() -> dict[str, Figure]:
            return {
                r.region.code: (
                    r.cell.status,
                    r.colour,
                    None if r.cell.status in ("hidden", "missing") else r.cell.value,
                )
                for r in view.rows
                if r.has_polygon
            }

        body = tiles.tile_with_figures(z, x, y, (view.indicator.id, view.period), figures)
        headers = {"vary": "Accept-Encoding"}  # a publication can be withdrawn: not cached
    if body is None:
        return Response(b"", media_type=TILE_TYPE, headers=headers)  # MapLibre: nothing there
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers["content-encoding"] = "gzip"
    else:
        body = gzip.decompress(body)
    return Response(body, media_type=TILE_TYPE, headers=headers)


@router.get(
    "/kaart/{gebied}/klassen.json",
    operation_id="kaart-klassen",
    response_class=Response,
    include_in_schema=False,
)
def get_classes(
    request: Request,
    gebied: str,
    catalog: CatalogDep,
    map_view: MapViewDep,
    indicator: str,
    niveau: Level = "buurt",
    periode: str | None = None,
) -> Response:
    """Per region of the map: code, status, colour and published figure (hidden: ``null``).

    What the GeoJSON of ``/kaart/{gebied}.geojson`` carries besides the polygons, in columns;
    the national map joins it onto the vector tiles.
    """
    view = map_view(gebied, catalog.get(indicator), level=niveau, period=periode)
    rows = [r for r in view.rows if r.has_polygon]
    text = json.dumps(
        {
            "code": [r.region.code for r in rows],
            "status": [r.cell.status for r in rows],
            "kleur": [r.colour for r in rows],
            "waarde": [
                None if r.cell.status in ("hidden", "missing") else r.cell.value for r in rows
            ],
        },
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return cached_text_response(request, text, "application/json")


def label_points(cube: Cube, area: str) -> str:
    """JSON of ``{"wijk": [[code, name, lon, lat], …], "buurt": […], "gemeente": […]}``.

    The wijken and buurten of ``area`` and all gemeenten (names of the base layer).

    A point inside each polygon (GEOS point on surface: inside also for a crescent), rounded
    to about 1 m. Names and polygons are public; no figure is in it.
    """
    out: dict[str, list[list[object]]] = {}
    for level in ("wijk", "buurt", "gemeente"):
        regions = cube.gemeenten() if level == "gemeente" else cube.children(area, level)
        geometries = cube.geometries([r.code for r in regions], level)
        shown = [r for r in regions if r.code in geometries]
        points = shapely.point_on_surface(shapely.from_geojson([geometries[r.code] for r in shown]))
        coords = shapely.get_coordinates(points) if shown else []
        out[level] = [
            [r.code, r.name, round(float(xy[0]), 5), round(float(xy[1]), 5)]
            for r, xy in zip(shown, coords, strict=True)
        ]
    return json.dumps(out, ensure_ascii=False, separators=(",", ":"))


@router.get(
    "/kaart/{gebied}/namen.json",
    operation_id="kaart-namen",
    response_class=Response,
    include_in_schema=False,
)
def get_names(request: Request, gebied: str, cube: CubeDep) -> Response:
    """Names of the wijken and buurten of a gemeente (or NL00) with a point for their label."""
    area = cube.region(gebied)
    if area.level not in ("gemeente", "land"):
        raise NotFoundError(
            f"{area.code} is geen gemeente.",
            code="BB-WEB-020",
            hint="Kies een gemeentecode (GM....) of NL00.",
        )
    text = served(request).map_cache.get_or_create(
        ("namen", area.code), lambda: label_points(cube, area.code)
    )
    return cached_text_response(request, text, "application/json")


@router.get(
    "/ondergrond/water.geojson",
    operation_id="kaart-water",
    response_class=Response,
    include_in_schema=False,
)
def get_water(request: Request) -> Response:
    """The optional water layer of the maps (coast, lake shores, rivers, canals; GSHHG, bundled).

    The same for every visitor and every workspace: no figure in it, cached publicly.
    """
    response = cached_text_response(request, water_geojson(), "application/geo+json")
    response.headers["cache-control"] = "public, max-age=86400"
    return response
