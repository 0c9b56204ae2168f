"""Boundary import benchmark: a national wijk- en buurtkaart through ``importeer-grenzen``.

Usage: python benchmarks/bench_boundaries.py [--segment 10]

CBS's real kaart is not available offline, so the benchmark builds a national imitation in CBS's
schema from ../shared/data (gemeenten and wijken 2022, all 13,594 buurten 2019 in RD New) and
densifies every ring to a vertex at least every ``--segment`` metres, to come near the detail of
CBS's full-resolution file. Prints the vertex count, the time of the whole import (read, validate,
simplify, store) against the bare read of the same layers with pyogrio, and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import pyogrio
import shapely

from buurtbeeld.geo.boundaries import RD_NEW
from buurtbeeld.store.boundary_import import import_boundaries
from buurtbeeld.store.workspace import create_workspace

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def build(folder: Path, segment: float) -> tuple[Path, int]:
    path = folder / "wijkenbuurten_2023_v1.gpkg"
    layers = {
        "gemeenten": ("tmap_NLD_muni_gemeenten_2022_rd.gpkg", "code", "gemeentecode"),
        "wijken": ("tmap_NLD_dist_wijken_2022_rd.gpkg", "code", "wijkcode"),
        "buurten": ("powerbi_buurten_2019_wgs84.gpkg", "statcode", "buurtcode"),
    }
    vertices = 0
    for layer, (file_name, source_column, column) in layers.items():
        frame = gpd.read_file(SHARED / file_name).to_crs(RD_NEW)
        geometry = shapely.segmentize(frame.geometry.values, segment)
        vertices += int(shapely.get_num_coordinates(geometry).sum())
        out = gpd.GeoDataFrame(
            {column: frame[source_column].to_numpy(), "water": "NEE"}, geometry=geometry, crs=RD_NEW
        )
        pyogrio.write_dataframe(out, path, layer=layer, driver="GPKG")
    return path, vertices


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segment", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path, vertices = build(folder, args.segment)
        size_mb = path.stat().st_size / 1e6
        start = time.perf_counter()
        for layer in ("gemeenten", "wijken", "buurten"):
            pyogrio.read_dataframe(path, layer=layer)
        bare = time.perf_counter() - start
        workspace = create_workspace(folder / "werkmap")
        start = time.perf_counter()
        report = import_boundaries(workspace, path)
        full = time.perf_counter() - start
        start = time.perf_counter()
        again = import_boundaries(workspace, path)
        noop = time.perf_counter() - start
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"file: {size_mb:.0f} MB, {vertices:,} vertices, polygons {report.polygons}")
    print(f"bare pyogrio read of the three layers: {bare:.1f} s")
    print(f"importeer-grenzen (read, validate, simplify, store): {full:.1f} s ({full / bare:.1f}x)")
    print(f"same file again (no-op, hash + read): {noop:.1f} s, already={again.already_imported}")
    print(f"peak RSS: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
