"""Hotspot and typology benchmark: Gi* (999 permutations) over all buurten, a national typology.

Usage: python benchmarks/bench_hotspots.py [--permutations 999]

Gi*: the 13,594 buurt polygons of CBS's 2019 layer (../shared/data, as bundled) with a synthetic
figure per buurt (gamma noise plus planted clusters; the statistics' cost does not depend on the
values). Times the queen contiguity graph, Gi* alone (the issue's budget: ≤ 10 s), local Moran's
I alone, and ``local_hotspots`` (both plus FDR). Typology: the bundled KWB 2023 in a fresh
workspace, the eight default indicators, k = 3 … 8 by silhouette (budget ≤ 30 s), and the
stability refits with ten other seeds separately.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import warnings
from pathlib import Path

import esda
import geopandas as gpd
import numpy as np
import shapely

from buurtbeeld.analysis.hotspots import local_hotspots
from buurtbeeld.analysis.neighbours import queen_graph, restrict
from buurtbeeld.analysis.typology import DEFAULT_INDICATORS, national_typology, stability
from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.importer import BUNDLED_FILES, import_file
from buurtbeeld.store.workspace import create_workspace, open_workspace

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def hotspots(permutations: int) -> None:
    frame = gpd.read_file(SHARED / "powerbi_buurten_2019_wgs84.gpkg")
    texts = dict(zip(frame["statcode"], shapely.to_geojson(frame.geometry.values), strict=True))
    start = time.perf_counter()
    graph = queen_graph(texts)
    built = time.perf_counter() - start
    codes = list(texts)
    part = restrict(graph, codes)
    rng = np.random.default_rng(1)
    y = rng.gamma(2.0, 10.0, size=len(part.codes))
    by_code = np.argsort(np.array(part.codes))
    y[by_code[: len(y) // 20]] += 40  # clusters: buurten of the first gemeenten by code
    print(f"buurten {len(codes):,}, connected {len(part.codes):,}, isolates {len(part.isolates)}")
    print(f"queen graph: {built:.2f} s")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        start = time.perf_counter()
        esda.G_Local(
            y,
            part.graph.assign_self_weight(1),
            transform="R",
            star=None,
            permutations=permutations,
            seed=1,
            n_jobs=1,
            keep_simulations=False,
        )
        print(f"Gi* ({permutations} permutations): {time.perf_counter() - start:.2f} s")
        start = time.perf_counter()
        esda.Moran_Local(
            y,
            part.graph,
            transformation="r",
            permutations=permutations,
            seed=1,
            n_jobs=1,
            keep_simulations=False,
        )
        print(f"local Moran ({permutations} permutations): {time.perf_counter() - start:.2f} s")
    values = {c: float(v) for c, v in zip(part.codes, y, strict=True)}
    start = time.perf_counter()
    result = local_hotspots(values, {}, part, permutations=permutations)
    print(
        f"local_hotspots (both + FDR): {time.perf_counter() - start:.2f} s; "
        f"hot {result.gi_count('hoog'):,}, cold {result.gi_count('laag'):,}"
    )


def typology() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "werkmap"
        create_workspace(root, name="bench")
        workspace = open_workspace(root)
        for path in BUNDLED_FILES:
            import_file(workspace, path)
        cube = Cube(workspace)
        catalog = builtin_catalog()
        chosen = [catalog.get(i) for i in DEFAULT_INDICATORS]
        start = time.perf_counter()
        result = national_typology(cube, chosen)
        took = time.perf_counter() - start
        print(
            f"typology: {took:.2f} s for {len(result.assignment):,} buurten "
            f"({result.without_type:,} without type), k = {result.k}, "
            f"silhouettes {', '.join(f'{k}: {s:.3f}' for k, s in result.silhouettes.items())}"
        )
        start = time.perf_counter()
        ari = stability(result)
        print(
            f"stability (10 seeds): {time.perf_counter() - start:.2f} s, adjusted Rand "
            f"mean {np.mean(ari):.3f}, min {min(ari):.3f}"
        )
        cube.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--permutations", type=int, default=999)
    args = parser.parse_args()
    hotspots(args.permutations)
    typology()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory: {peak:.0f} MB")


if __name__ == "__main__":
    main()
