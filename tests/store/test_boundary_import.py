"""Importing CBS's wijk- en buurtkaart: stored per boundary year, reported, idempotent, refused by code."""

from __future__ import annotations

import json
import shutil
import sqlite3
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from buurtbeeld.errors import BoundaryFileError
from buurtbeeld.geo.boundaries import DATA_DIR
from buurtbeeld.geo.registry import bundled_regions
from buurtbeeld.store.boundary_import import import_boundaries
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.workspace import Workspace
from tests.wijkbuurtkaart import amsterdam_codes

LAYER_CODE = {"gemeenten": "gemeentecode", "wijken": "wijkcode", "buurten": "buurtcode"}
LEVEL_OF_LAYER = {"gemeenten": "gemeente", "wijken": "wijk", "buurten": "buurt"}
BUNDLED_FILE = {"gemeente": "gemeenten_2022", "wijk": "wijken_2022", "buurt": "buurten_2019"}


def _table(workspace: Workspace) -> list[str]:
    con = workspace.connect(read_only=True)
    try:
        rows = con.execute("SELECT * FROM boundary ORDER BY boundary_year, code").fetchall()
        return [repr(r) for r in rows]  # repr: NaN bounds of an empty polygon compare equal
    finally:
        con.close()


def _file_rows(path: Path) -> dict[str, gpd.GeoDataFrame]:
    return {layer: pyogrio.read_dataframe(path, layer=layer) for layer in LAYER_CODE}


def test_import_stores_the_land_polygons_and_reports_what_changed(
    empty_workspace: Workspace, wijkbuurtkaart_2023: Path
) -> None:
    report = import_boundaries(empty_workspace, wijkbuurtkaart_2023)
    source = _file_rows(wijkbuurtkaart_2023)
    division = {r.code for r in bundled_regions(2023)}
    con = empty_workspace.connect(read_only=True)
    stored = {
        (level, code): (geometry, year)
        for level, code, geometry, year in con.execute(
            "SELECT level, code, geometry, boundary_year FROM boundary"
        ).fetchall()
    }
    con.close()
    assert report.year == 2023 and not report.already_imported
    for layer, column in LAYER_CODE.items():
        level = LEVEL_OF_LAYER[layer]
        frame = source[layer]
        land = set(frame.loc[frame["water"] == "NEE", column])
        water = set(frame.loc[frame["water"] == "JA", column])
        assert report.polygons[level] == len(land)
        assert report.water_skipped[level] == len(water)
        in_2023 = {c for (lv, c), (_, y) in stored.items() if lv == level and y == 2023}
        assert in_2023 == land
        # regions of the division that had no polygon in the bundled layers, now covered
        bundled = set(gpd.read_parquet(DATA_DIR / f"{BUNDLED_FILE[level]}.parquet")["code"])
        assert report.newly_covered[level] == len((land & division) - bundled)
    assert report.newly_covered["buurt"] == 479 and report.newly_covered["gemeente"] == 1
    water_code = amsterdam_codes("buurt")[479]
    assert ("buurt", water_code) not in stored
    assert water_code in report.still_missing["buurt"]
    # WGS84, rounded to 5 decimals, valid polygons inside the Netherlands
    geometry = shapely.from_geojson(stored[("buurt", "BU0363AA01")][0])
    assert geometry.is_valid and geometry.geom_type in ("Polygon", "MultiPolygon")
    coords = shapely.get_coordinates(geometry)
    assert ((coords[:, 0] > 3.3) & (coords[:, 0] < 7.3)).all()
    assert ((coords[:, 1] > 50.7) & (coords[:, 1] < 53.6)).all()
    assert (abs(coords * 1e5 - (coords * 1e5).round()) < 1e-6).all()


def test_the_regions_of_the_kaart_year_get_cbs_names_from_the_kaart(
    empty_workspace: Workspace, wijkbuurtkaart_2023: Path
) -> None:
    report = import_boundaries(empty_workspace, wijkbuurtkaart_2023)
    buurten = pyogrio.read_dataframe(wijkbuurtkaart_2023, layer="buurten")
    named = dict(zip(buurten["buurtcode"], buurten["buurtnaam"], strict=True))
    con = empty_workspace.connect(read_only=True)
    rows = con.execute(
        "SELECT code, division_year, name, name_note FROM region "
        "WHERE code IN ('BU0363AA01', 'BU05050101')"
    ).fetchall()
    con.close()
    names = {(code, year): (name, note) for code, year, name, note in rows}
    assert names[("BU0363AA01", 2023)] == (named["BU0363AA01"], None)
    assert names[("BU05050101", 2023)] == (named["BU05050101"], None)
    # another division keeps its own name and note (the 2024 name, borders may differ)
    assert names[("BU05050101", 2020)][1] == "naam_2024"
    # the kaart's names replace the bundled ones where they differ or carry a note
    bundled = {r.code: r for r in bundled_regions(2023)}
    changed = [
        c
        for c, n in named.items()
        if c in bundled and (bundled[c].name != n or bundled[c].name_note is not None)
    ]
    assert report.renamed["buurt"] == len(changed)


def test_simplified_buurten_stay_a_coverage(
    empty_workspace: Workspace, wijkbuurtkaart_2023: Path
) -> None:
    import_boundaries(empty_workspace, wijkbuurtkaart_2023)
    con = empty_workspace.connect(read_only=True)
    rows = con.execute(
        "SELECT geometry FROM boundary WHERE boundary_year = 2023 AND code LIKE 'BU0505%'"
    ).fetchall()
    con.close()
    polygons = shapely.from_geojson([r[0] for r in rows])
    areas = shapely.area(polygons).sum()
    union = shapely.area(shapely.union_all(polygons))
    # neighbours do not overlap after simplification (a gap would not show here, overlap would)
    assert areas == pytest.approx(union, rel=1e-3)


def test_second_import_of_the_same_file_changes_nothing(
    empty_workspace: Workspace, wijkbuurtkaart_2023: Path
) -> None:
    first = import_boundaries(empty_workspace, wijkbuurtkaart_2023)
    before = _table(empty_workspace)
    again = import_boundaries(empty_workspace, wijkbuurtkaart_2023)
    assert again.already_imported and again.import_id == first.import_id
    assert _table(empty_workspace) == before


def test_a_new_file_for_the_same_year_replaces_only_its_levels(
    empty_workspace: Workspace, wijkbuurtkaart_2023: Path, tmp_path: Path
) -> None:
    import_boundaries(empty_workspace, wijkbuurtkaart_2023)
    only_buurten = tmp_path / "buurten_dordrecht_2023.gpkg"
    frame = pyogrio.read_dataframe(wijkbuurtkaart_2023, layer="buurten")
    frame = frame[frame["buurtcode"].str.startswith("BU0505")]
    pyogrio.write_dataframe(frame, only_buurten, layer="buurten", driver="GPKG")
    report = import_boundaries(empty_workspace, only_buurten)
    assert report.replaced == {"buurt": 608}
    assert report.polygons == {"buurt": len(frame)}
    con = empty_workspace.connect(read_only=True)
    counts = dict(
        con.execute(
            "SELECT level, count(*) FROM boundary WHERE boundary_year = 2023 GROUP BY 1"
        ).fetchall()
    )
    lineage = con.execute(
        "SELECT file_name, periods, report_json FROM import_batch WHERE dataset = 'grenzen' ORDER BY import_id"
    ).fetchall()
    con.close()
    assert counts == {"gemeente": 343, "wijk": 121, "buurt": len(frame)}
    assert [r[0] for r in lineage] == [wijkbuurtkaart_2023.name, only_buurten.name]
    assert json.loads(lineage[1][2])["replaced"] == {"buurt": 608}
    # the first file again is no longer "already imported": its polygons come back
    back = import_boundaries(empty_workspace, wijkbuurtkaart_2023)
    assert not back.already_imported and back.polygons["buurt"] == 608


def test_cube_draws_each_region_with_the_newest_year_not_after_the_division(
    empty_workspace: Workspace, wijkbuurtkaart_2023: Path, tmp_path: Path
) -> None:
    """2019 and 2023 polygons of one code: 2023; a code only in a later (2024) file: 2024."""
    later = tmp_path / "kaart-zonder-jaar.gpkg"
    frame = pyogrio.read_dataframe(wijkbuurtkaart_2023, layer="buurten")
    frame = frame[frame["buurtcode"].isin(["BU05050101", "BU0363AA01"])]
    frame = frame.set_geometry(frame.geometry.translate(200, 0))  # a different shape in 2024
    pyogrio.write_dataframe(frame, later, layer="buurten", driver="GPKG")
    import_boundaries(empty_workspace, later, year=2024)
    cube = Cube(empty_workspace)
    codes = ["BU05050101", "BU0363AA01", "BU05050102"]
    # before the 2023 file: Dordrecht's buurt has 2019 and 2024 polygons → 2019 (not after 2023)
    assert cube.boundary_years(codes, "buurt") == {
        "BU05050101": 2019,
        "BU0363AA01": 2024,
        "BU05050102": 2019,
    }
    con = empty_workspace.connect(read_only=True)
    from_2019 = con.execute(
        "SELECT geometry FROM boundary WHERE boundary_year = 2019 AND code = 'BU05050101'"
    ).fetchone()
    con.close()
    assert from_2019 is not None
    assert cube.geometries(["BU05050101"], "buurt") == {"BU05050101": from_2019[0]}
    cube.close()
    import_boundaries(empty_workspace, wijkbuurtkaart_2023)
    cube = Cube(empty_workspace)
    assert cube.boundary_years(codes, "buurt") == {
        "BU05050101": 2023,
        "BU0363AA01": 2023,
        "BU05050102": 2023,
    }
    con = empty_workspace.connect(read_only=True)
    expected = dict(
        con.execute(
            "SELECT code, geometry FROM boundary WHERE boundary_year = 2023 AND code IN ('BU05050101', 'BU0363AA01')"
        ).fetchall()
    )
    bounds = con.execute(
        "SELECT min(min_x), min(min_y), max(max_x), max(max_y) FROM boundary WHERE boundary_year = 2023 AND code IN ('BU05050101', 'BU0363AA01')"
    ).fetchone()
    con.close()
    assert cube.geometries(["BU05050101", "BU0363AA01"], "buurt") == expected
    assert cube.bbox(["BU05050101", "BU0363AA01"], "buurt") == bounds
    cube.close()


def _expect_refusal(workspace: Workspace, path: Path, code: str, **kwargs: object) -> str:
    before = _table(workspace)
    with pytest.raises(BoundaryFileError) as caught:
        import_boundaries(workspace, path, **kwargs)  # type: ignore[arg-type]
    assert caught.value.code == code
    assert _table(workspace) == before, "a refused file changed the workspace"
    return caught.value.message


def test_wrong_files_are_refused_with_a_code(
    empty_workspace: Workspace, wijkbuurtkaart_2023: Path, tmp_path: Path
) -> None:
    ws = empty_workspace
    _expect_refusal(ws, tmp_path / "bestaat_niet_2023.gpkg", "BB-GEO-011")
    folder = tmp_path / "wijkenbuurten_2023"
    folder.mkdir()
    _expect_refusal(ws, folder, "BB-GEO-011")
    fake = tmp_path / "wijkenbuurten_2023_v1.gpkg"
    fake.write_text("gemeentecode;geometry\nGM0363;POLYGON\n", encoding="utf-8")
    _expect_refusal(ws, fake, "BB-GEO-012")
    broken = tmp_path / "kapot_2023.gpkg"
    broken.write_bytes(wijkbuurtkaart_2023.read_bytes()[:4096])
    _expect_refusal(ws, broken, "BB-GEO-012")
    empty_db = tmp_path / "leeg_2023.gpkg"
    sqlite3.connect(empty_db).execute("CREATE TABLE x (a)").connection.close()
    _expect_refusal(ws, empty_db, "BB-GEO-012")
    # a GeoPackage without the CBS layers (the 2019 buurten as published elsewhere)
    other = tmp_path / "buurten_2019.gpkg"
    shutil.copy(
        Path(__file__).resolve().parents[2].parent / "shared/data/powerbi_buurten_2019_wgs84.gpkg",
        other,
    )
    message = _expect_refusal(ws, other, "BB-GEO-013")
    assert "powerbi_buurten_2019_wgs84" in message
    # a 'buurten' layer without a buurtcode column
    no_code = tmp_path / "geen_codes_2023.gpkg"
    frame = pyogrio.read_dataframe(wijkbuurtkaart_2023, layer="buurten")
    pyogrio.write_dataframe(
        frame.rename(columns={"buurtcode": "statcode"}), no_code, layer="buurten", driver="GPKG"
    )
    _expect_refusal(ws, no_code, "BB-GEO-014")
    # no year in the name, no --jaar; an impossible year
    no_year = tmp_path / "wijkenbuurten.gpkg"
    shutil.copy(wijkbuurtkaart_2023, no_year)
    _expect_refusal(ws, no_year, "BB-GEO-015")
    _expect_refusal(ws, no_year, "BB-GEO-015", year=1850)
    assert import_boundaries(ws, no_year, year=2023).polygons["buurt"] == 608
    # malformed codes in the buurt layer (after good gemeente and wijk layers): nothing stored
    bad = tmp_path / "fout_2022.gpkg"
    for layer in ("gemeenten", "wijken", "buurten"):
        part = pyogrio.read_dataframe(wijkbuurtkaart_2023, layer=layer)
        if layer == "buurten":
            part.loc[part.index[:2], "buurtcode"] = ["WK036300", "BU12"]
        pyogrio.write_dataframe(part, bad, layer=layer, driver="GPKG")
    message = _expect_refusal(ws, bad, "BB-GEO-016")
    assert "2 ongeldige buurtcodes" in message


def test_the_zip_as_cbs_publishes_it_is_read(
    empty_workspace: Workspace, wijkbuurtkaart_2023: Path, tmp_path: Path
) -> None:
    archive = tmp_path / "WijkBuurtkaart_2023_v1.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        z.write(wijkbuurtkaart_2023, f"WijkBuurtkaart_2023_v1/{wijkbuurtkaart_2023.name}")
        z.writestr("WijkBuurtkaart_2023_v1/leesmij.txt", "Bron: CBS")
    assert import_boundaries(empty_workspace, archive).polygons["buurt"] == 608
    two = tmp_path / "twee_2023.zip"
    with zipfile.ZipFile(two, "w") as z:
        z.write(wijkbuurtkaart_2023, "a.gpkg")
        z.write(wijkbuurtkaart_2023, "b.gpkg")
    _expect_refusal(empty_workspace, two, "BB-GEO-012")
