"""A test file that imitates CBS's "Wijk- en buurtkaart 2023" GeoPackage.

There is no CBS wijk- en buurtkaart GeoPackage offline, so the tests build one from the real
polygons in ../shared/data with CBS's schema: layers ``gemeenten``, ``wijken`` and ``buurten``;
columns ``gemeentecode``/``gemeentenaam``, ``wijkcode``/``wijknaam``, ``buurtcode``/``buurtnaam``,
``water`` (``JA``/``NEE``), an attribute CBS fills with ``-99999997`` for secret values; RD New
(EPSG:28992); named ``wijkenbuurten_2023_v1.gpkg`` like CBS's download.

What is real and what is fabricated:
- names: CBS's names of the codes (``gwb_namen_2024``, division 2024, in UTF-8 as CBS writes them);
- gemeenten: the 2022 gemeente polygons (tmap, RD New), with Brielle, Hellevoetsluis and
  Westvoorne merged into GM1992 Voorne aan Zee as CBS did on 1 January 2023;
- wijken: the 2022 wijken of Dordrecht and Papendrecht (real codes), and Amsterdam's 2022
  wijken *renamed* to the first 2023 wijk codes of Amsterdam (``WK0363AA`` …), because the
  2022 layer has Amsterdam's old numeric codes;
- buurten: the 2019 buurten of Dordrecht (real codes, reprojected to RD New) and Amsterdam's
  2019 buurten *renamed* to the first 479 of its 517 buurt codes of 2023; the next Amsterdam
  code is a water-only row (``water = JA``) that an import must skip.
The renaming is only there to give the 2023 codes a polygon; the shapes are not Amsterdam's
2023 buurten.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import pyogrio
import shapely

from buurtbeeld.geo.boundaries import RD_NEW
from buurtbeeld.geo.registry import bundled_regions

FILE_NAME = "wijkenbuurten_2023_v1.gpkg"
SECRET = -99999997  # CBS's marker for a secret value in the kaart's attribute columns
VOORNE = ("GM0501", "GM0530", "GM0614")


def amsterdam_codes(level: str) -> list[str]:
    """Amsterdam's 2023 codes of a level (from the bundled KWB 2023 division)."""
    return sorted(
        r.code for r in bundled_regions(2023) if r.level == level and r.code[2:6] == "0363"
    )


def _frame(columns: dict[str, list[object]], geometry: list[object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(pd.DataFrame(columns), geometry=geometry, crs=RD_NEW)


def build_wijkbuurtkaart(shared_data: Path, folder: Path, file_name: str = FILE_NAME) -> Path:
    """Write the imitation of CBS's wijk- en buurtkaart 2023 and return its path."""
    folder.mkdir(parents=True, exist_ok=True)
    cbs_names = pq.read_table(shared_data / "gwb_namen_2024.parquet", columns=["code", "name"])
    names = dict(zip(cbs_names["code"].to_pylist(), cbs_names["name"].to_pylist(), strict=True))
    path = folder / file_name
    gm = gpd.read_file(shared_data / "tmap_NLD_muni_gemeenten_2022_rd.gpkg").to_crs(RD_NEW)
    voorne = shapely.union_all(gm[gm["code"].isin(VOORNE)].geometry.values)
    gm = gm[~gm["code"].isin(VOORNE)]
    gemeenten = _frame(
        {
            "gemeentecode": [*gm["code"], "GM1992"],
            "gemeentenaam": [names.get(c, n) for c, n in zip(gm["code"], gm["name"], strict=True)]
            + ["Voorne aan Zee"],
            "water": ["NEE"] * (len(gm) + 1),
            "aantal_inwoners": [SECRET] * (len(gm) + 1),
        },
        [*gm.geometry.values, voorne],
    )

    wk = gpd.read_file(shared_data / "tmap_NLD_dist_wijken_2022_rd.gpkg").to_crs(RD_NEW)
    kept = wk[wk["code"].str[2:6].isin(["0505", "0590"])]
    ams = wk[wk["code"].str.startswith("WK0363")].sort_values("code")
    new_wk = amsterdam_codes("wijk")[: len(ams)]
    wijken = _frame(
        {
            "wijkcode": [*kept["code"], *new_wk],
            "wijknaam": [
                names.get(c, n)
                for c, n in zip(
                    [*kept["code"], *new_wk], [*kept["name"], *ams["name"]], strict=True
                )
            ],
            "gemeentecode": ["GM" + c[2:6] for c in [*kept["code"], *new_wk]],
            "water": ["NEE"] * (len(kept) + len(new_wk)),
        },
        [*kept.geometry.values, *ams.geometry.values],
    )

    bu = gpd.read_file(shared_data / "powerbi_buurten_2019_wgs84.gpkg").to_crs(RD_NEW)
    dordrecht = bu[bu["statcode"].str.startswith("BU0505")]
    ams_bu = bu[bu["statcode"].str.startswith("BU0363")].sort_values("statcode")
    all_ams = amsterdam_codes("buurt")
    new_bu = all_ams[: len(ams_bu)]
    water_code = all_ams[len(ams_bu)]
    water = shapely.box(110000, 480000, 112000, 482000)  # an IJsselmeer-like square of water
    codes = [*dordrecht["statcode"], *new_bu, water_code]
    buurten = _frame(
        {
            "buurtcode": codes,
            "buurtnaam": [names.get(c, f"Buurt {c[-4:]}") for c in codes],
            "wijkcode": ["WK" + c[2:8] for c in codes],
            "gemeentecode": ["GM" + c[2:6] for c in codes],
            "water": ["NEE"] * (len(codes) - 1) + ["JA"],
            "aantal_inwoners": [SECRET] * len(codes),
        },
        [*dordrecht.geometry.values, *ams_bu.geometry.values, water],
    )
    path.unlink(missing_ok=True)
    for layer, frame in (("gemeenten", gemeenten), ("wijken", wijken), ("buurten", buurten)):
        pyogrio.write_dataframe(frame, path, layer=layer, driver="GPKG")
    return path
