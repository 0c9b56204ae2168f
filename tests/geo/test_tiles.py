"""Vector tiles of region polygons (geo/tiles.py), decoded by an independent reader below."""

from __future__ import annotations

import gzip
import math

import geopandas as gpd
import pytest
import shapely

from buurtbeeld.geo.boundaries import DATA_DIR
from buurtbeeld.geo.tiles import EXTENT, LazyTiles, build_tileset


def _fields(data: bytes) -> list[tuple[int, int | bytes]]:
    """(field number, value) of a protobuf message: varints as int, length-delimited as bytes."""
    out: list[tuple[int, int | bytes]] = []
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


def _decode(tile: bytes) -> tuple[str, int, list[dict[str, object]]]:
    """Layer name, extent and features (properties and rings in tile units) of a gzip'd MVT."""
    (layer_field,) = _fields(gzip.decompress(tile))
    assert layer_field[0] == 3
    layer = _fields(layer_field[1])  # type: ignore[arg-type]
    name = next(v for n, v in layer if n == 1).decode()  # type: ignore[union-attr]
    extent = next(v for n, v in layer if n == 5)
    keys = [v.decode() for n, v in layer if n == 3]  # type: ignore[union-attr]
    values = [_fields(v)[0][1].decode() for n, v in layer if n == 4]  # type: ignore[union-attr,arg-type]
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
