"""The static SVG map of a report: hidden hatched, missing dotted, the region outlined."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from buurtbeeld.export.report_svg import HIDDEN_FILL, MISSING_FILL, Shape, map_svg

SQUARE = (
    '{"type":"Polygon","coordinates":[[[4.0,51.0],[4.1,51.0],[4.1,51.1],[4.0,51.1],[4.0,51.0]]]}'
)
EAST = '{"type":"MultiPolygon","coordinates":[[[[4.1,51.0],[4.2,51.0],[4.2,51.1],[4.1,51.0]]]]}'
NS = {"s": "http://www.w3.org/2000/svg"}


def test_statuses_have_their_own_fill_and_the_region_is_outlined() -> None:
    svg = map_svg(
        [
            Shape("BU01", "Oost & West", SQUARE, "#fdd49e", "value", highlight=True),
            Shape("BU02", "Verborgen", EAST, "#fdd49e", "hidden"),
            Shape("BU03", "Leeg", SQUARE, None, "missing"),
        ],
        title="Kaart <test>",
    )
    root = ET.fromstring(svg)  # well-formed, names escaped
    fills = {
        p.get("data-code"): p.get("fill") for p in root.findall("s:path", NS) if p.get("data-code")
    }
    assert fills == {"BU01": "#fdd49e", "BU02": HIDDEN_FILL, "BU03": MISSING_FILL}
    assert [
        p.get("data-gemarkeerd") for p in root.findall("s:path", NS) if p.get("data-gemarkeerd")
    ] == ["BU01"]
    assert root.find("s:title", NS).text == "Kaart <test>"  # type: ignore[union-attr]
    # the x axis is scaled by cos(latitude): 0.2° of longitude at 51° is narrower than 0.1° × 2
    width, height = (float(v) for v in root.get("viewBox", "").split()[2:])
    assert 1.1 < width / height < 1.4


def test_no_polygon_no_map() -> None:
    assert map_svg([], title="x") == ""
    assert (
        map_svg(
            [Shape("BU1", "a", '{"type":"Point","coordinates":[4,51]}', None, "value")], title="x"
        )
        == ""
    )


def test_coordinates_stay_inside_the_view_box() -> None:
    svg = map_svg([Shape("BU01", "a", SQUARE, "#000", "value")], title="x")
    numbers = [float(n) for n in re.findall(r"[ML]([\d.]+) ([\d.]+)", svg)[0]]
    view = [float(v) for v in re.search(r'viewBox="([^"]+)"', svg).group(1).split()]  # type: ignore[union-attr]
    assert all(0 <= n <= max(view) for n in numbers)
