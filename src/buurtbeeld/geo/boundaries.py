"""Region boundaries shipped with Buurtbeeld, simplified for the web.

Geometry stays out of DuckDB (its spatial extension needs the internet): boundaries are
GeoParquet files read with geopandas/pyogrio and stored in the workspace as GeoJSON text
per region, joined to figures on the region code.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from buurtbeeld.geo.codes import RegionLevel

DATA_DIR = Path(__file__).resolve().parents[1] / "data" / "geo"
WEB_CRS = "EPSG:4326"
RD_NEW = "EPSG:28992"


@dataclass(frozen=True)
class BoundarySet:
    """One bundled boundary layer: its level, vintage and file."""

    level: RegionLevel
    year: int
    file_name: str
    source: str

    @property
    def path(self) -> Path:
        """Location inside the package."""
        return DATA_DIR / self.file_name


BUNDLED = (
    BoundarySet(
        RegionLevel.GEMEENTE,
        2022,
        "gemeenten_2022.parquet",
        "CBS/Kadaster wijk- en buurtkaart 2022 (PDOK), via R-pakket tmap",
    ),
    BoundarySet(
        RegionLevel.WIJK,
        2022,
        "wijken_2022.parquet",
        "CBS/Kadaster wijk- en buurtkaart 2022 (PDOK), via R-pakket tmap",
    ),
    BoundarySet(
        RegionLevel.BUURT,
        2019,
        "buurten_2019.parquet",
        "CBS/Kadaster wijk- en buurtkaart 2019, vereenvoudigd (TopoJSON)",
    ),
)


# Simplification tolerance per level in metres (RD New): what the bundled layers use.
TOLERANCE_M = {RegionLevel.GEMEENTE: 10.0, RegionLevel.WIJK: 10.0, RegionLevel.BUURT: 5.0}


def simplify_for_web(frame: gpd.GeoDataFrame, *, tolerance_m: float = 10.0) -> gpd.GeoDataFrame:
    """Simplify a polygon coverage without opening gaps between neighbours.

    Uses GEOS coverage simplification in RD New (metres), then WGS84 with coordinates
    rounded to 5 decimals (about 1 m), which is what a web map needs.
    """
    rd = frame.to_crs(RD_NEW)
    geometry = shapely.coverage_simplify(rd.geometry.values, tolerance_m)
    geometry = shapely.make_valid(geometry)
    out = gpd.GeoDataFrame(rd.drop(columns="geometry"), geometry=geometry, crs=RD_NEW).to_crs(
        WEB_CRS
    )
    out["geometry"] = shapely.set_precision(out.geometry.values, 1e-5)
    return out


GeometryRow = tuple[str, str, tuple[float, float, float, float]]


def geometry_rows(frame: gpd.GeoDataFrame) -> list[GeometryRow]:
    """``(code, GeoJSON geometry text, bbox)`` for every polygon of a WGS84 frame with ``code``."""
    geometries = frame.geometry.values
    texts = shapely.to_geojson(geometries)
    bounds = shapely.bounds(geometries)
    return [
        (str(code), str(text), (float(b[0]), float(b[1]), float(b[2]), float(b[3])))
        for code, text, b in zip(frame["code"], texts, np.asarray(bounds), strict=True)
    ]


def read_bundled(boundary_set: BoundarySet) -> list[GeometryRow]:
    """``(code, GeoJSON geometry text, bbox)`` for every polygon of a bundled layer."""
    return geometry_rows(gpd.read_parquet(boundary_set.path))
