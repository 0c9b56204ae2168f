"""Vector tiles (Mapbox Vector Tile 2.1) of region polygons, for the national map.

MapLibre draws 13,594 buurt polygons from GeoJSON only after tiling them in its worker (about a
second on this project's machine); tiles built here once per served workspace are drawn at
once. Tiles carry only what is public anyway — the polygon, its code and name — never a figure:
the page joins the figures (of the visitor's role) on the code in the browser.

Per zoom level each polygon is simplified to half a pixel (as MapLibre's own GeoJSON tiling
does; GEOS coverage simplification keeps every junction of neighbours and so twice the
vertices, which the browser pays for), clipped per tile with a small buffer and encoded by the
minimal protobuf writer below (no dependency for a fixed, small schema). A tile is built when
first asked for and kept gzip-compressed, as it is served.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import math
import struct
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass

import numpy as np
import shapely

from buurtbeeld.geo.tile_merge import Adjacency, MergedView, merged_view

EXTENT = 4096
BUFFER = 64  # tile units beyond the edge, so outlines do not show seams
EARTH = 6378137.0
HALF = math.pi * EARTH  # half the width of the Web Mercator square
LAYER = "gebieden"
MIN_ZOOM = 0
TOLERANCE = 4.0  # tile units: half a pixel of a 512-pixel tile (8 units)
MAX_ZOOM = 10  # 10 m per tile unit at zoom 10: MapLibre overzooms beyond, finer than the data
FIGURE_TILES = 64  # tiles with figures kept per tileset (16 views of the national map's 4 tiles)
PIXEL = EXTENT / 512  # tile units per pixel of a 512-pixel tile, as MapLibre draws vector tiles
MERGE_MAX_ZOOM = 7  # national zoom levels: small regions drawn as part of a same-class neighbour
MERGED_VIEWS = 8  # (view, zoom level) geometries with small regions merged, kept per tileset

Figure = tuple[str, str | None, float | None]
"""What a tile with figures carries per region: status, class colour and published value."""


@dataclass(frozen=True)
class Tileset:
    """Encoded tiles by ``(z, x, y)``; tiles without polygons are absent."""

    tiles: dict[tuple[int, int, int], bytes]
    bounds: tuple[float, float, float, float]
    min_zoom: int = MIN_ZOOM
    max_zoom: int = MAX_ZOOM

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The tile's gzip-compressed bytes, or ``None`` when it holds no polygon."""
        return self.tiles.get((z, x, y))


# --- protobuf --------------------------------------------------------------------------------
@functools.lru_cache(maxsize=65536)
def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


# --- geometry ----------------------------------------------------------------------------------
def _to_mercator(geometries: np.ndarray) -> np.ndarray:
    def project(coords: np.ndarray) -> np.ndarray:
        lon = np.radians(coords[:, 0])
        lat = np.radians(np.clip(coords[:, 1], -85.05, 85.05))
        return np.column_stack((EARTH * lon, EARTH * np.log(np.tan(np.pi / 4 + lat / 2))))

    return np.asarray(shapely.transform(geometries, project))


def _varints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Protobuf varint bytes of non-negative integers (< 2**35), and where each value's bytes end."""
    values = values.astype(np.uint64)
    lengths = np.ones(len(values), dtype=np.int64)
    for shift in (7, 14, 21, 28):
        lengths += values >= (1 << shift)
    ends = np.cumsum(lengths)
    out = np.empty(int(ends[-1]) if len(ends) else 0, dtype=np.uint8)
    starts = ends - lengths
    for k in range(5):
        has = lengths > k
        byte = (values[has] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = (lengths[has] > k + 1).astype(np.uint64) << np.uint64(7)
        out[starts[has] + k] = (byte | more).astype(np.uint8)
    return out, ends


def _geometry_streams(
    geometries: np.ndarray, origin: tuple[float, float], scale: float
) -> dict[int, bytes]:
    """Encoded MVT command streams of (multi)polygons in tile units, by position in ``geometries``.

    Exterior rings come out with a positive surveyor's area in tile units (MVT 2.1 §4.3.4.4:
    clockwise in Mercator, where y points up); rings that collapse to fewer than three points on the tile grid are dropped, and with
    an exterior its holes (the polygon is smaller than the grid can show).
    """
    oriented = shapely.orient_polygons(geometries, exterior_cw=True)
    parts, part_feature = shapely.get_parts(oriented, return_index=True)
    polygons = shapely.get_type_id(parts) == 3  # clipping can leave lines or points: skip them
    parts, part_feature = parts[polygons], part_feature[polygons]
    if len(parts) == 0:
        return {}
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    first_ring = np.r_[True, ring_part[1:] != ring_part[:-1]]
    coords, point_ring = shapely.get_coordinates(rings, return_index=True)
    tile = np.empty((len(coords), 2), dtype=np.int64)
    tile[:, 0] = np.round((coords[:, 0] - origin[0]) * scale)
    tile[:, 1] = np.round((origin[1] - coords[:, 1]) * scale)
    ring_start = np.r_[True, point_ring[1:] != point_ring[:-1]]
    ring_last = np.r_[point_ring[1:] != point_ring[:-1], True]
    same = np.r_[False, np.all(tile[1:] == tile[:-1], axis=1)]
    keep = ~ring_last & ~(same & ~ring_start)  # drop the closing point and repeated points
    counts = np.bincount(point_ring[keep], minlength=len(rings))
    ring_ok = counts >= 3
    part_ok = np.zeros(len(parts), dtype=bool)
    part_ok[ring_part[first_ring]] = ring_ok[first_ring]
    ring_ok &= part_ok[ring_part]
    keep &= ring_ok[point_ring]
    tile, point_ring = tile[keep], point_ring[keep]
    if len(tile) == 0:
        return {}
    point_feature = part_feature[ring_part[point_ring]]
    feature_start = np.r_[True, point_feature[1:] != point_feature[:-1]]
    delta = np.diff(tile, axis=0, prepend=[[0, 0]])
    delta[feature_start] = tile[feature_start]  # each feature starts from (0, 0)
    zz = (delta << 1) ^ (delta >> 63)
    # Per ring: MoveTo(1) x y, LineTo(n-1) (x y)*, ClosePath.
    ring_ids = np.flatnonzero(ring_ok)
    n = counts[ring_ids]
    size = 2 * n + 3
    ring_offset = np.cumsum(size) - size
    stream = np.empty(int(size.sum()), dtype=np.int64)
    stream[ring_offset] = 9
    stream[ring_offset + 3] = 2 | ((n - 1) << 3)
    stream[ring_offset + size - 1] = 15
    position_in_ring = np.arange(len(tile)) - np.repeat(np.cumsum(n) - n, n)
    base = np.repeat(ring_offset, n)
    slot = base + 1 + 2 * position_in_ring + (position_in_ring > 0)
    stream[slot] = zz[:, 0]
    stream[slot + 1] = zz[:, 1]
    encoded, ends = _varints(stream)
    ring_feature = part_feature[ring_part[ring_ids]]
    ring_end_byte = ends[ring_offset + size - 1]
    ring_start_byte = np.r_[0, ring_end_byte[:-1]]
    out: dict[int, bytes] = {}
    raw = encoded.tobytes()
    boundaries = np.flatnonzero(np.r_[True, ring_feature[1:] != ring_feature[:-1], True])
    for a, b in itertools.pairwise(boundaries.tolist()):
        out[int(ring_feature[a])] = raw[int(ring_start_byte[a]) : int(ring_end_byte[b - 1])]
    return out


def _string(value: str) -> bytes:
    return _field(1, value.encode())


def _double(value: float) -> bytes:
    return b"\x19" + struct.pack("<d", value)  # field 3 (double_value), wire type 1


def _encode_tile(
    features: list[tuple[int, list[int], bytes]], keys: list[str], values: list[bytes]
) -> bytes:
    """One layer of features ``(id, tags, geometry stream)``; ``tags`` alternate key and value
    indexes into ``keys`` and ``values`` (encoded Value messages)."""
    parts = [_varint(15 << 3), _varint(2), _field(1, LAYER.encode())]
    for fid, tags, geometry in features:
        feature = b"".join(
            (
                b"\x08",
                _varint(fid),
                _field(2, b"".join(_varint(t) for t in tags)),
                b"\x18\x03",
                _field(4, geometry),
            )
        )
        parts.append(_field(2, feature))
    parts += [_field(3, key.encode()) for key in keys]
    parts += [_field(4, value) for value in values]
    parts.append(_varint(5 << 3) + _varint(EXTENT))
    return _field(3, b"".join(parts))


def _gzip(
    features: list[tuple[int, list[int], bytes]], keys: list[str], values: list[bytes]
) -> bytes | None:
    if not features:
        return None
    return gzip.compress(_encode_tile(features, keys, values), compresslevel=6, mtime=0)


class LazyTiles:
    """Tiles of ``(code, name, GeoJSON geometry text in WGS84)`` rows, each built when first
    asked for and kept (thread-safe): the national view needs 4 tiles of one zoom level, built
    in about a second, not the 155 tiles of all levels (10–30 s on a loaded 2-core machine)."""

    def __init__(self, rows: list[tuple[str, str, str]], *, merge_below: float = 0.0) -> None:
        """``merge_below``: in tiles with figures up to zoom :data:`MERGE_MAX_ZOOM`, a polygon
        smaller than this many pixels is drawn as part of a neighbour that the map draws alike
        (the same status and colour; 0: never; ``geo/tile_merge.py``)."""
        self._merge_below = merge_below
        self._codes = [r[0] for r in rows]
        self._names = [r[1] for r in rows]
        wgs84 = shapely.from_geojson([r[2] for r in rows]) if rows else np.array([])
        self.bounds = tuple(float(b) for b in shapely.total_bounds(wgs84)) if rows else (0.0,) * 4
        self._mercator = shapely.make_valid(_to_mercator(wgs84)) if rows else wgs84
        self._zooms: dict[int, tuple[np.ndarray, shapely.STRtree]] = {}
        self._geometry: dict[tuple[int, int, int], list[tuple[int, bytes]]] = {}
        self._tiles: dict[tuple[int, int, int], bytes | None] = {}
        self._with_figures: OrderedDict[Hashable, bytes | None] = OrderedDict()
        self._adjacency: Adjacency | None = None
        self._merged: OrderedDict[Hashable, MergedView] = OrderedDict()
        self._lock = threading.Lock()

    def tile_range(self, z: int) -> tuple[range, range]:
        """The columns and rows of zoom ``z`` that the polygons' bounding box touches."""
        size = 2 * HALF / 2**z
        if not self._codes:
            return range(0), range(0)
        x0, y0, x1, y1 = shapely.total_bounds(self._mercator)
        return (
            range(int((x0 + HALF) // size), int((x1 + HALF) // size) + 1),
            range(int((HALF - y1) // size), int((HALF - y0) // size) + 1),
        )

    def tile(self, z: int, x: int, y: int) -> bytes | None:
        """The gzip-compressed tile, or ``None`` when it holds no polygon."""
        if not 0 <= z <= 16 or not self._codes:  # MapLibre asks up to MAX_ZOOM, overzooms beyond
            return None
        with self._lock:
            if (z, x, y) not in self._tiles:
                features = []
                values: list[bytes] = []
                for index, stream in self._features(z, x, y):
                    features.append((index + 1, [0, len(values), 1, len(values) + 1], stream))
                    values += [_string(self._codes[index]), _string(self._names[index])]
                self._tiles[(z, x, y)] = _gzip(features, ["code", "naam"], values)
            return self._tiles[(z, x, y)]

    def tile_with_figures(
        self, z: int, x: int, y: int, view: Hashable, figures: Callable[[], Mapping[str, Figure]]
    ) -> bytes | None:
        """The gzip-compressed tile whose features also carry ``status``, ``kleur`` and
        ``waarde`` from ``figures()`` (by code; ``None`` leaves the key out: MapLibre reads
        null), or ``None`` when it holds no polygon.

        The map draws straight from these properties: joining 13,594 figures in the browser
        took ``match`` expressions that MapLibre parses in every worker, most of the national
        map's time on this project's machine. Kept per ``view`` (the caller's key of
        ``figures``) for the :data:`FIGURE_TILES` most recently asked tiles. Up to zoom
        :data:`MERGE_MAX_ZOOM` a polygon below ``merge_below`` pixels may be drawn as part of
        a neighbour with the same status and colour in ``figures`` (its feature is left out).
        """
        if not 0 <= z <= 16 or not self._codes:
            return None
        key = (view, z, x, y)
        with self._lock:
            if key in self._with_figures:
                self._with_figures.move_to_end(key)
                return self._with_figures[key]
            values: list[bytes] = []
            shared: dict[tuple[str, object], int] = {}  # statuses and colours repeat

            def value(item: tuple[str, object], encoded: bytes) -> int:
                if item not in shared:
                    shared[item] = len(values)
                    values.append(encoded)
                return shared[item]

            by_code = figures()
            features = []
            if self._merge_below and z <= MERGE_MAX_ZOOM:
                shown = self._merged_features(z, x, y, view, by_code)
            else:
                shown = self._features(z, x, y)
            for index, stream in shown:
                code = self._codes[index]
                tags = [0, len(values), 1, len(values) + 1]
                values += [_string(code), _string(self._names[index])]
                status, colour, number = by_code.get(code, (None, None, None))
                if status is not None:
                    tags += [2, value(("s", status), _string(status))]
                if colour is not None:
                    tags += [3, value(("k", colour), _string(colour))]
                if number is not None:
                    tags += [4, value(("w", number), _double(float(number)))]
                features.append((index + 1, tags, stream))
            body = _gzip(features, ["code", "naam", "status", "kleur", "waarde"], values)
            self._with_figures[key] = body
            while len(self._with_figures) > FIGURE_TILES:
                self._with_figures.popitem(last=False)
            return body

    def _zoom(self, z: int) -> tuple[np.ndarray, shapely.STRtree]:
        """The polygons simplified for zoom ``z`` and their tree, kept (lock held)."""
        if z not in self._zooms:
            simplified = shapely.simplify(self._mercator, 2 * HALF / 2**z / EXTENT * TOLERANCE)
            self._zooms[z] = (simplified, shapely.STRtree(simplified))
        return self._zooms[z]

    def _features(self, z: int, tx: int, ty: int) -> list[tuple[int, bytes]]:
        """``(row index, geometry stream)`` of the polygons in a tile, kept (lock held)."""
        if (z, tx, ty) not in self._geometry:
            simplified, tree = self._zoom(z)
            hits = tree.query(shapely.box(*_tile_box(z, tx, ty)))
            self._geometry[(z, tx, ty)] = _clip_and_encode(simplified, hits, z, tx, ty)
        return self._geometry[(z, tx, ty)]

    def _merged_features(
        self, z: int, tx: int, ty: int, view: Hashable, by_code: Mapping[str, Figure]
    ) -> list[tuple[int, bytes]]:
        """As :meth:`_features`, with the small polygons of zoom ``z`` merged into a neighbour
        of the same status and colour in ``view`` (``geo/tile_merge.py``; lock held). Only
        the merged polygons are clipped and encoded anew; the others come from the tile's
        geometry shared by all views."""
        key = (view, z)
        if key in self._merged:
            self._merged.move_to_end(key)
        else:
            unit = 2 * HALF / 2**z / EXTENT
            if self._adjacency is None:
                self._adjacency = Adjacency(self._mercator)
            found = self._adjacency.borders(self._merge_below * (PIXEL * unit) ** 2)
            classes = [by_code.get(code, (None, None, None))[:2] for code in self._codes]
            self._merged[key] = merged_view(self._mercator, found, classes, unit * TOLERANCE)
            while len(self._merged) > MERGED_VIEWS:
                self._merged.popitem(last=False)
        merged = self._merged[key]
        hits = self._zoom(z)[1].query(shapely.box(*_tile_box(z, tx, ty)))
        kept = [(i, stream) for i, stream in self._features(z, tx, ty) if not merged.redrawn[i]]
        redo = np.unique(merged.targets[hits])
        redo = redo[merged.redrawn[redo] & (merged.targets[redo] == redo)]
        return sorted(kept + _clip_and_encode(merged.geometries, redo, z, tx, ty))


def _tile_box(z: int, tx: int, ty: int) -> tuple[float, float, float, float]:
    """The Mercator box of tile ``(z, tx, ty)`` with its :data:`BUFFER`."""
    size = 2 * HALF / 2**z  # metres per tile
    left, top = tx * size - HALF, HALF - ty * size
    pad = BUFFER * size / EXTENT
    return (left - pad, top - size - pad, left + size + pad, top + pad)


def _clip_and_encode(
    geometries: np.ndarray, hits: np.ndarray, z: int, tx: int, ty: int
) -> list[tuple[int, bytes]]:
    """``(index, geometry stream)`` of ``geometries[hits]`` clipped to tile ``(z, tx, ty)``."""
    if not len(hits):
        return []
    size = 2 * HALF / 2**z  # metres per tile
    clipped = shapely.clip_by_rect(geometries[hits], *_tile_box(z, tx, ty))
    streams = _geometry_streams(clipped, (tx * size - HALF, HALF - ty * size), EXTENT / size)
    return [(int(hits[position]), stream) for position, stream in streams.items()]


def build_tileset(
    rows: list[tuple[str, str, str]], *, min_zoom: int = MIN_ZOOM, max_zoom: int = MAX_ZOOM
) -> Tileset:
    """All tiles of ``rows`` from ``min_zoom`` to ``max_zoom`` at once."""
    lazy = LazyTiles(rows)
    tiles: dict[tuple[int, int, int], bytes] = {}
    for z in range(min_zoom, max_zoom + 1):
        columns, tile_rows = lazy.tile_range(z)
        for x in columns:
            for y in tile_rows:
                tile = lazy.tile(z, x, y)
                if tile is not None:
                    tiles[(z, x, y)] = tile
    west, south, east, north = lazy.bounds
    return Tileset(tiles, (west, south, east, north), min_zoom, max_zoom)
