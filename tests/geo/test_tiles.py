"""Vector tiles of region polygons (geo/tiles.py), decoded by an independent reader below."""

from __future__ import annotations

import gzip
import math
import struct

import geopandas as gpd
import numpy as np
import pytest
import shapely

from buurtbeeld.geo.boundaries import DATA_DIR
from buurtbeeld.geo.tile_merge import borders, merge_targets, merged_geometries
from buurtbeeld.geo.tiles import EXTENT, MERGE_MAX_ZOOM, Figure, LazyTiles, build_tileset


def _fields(data: bytes) -> list[tuple[int, int | bytes | float]]:
    """(field number, value) of a protobuf message: varints as int, length-delimited as bytes,
    64-bit fields as double."""
    out: list[tuple[int, int | bytes | float]] = []
    i = 0

    def varint() -> int:
        nonlocal i
        shift = value = 0
        while True:
            byte = data[i]
            i += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return value

    while i < len(data):
        key = varint()
        number, wire = key >> 3, key & 7
        if wire == 0:
            out.append((number, varint()))
        elif wire == 2:
            n = varint()
            out.append((number, data[i : i + n]))
            i += n
        elif wire == 1:
            out.append((number, struct.unpack("<d", data[i : i + 8])[0]))
            i += 8
        else:
            raise AssertionError(f"unexpected wire type {wire}")
    return out


def _packed(data: bytes) -> list[int]:
    values, shift, value = [], 0, 0
    for byte in data:
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            values.append(value)
            shift = value = 0
    return values


def _value(message: bytes) -> str | float:
    """A Value message: string (field 1) or double (field 3)."""
    ((number, value),) = _fields(message)
    assert number in (1, 3), number
    return value.decode() if number == 1 else value  # type: ignore[union-attr,return-value]


def _decode(tile: bytes) -> tuple[str, int, list[dict[str, object]]]:
    """Layer name, extent and features (properties and rings in tile units) of a gzip'd MVT."""
    (layer_field,) = _fields(gzip.decompress(tile))
    assert layer_field[0] == 3
    layer = _fields(layer_field[1])  # type: ignore[arg-type]
    name = next(v for n, v in layer if n == 1).decode()  # type: ignore[union-attr]
    extent = next(v for n, v in layer if n == 5)
    keys = [v.decode() for n, v in layer if n == 3]  # type: ignore[union-attr]
    values = [_value(v) for n, v in layer if n == 4]  # type: ignore[arg-type]
    features = []
    for n, raw in layer:
        if n != 2:
            continue
        f = dict(_fields(raw))  # type: ignore[arg-type]
        tags = _packed(f[2])  # type: ignore[arg-type]
        props = {keys[tags[k]]: values[tags[k + 1]] for k in range(0, len(tags), 2)}
        commands = _packed(f[4])  # type: ignore[arg-type]
        rings, x, y, k = [], 0, 0, 0
        while k < len(commands):
            command, count = commands[k] & 7, commands[k] >> 3
            k += 1
            if command == 7:
                continue
            points = []
            for _ in range(count):
                dx, dy = commands[k], commands[k + 1]
                x += (dx >> 1) ^ -(dx & 1)
                y += (dy >> 1) ^ -(dy & 1)
                points.append((x, y))
                k += 2
            if command == 1:
                rings.append(points)
            else:
                rings[-1].extend(points)
        features.append({"type": f[3], "props": props, "rings": rings})
    return name, extent, features  # type: ignore[return-value]


def _area(ring: list[tuple[int, int]]) -> float:
    """Surveyor's formula in tile units (y down): positive for an exterior (MVT 2.1 §4.3.4.4)."""
    return (
        sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True))
        / 2
    )


@pytest.fixture(scope="module")
def dordrecht() -> gpd.GeoDataFrame:
    frame = gpd.read_parquet(DATA_DIR / "buurten_2019.parquet")
    return frame[frame["code"].str.startswith("BU0505")].reset_index(drop=True)


def _rows(frame: gpd.GeoDataFrame) -> list[tuple[str, str, str]]:
    texts = shapely.to_geojson(frame.geometry.values)
    return [(c, f"Buurt {c[-4:]}", str(t)) for c, t in zip(frame["code"], texts, strict=True)]


def test_every_buurt_is_in_the_tiles_with_code_and_name_only(dordrecht: gpd.GeoDataFrame) -> None:
    tileset = build_tileset(_rows(dordrecht), min_zoom=8, max_zoom=12)
    for z in (8, 12):
        codes: set[str] = set()
        for (tz, _, _), tile in tileset.tiles.items():
            if tz != z:
                continue
            name, extent, features = _decode(tile)
            assert (name, extent) == ("gebieden", EXTENT)
            for feature in features:
                assert feature["type"] == 3  # polygon
                assert set(feature["props"]) == {"code", "naam"}  # type: ignore[arg-type]
                props = feature["props"]
                assert props["naam"] == f"Buurt {props['code'][-4:]}"  # type: ignore[index]
                rings = feature["rings"]
                assert _area(rings[0]) > 0, "the first ring of a polygon is its exterior"  # type: ignore[index]
                codes.add(props["code"])  # type: ignore[index]
        assert codes == set(dordrecht["code"]), z


def test_decoded_polygon_has_the_area_of_the_buurt(dordrecht: gpd.GeoDataFrame) -> None:
    """The largest Dordrecht buurt, decoded from its zoom-12 tiles back to Mercator metres."""
    z = 12
    tileset = build_tileset(_rows(dordrecht), min_zoom=z, max_zoom=z)
    mercator = dordrecht.to_crs("EPSG:3857")
    largest = int(mercator.geometry.area.idxmax())
    code = mercator["code"][largest]
    size = 2 * math.pi * 6378137.0 / 2**z
    unit = size / EXTENT
    parts = []
    for (_, tx, ty), tile in tileset.tiles.items():
        left, top = tx * size - math.pi * 6378137.0, math.pi * 6378137.0 - ty * size
        box = shapely.box(left, top - size, left + size, top)
        for feature in _decode(tile)[2]:
            if feature["props"]["code"] != code:  # type: ignore[index]
                continue
            rings = [
                [(left + x * unit, top - y * unit) for x, y in ring]
                for ring in feature["rings"]  # type: ignore[attr-defined]
            ]
            # exterior rings are counter-clockwise in Mercator, holes clockwise
            polygon = shapely.Polygon(rings[0], rings[1:])
            parts.append(shapely.intersection(shapely.make_valid(polygon), box))
    decoded = shapely.union_all(parts)
    original = mercator.geometry[largest]
    assert decoded.area == pytest.approx(original.area, rel=0.01)
    assert shapely.symmetric_difference(decoded, original).area < 0.02 * original.area


def test_a_tile_is_built_when_asked_for_and_kept(dordrecht: gpd.GeoDataFrame) -> None:
    lazy = LazyTiles(_rows(dordrecht))
    columns, rows = lazy.tile_range(12)
    first = lazy.tile(12, columns[0], rows[0])
    assert first is not None and lazy.tile(12, columns[0], rows[0]) is first
    assert lazy.tile(12, 0, 0) is None  # far from Dordrecht
    assert lazy.tile(11, columns[0] // 2, rows[0] // 2) is not None


def test_a_tile_with_figures_carries_them_by_code_and_leaves_out_what_is_none(
    dordrecht: gpd.GeoDataFrame,
) -> None:
    lazy = LazyTiles(_rows(dordrecht))
    codes = list(dordrecht["code"])
    figures: dict[str, Figure] = {}
    for k, code in enumerate(codes[:-1]):  # the last buurt: no figures at all
        if k % 3 == 0:
            figures[code] = ("hidden", None, None)
        else:
            figures[code] = ("value", f"#00000{k % 10}", k + 0.25)
    columns, rows = lazy.tile_range(8)
    seen: dict[str, dict[str, object]] = {}
    for x in columns:
        for y in rows:
            tile = lazy.tile_with_figures(8, x, y, "bijstand", lambda: figures)
            if tile is not None:
                seen |= {f["props"]["code"]: f["props"] for f in _decode(tile)[2]}  # type: ignore[index,misc]
    assert set(seen) == set(codes)
    for code, props in seen.items():
        status, colour, value = figures.get(code, (None, None, None))
        expected = {"code": code, "naam": f"Buurt {code[-4:]}"}
        expected |= {"status": status} if status else {}
        expected |= {"kleur": colour} if colour else {}
        expected |= {"waarde": value} if value is not None else {}
        assert props == expected, code
    assert set(seen[codes[0]]) == {"code", "naam", "status"}  # hidden: no value, no colour
    # the geometry is the same as in the tile without figures
    plain = {f["props"]["code"]: f["rings"] for f in _decode(lazy.tile(8, columns[0], rows[0]))[2]}  # type: ignore[arg-type,index]
    with_figures = lazy.tile_with_figures(8, columns[0], rows[0], "bijstand", lambda: {})
    assert with_figures is not None  # kept per view key: the first call's figures
    assert {f["props"]["code"]: f["rings"] for f in _decode(with_figures)[2]} == plain  # type: ignore[index]
    other = lazy.tile_with_figures(8, columns[0], rows[0], "another view", lambda: {})
    assert other is not None and all(set(f["props"]) == {"code", "naam"} for f in _decode(other)[2])  # type: ignore[arg-type]


# --- small regions merged into a neighbour of the same class at national zoom (issue 13 item 5)
KM = 1000.0
ORIGIN = (300 * KM, 6500 * KM)  # Mercator metres inside zoom-6 tile 32/21 (the south-west of NL)
DARK, LIGHT = ("value", "#b30000", 80.0), ("value", "#fdd49e", 10.0)
HIDDEN: Figure = ("hidden", None, None)
LAYOUT: dict[str, tuple[tuple[float, float, float, float], Figure | None]] = {
    # code: (box in km from ORIGIN, figure; None: no figure). One pixel at zoom 6 is 1.22 km.
    "A": ((0, 0, 10, 10), DARK),  # minus s1 and s2
    "B": ((10, 0, 20, 10), LIGHT),
    "N": ((0, 10, 10, 20), None),  # minus s3
    "H": ((20, 0, 30, 10), HIDDEN),  # minus s4
    "s1": ((9, 4, 10, 5), LIGHT),  # 3 km of border with dark A, 1 km with light B: into B
    "s2": ((4, 9, 5, 10), HIDDEN),  # hidden between dark A and N without figure: stays
    "s3": ((2, 10, 3, 11), None),  # no figure, in N's edge: into N, not into dark A
    "s4": ((20, 2, 21, 3), HIDDEN),  # hidden, in H's edge beside light B: into H
    "D": ((40, 0, 50, 10), DARK),
    "c1": ((50, 0, 51, 1), DARK),  # a chain: c1 borders D ...
    "c2": ((51, 0, 52, 1), DARK),  # ... c2 only c1 and light E: both into D
    "E": ((50, 1, 60, 10), LIGHT),
    "k1": ((70, 0, 71, 1.2), LIGHT),  # two small ones, no large neighbour of their class:
    "k2": ((71, 0, 72, 1), LIGHT),  # together, into the larger one (k1)
    "k3": ((72, 0, 73, 1), DARK),  # beside light k2 only: stays
}


def _layout_rows() -> list[tuple[str, str, str]]:
    boxes = {
        code: shapely.box(*(o + k * KM for o, k in zip(ORIGIN * 2, b, strict=True)))
        for code, (b, _) in LAYOUT.items()
    }
    for big, cut in (("A", ("s1", "s2")), ("N", ("s3",)), ("H", ("s4",))):
        boxes[big] = shapely.difference(boxes[big], shapely.union_all([boxes[c] for c in cut]))

    def lonlat(xy: np.ndarray) -> np.ndarray:
        lon = np.degrees(xy[:, 0] / 6378137.0)
        lat = np.degrees(2 * np.arctan(np.exp(xy[:, 1] / 6378137.0)) - np.pi / 2)
        return np.column_stack((lon, lat))

    return [
        (code, f"Gebied {code}", str(shapely.to_geojson(shapely.transform(g, lonlat))))
        for code, g in boxes.items()
    ]


def _drawn(lazy: LazyTiles, z: int, figures: dict[str, Figure]) -> dict[str, dict[str, object]]:
    """Per feature code of the tiles of zoom ``z``: its properties and its area in km²."""
    size = 2 * math.pi * 6378137.0 / 2**z / EXTENT / KM  # km per tile unit
    columns, rows = lazy.tile_range(z)
    out: dict[str, dict[str, object]] = {}
    for x in columns:
        for y in rows:
            tile = lazy.tile_with_figures(z, x, y, "view", lambda: figures)
            for f in _decode(tile)[2] if tile else []:
                area = sum(_area(ring) for ring in f["rings"]) * size**2  # type: ignore[attr-defined]
                out[f["props"]["code"]] = {**f["props"], "km2": area}  # type: ignore[index,dict-item]
    return out


def test_a_small_region_merges_only_into_a_neighbour_of_its_own_class() -> None:
    rows = _layout_rows()
    figures = {code: f for code, (_, f) in LAYOUT.items() if f is not None}
    drawn = _drawn(LazyTiles(rows, merge_below=1.0), 6, figures)
    assert set(drawn) == set(LAYOUT) - {"s1", "s3", "s4", "c1", "c2", "k2"}
    for code, props in drawn.items():  # every feature: its own code, name and figure
        status, colour, value = LAYOUT[code][1] or (None, None, None)
        assert props["naam"] == f"Gebied {code}"
        assert (props.get("status"), props.get("kleur"), props.get("waarde")) == (
            status,
            colour,
            value,
        )
    # light s1 went into light B (1 km of border), not into dark A (3 km)
    assert drawn["B"]["km2"] == pytest.approx(101, rel=0.03)
    assert drawn["A"]["km2"] == pytest.approx(98, rel=0.03)  # without s1 and s2
    assert drawn["N"]["km2"] == pytest.approx(100, rel=0.03)  # with s3, which had no figure
    assert drawn["H"]["km2"] == pytest.approx(100, rel=0.03)  # hidden s4 in hidden H
    assert drawn["s2"]["status"] == "hidden"  # no hidden neighbour: drawn itself, hatched
    assert drawn["D"]["km2"] == pytest.approx(102, rel=0.03)  # the chain c1-c2
    assert drawn["k1"]["km2"] == pytest.approx(2.2, rel=0.1)
    assert drawn["k3"]["km2"] == pytest.approx(1, rel=0.1)
    # from zoom 8 on, and without merging, every region is drawn itself
    assert set(_drawn(LazyTiles(rows, merge_below=1.0), MERGE_MAX_ZOOM + 1, figures)) == set(LAYOUT)
    assert set(_drawn(LazyTiles(rows), 6, figures)) == set(LAYOUT)
    # tiles without figures (the gemeente borders) are never merged
    lazy = LazyTiles(rows, merge_below=1.0)
    plain = lazy.tile(6, *(r[0] for r in lazy.tile_range(6)))
    assert plain and {f["props"]["code"] for f in _decode(plain)[2]} == set(LAYOUT)  # type: ignore[index]


def test_the_merge_follows_the_map_view() -> None:
    """One geometry, two views: what merges depends on the classes of the indicator shown."""
    rows = _layout_rows()
    lazy = LazyTiles(rows, merge_below=1.0)
    figures = {code: f for code, (_, f) in LAYOUT.items() if f is not None}
    everything_dark = dict.fromkeys(LAYOUT, DARK)
    first = _drawn(lazy, 6, figures)
    assert "s2" in first and "s1" not in first
    columns, tile_rows = lazy.tile_range(6)
    other = lazy.tile_with_figures(6, columns[0], tile_rows[0], "other", lambda: everything_dark)
    codes = {f["props"]["code"] for f in _decode(other)[2]} if other else set()  # type: ignore[index]
    assert codes == {"A", "B", "N", "H", "D", "E", "k1"}  # all small ones in a neighbour


def test_merge_targets_of_real_buurten_keep_every_class(dordrecht: gpd.GeoDataFrame) -> None:
    """Dordrecht at zoom 6 (a pixel is ~1.5 km² there): every merged buurt is drawn as part of
    a buurt of its own class, large or the largest of a group of small ones that border each
    other; the merged polygons cover what the buurten covered (no holes)."""
    lazy = LazyTiles(_rows(dordrecht), merge_below=1.0)
    geometries = lazy._mercator
    unit = 2 * math.pi * 6378137.0 / 2**6 / EXTENT
    found = borders(geometries, (8 * unit) ** 2)
    classes = [
        ("value", f"#{k % 3}") if k % 5 else ("hidden", None) for k in range(len(geometries))
    ]
    targets = merge_targets(found, classes)
    merged = np.flatnonzero(targets != np.arange(len(targets)))
    assert len(merged) > 10
    assert all(classes[int(targets[i])] == classes[i] for i in merged)
    assert found.small[merged].all()
    into_small = found.small[targets[merged]]
    assert 0 < into_small.sum() < len(merged)
    for i in merged[into_small]:  # the largest of its group, which has no large neighbour
        assert targets[targets[i]] == targets[i]
        assert found.area[targets[i]] >= found.area[i]
    unions = merged_geometries(geometries, targets)
    kept = [unions.get(i, g) for i, g in enumerate(geometries) if targets[i] == i]
    before, after = shapely.union_all(geometries), shapely.union_all(kept)
    assert shapely.symmetric_difference(before, after).area < 1e-6 * before.area


def test_merge_targets_without_small_or_without_a_neighbour_of_the_class() -> None:
    big, beside = shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)
    crumb, crumb2 = shapely.box(10, 0, 10.5, 0.5), shapely.box(10.5, 0, 11, 0.5)
    assert list(merge_targets(borders(np.array([big, beside]), 1.0), ["a", "b"])) == [0, 1]
    lone = borders(np.array([big, crumb]), 1.0)
    assert list(merge_targets(lone, ["a", "b"])) == [0, 1]  # no neighbour of its class: stays
    assert list(merge_targets(lone, ["a", "a"])) == [0, 0]
    pair = borders(np.array([crumb, crumb2]), 1.0)  # only small ones: together, or not at all
    assert list(merge_targets(pair, ["a", "a"])) == [0, 0]
    assert list(merge_targets(pair, ["a", "b"])) == [0, 1]
