"""Build the bundled water layer of the map (issue 13 item 4) from GSHHG, clipped to NL.

Source: GSHHG 2.3.7 (Wessel & Smith, LGPL-3+), full resolution, as Debian ships it in
``gmt-gshhg-full``; read through GMT's ``gmt coast -M`` (Debian ``gmt``):

    apt-get install --no-install-recommends gmt gmt-gshhg-full
    python scripts/build_water_layer.py

Writes ``src/buurtbeeld/data/geo/water_gshhg_nl.geojson``: lines of the sea coast and lake
shores (GSHHG shoreline levels 1 and 2, from the World Vector Shoreline, about 1:250,000) and of
rivers and canals (WDBII, coarser), merged across GSHHG's bins, clipped to the bundled gemeenten
plus 2 km and simplified to 40 m. Properties: ``soort`` (kust, meer, rivier, kanaal) and
``klasse`` (GSHHG's level; rivers 0 = double-lined, 1 = major … 4 = minor, canals 8-10).
Only a developer runs this; the app reads the committed file (offline, no GMT needed).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import geopandas as gpd
import shapely

ROOT = Path(__file__).resolve().parents[1]
GEO = ROOT / "src" / "buurtbeeld" / "data" / "geo"
OUT = GEO / "water_gshhg_nl.geojson"
REGION = "-R3.0/7.4/50.6/53.8"
RD_NEW = "EPSG:28992"
KINDS = {
    "Shore": {1: "kust", 2: "meer"},
    "River": {**dict.fromkeys(range(5), "rivier"), 8: "kanaal", 9: "kanaal", 10: "kanaal"},
}


def dump(option: str) -> dict[tuple[str, int], list[list[tuple[float, float]]]]:
    """Segments per (kind, level) from ``gmt coast -M``, as GSHHG's bins cut them."""
    text = subprocess.run(
        ["gmt", "coast", REGION, "-Df", option, "-M"], check=True, capture_output=True, text=True
    ).stdout
    out: dict[tuple[str, int], list[list[tuple[float, float]]]] = {}
    current: list[tuple[float, float]] | None = None
    for line in text.splitlines():
        if line.startswith(">"):
            words = line.split()  # "> Shore Bin # 12964, Level 1"
            kind = KINDS.get(words[1], {}).get(int(words[-1]))
            current = None if kind is None else []
            if current is not None:
                out.setdefault((kind, int(words[-1])), []).append(current)
        elif current is not None and line.strip():
            x, y = line.split()[:2]
            current.append((float(x), float(y)))
    return out


def main() -> None:
    gemeenten = gpd.read_parquet(GEO / "gemeenten_2022.parquet").to_crs(RD_NEW)
    clip = shapely.buffer(shapely.union_all(gemeenten.geometry.values), 2000)
    rows = []
    for option in ("-W", "-Ia"):
        for (kind, level), segments in dump(option).items():
            lines = shapely.MultiLineString([s for s in segments if len(s) > 1])
            merged = shapely.line_merge(lines)
            frame = gpd.GeoSeries([merged], crs="EPSG:4326").to_crs(RD_NEW)
            geometry = shapely.simplify(shapely.intersection(frame.iloc[0], clip), 40)
            if geometry.is_empty:
                continue
            rows.append({"soort": kind, "klasse": level, "geometry": geometry})
    water = gpd.GeoDataFrame(rows, crs=RD_NEW).to_crs("EPSG:4326")
    features = []
    for row in water.itertuples():
        geometry = json.loads(shapely.to_geojson(shapely.set_precision(row.geometry, 1e-5)))
        features.append(
            {
                "type": "Feature",
                "properties": {"soort": row.soort, "klasse": row.klasse},
                "geometry": geometry,
            }
        )
    collection = {
        "type": "FeatureCollection",
        "bron": "GSHHG 2.3.7 (Wessel & Smith), LGPL-3+; Debian gmt-gshhg-full",
        "features": features,
    }
    OUT.write_text(json.dumps(collection, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(features)} features, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
