"""Rebuild the open data bundled in src/buurtbeeld/data from the originals in ../shared/data.

Usage: python scripts/build_bundled_data.py [--shared PATH]

Uses the product's own readers (the same code that imports a user's CBS file), so the
bundled files are exactly what an import of the original files produces. Bron: CBS.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import geopandas as gpd
import pyarrow as pa
import pyarrow.parquet as pq

from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.geo.boundaries import BUNDLED, DATA_DIR, simplify_for_web
from buurtbeeld.geo.codes import normalize_code
from buurtbeeld.opendata.cbs_values import parse_codes, parse_column
from buurtbeeld.opendata.files import read_text_table
from buurtbeeld.opendata.health import DIMENSIONS
from buurtbeeld.opendata.kwb import TEXT_COLUMNS

ROOT = Path(__file__).resolve().parents[1]
CBS_DIR = ROOT / "src" / "buurtbeeld" / "data" / "cbs"
HEALTH_FILES = (
    "RIVM_Gezondheid2016/2016_18+.xlsx",
    "RIVM_Gezondheid2016/2016_65+.xlsx",
    "RIVM_Gezondheid2020/RIVM_gezondheid2020_18+.xlsx",
    "RIVM_Gezondheid2020/RIVM_gezondheid2020_65+.xlsx",
)
HEALTH_DIMENSIONS = tuple(d for d in DIMENSIONS if d not in ("ID", "Codering_3"))


def build_kwb(shared: Path) -> None:
    raw = shared / "raw/inmindaen-kwb2023/kwb-2023-transformed.xlsx"
    table = read_text_table(raw)
    arrays = {}
    for name in table.column_names:
        if name in TEXT_COLUMNS:
            arrays[name] = pa.array(parse_codes(table[name]), pa.string())
        else:
            arrays[name] = pa.array(
                parse_column(table[name], name=name, file_name=raw.name).values,
                pa.float64(),
                from_pandas=True,
            )
    pq.write_table(
        pa.table(arrays), CBS_DIR / "kwb2023.parquet", compression="zstd", compression_level=19
    )
    print("kwb2023.parquet", table.num_rows, "rows")


def build_health(shared: Path) -> None:
    wanted = sorted(
        {
            i.source.column
            for i in builtin_catalog().indicators
            if i.source and i.source.dataset == "gezondheidsmonitor"
        }
    )
    parts = []
    for rel in HEALTH_FILES:
        path = shared / "raw/rivm-gezondheid-buurtvergelijker" / rel
        table = read_text_table(path)
        cols = {d: pa.array(parse_codes(table[d]), pa.string()) for d in HEALTH_DIMENSIONS}
        for name in wanted:
            cols[name] = pa.array(
                parse_column(table[name], name=name, file_name=path.name).values,
                pa.float64(),
                from_pandas=True,
            )
        parts.append(pa.table(cols))
        print(path.name, table.num_rows, "rows")
    combined = pa.concat_tables(parts)
    pq.write_table(
        combined,
        CBS_DIR / "gezondheidsmonitor_2016_2020.parquet",
        compression="zstd",
        compression_level=19,
    )


def build_boundaries(shared: Path) -> None:
    sources = {
        "gemeenten_2022.parquet": ("tmap_NLD_muni_gemeenten_2022_rd.gpkg", "code", 10.0),
        "wijken_2022.parquet": ("tmap_NLD_dist_wijken_2022_rd.gpkg", "code", 10.0),
        "buurten_2019.parquet": ("powerbi_buurten_2019_wgs84.gpkg", "statcode", 5.0),
    }
    for boundary_set in BUNDLED:
        file_name, code_col, tolerance = sources[boundary_set.file_name]
        frame = gpd.read_file(shared / file_name)
        keep = ["code", "geometry"] + (["name"] if "name" in frame.columns else [])
        frame = frame.rename(columns={code_col: "code"})[keep]
        frame["code"] = [normalize_code(c) for c in frame["code"]]
        simplified = simplify_for_web(frame, tolerance_m=tolerance)
        simplified.to_parquet(boundary_set.path, compression="zstd", index=False)
        print(boundary_set.file_name, len(simplified), "polygons")


def build_names(shared: Path) -> None:
    """Buurt, wijk and gemeente names of the 2024 division (code and name only; Bron: CBS)."""
    table = pq.read_table(shared / "gwb_namen_2024.parquet", columns=["code", "name"])
    table = table.cast(pa.schema([("code", pa.string()), ("name", pa.string())]))
    table = table.sort_by("code")
    pq.write_table(
        table, DATA_DIR / "gwb_namen_2024.parquet", compression="zstd", compression_level=19
    )
    print("gwb_namen_2024.parquet", table.num_rows, "names")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    args = parser.parse_args()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    build_kwb(args.shared)
    build_health(args.shared)
    build_boundaries(args.shared)
    build_names(args.shared)


if __name__ == "__main__":
    main()
