"""A static map as SVG from the polygons the web map draws (no browser, no tiles).

Input is what a choropleth already holds: per region its GeoJSON geometry (WGS84 text), its
legend colour and its status. Hidden regions are hatched and regions without a figure dotted,
as on the web map, so the map stays readable in grey-scale print. The projection is a plain
equirectangular one scaled by cos(latitude) at the map's centre: for a gemeente or a province
the distortion is far below what a printed map shows.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from html import escape

Ring = Sequence[Sequence[float]]

HIDDEN_FILL = "url(#bb-verborgen)"
MISSING_FILL = "url(#bb-ontbreekt)"
STROKE = "#4d4d4d"


@dataclass(frozen=True)
class Shape:
    """One region on the static map."""

    code: str
    name: str
    geometry: str  # GeoJSON geometry text (Polygon or MultiPolygon), WGS84
    colour: str | None  # legend colour of a published figure
    status: str  # value | provisional | hidden | missing
    highlight: bool = False  # the region a buurt or wijk report is about


def _polygons(geometry: str) -> list[list[Ring]]:
    data = json.loads(geometry)
    if data.get("type") == "Polygon":
        return [data["coordinates"]]
    if data.get("type") == "MultiPolygon":
        return list(data["coordinates"])
    return []


def _bounds(polygons: Iterable[list[Ring]]) -> tuple[float, float, float, float] | None:
    xs: list[float] = []
    ys: list[float] = []
    for polygon in polygons:
        for point in polygon[0] if polygon else []:  # the outer ring bounds the polygon
            xs.append(point[0])
            ys.append(point[1])
    if not xs:
        return None
    return min(xs), min(ys), max(xs), max(ys)


def map_svg(shapes: Sequence[Shape], *, title: str, width: float = 170.0) -> str:
    """An SVG map of ``shapes`` (``width`` in mm; the height follows the area's shape).

    Returns an empty string when no shape has a polygon (the report then says so).
    """
    parsed = [(shape, _polygons(shape.geometry)) for shape in shapes]
    box = _bounds(p for _, polygons in parsed for p in polygons)
    if box is None:
        return ""
    min_x, min_y, max_x, max_y = box
    kx = math.cos(math.radians((min_y + max_y) / 2))
    span_x = max((max_x - min_x) * kx, 1e-9)
    span_y = max(max_y - min_y, 1e-9)
    view_w = 1000.0
    scale = view_w / span_x
    view_h = round(span_y * scale, 1)
    if view_h > 1400:  # a tall area: fit the height instead, keep the aspect ratio
        scale = 1400 / span_y
        view_h = 1400.0
        view_w = round(span_x * scale, 1)

    def ring_path(ring: Ring) -> str:
        points = [f"{(x - min_x) * kx * scale:.1f} {(max_y - y) * scale:.1f}" for x, y, *_ in ring]
        return "M" + "L".join(points) + "Z"

    paths = []
    outlines = []
    for shape, polygons in parsed:
        if not polygons:
            continue
        d = "".join(ring_path(ring) for polygon in polygons for ring in polygon)
        if shape.status == "hidden":
            fill = HIDDEN_FILL
        elif shape.status == "missing" or not shape.colour:
            fill = MISSING_FILL
        else:
            fill = shape.colour
        label = escape(f"{shape.name} ({shape.code})")
        paths.append(
            f'<path d="{d}" fill="{escape(fill)}" fill-rule="evenodd" stroke="{STROKE}" '
            f'stroke-width="0.8" data-code="{escape(shape.code)}"><title>{label}</title></path>'
        )
        if shape.highlight:
            outlines.append(
                f'<path d="{d}" fill="none" stroke="#000" stroke-width="5" '
                f'data-gemarkeerd="{escape(shape.code)}"/>'
            )
    height = width * view_h / view_w
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bb-rapport-kaart" role="img" '
        f'width="{width:.0f}mm" height="{height:.0f}mm" viewBox="0 0 {view_w:g} {view_h:g}">'
        f"<title>{escape(title)}</title>"
        "<defs>"
        '<pattern id="bb-verborgen" width="10" height="10" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="10" height="10" fill="#fff"/>'
        '<line x1="0" y1="0" x2="0" y2="10" stroke="#555" stroke-width="3"/></pattern>'
        '<pattern id="bb-ontbreekt" width="10" height="10" patternUnits="userSpaceOnUse">'
        '<rect width="10" height="10" fill="#f2f2f2"/>'
        '<circle cx="5" cy="5" r="1.4" fill="#777"/></pattern>'
        "</defs>" + "".join(paths) + "".join(outlines) + "</svg>"
    )
