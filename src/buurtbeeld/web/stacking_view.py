"""Presentation constants and GeoJSON for the stapelkaart."""

from __future__ import annotations

import json

from buurtbeeld.analysis.stacking import StackRow

DEFAULT_STACK = (
    "bijstand_per_1000",
    "huishoudens_laag_inkomen_pct",
    "jeugdzorg_pct",
    "wmo_per_1000",
    "ww_per_1000",
    "moeite_rondkomen_pct",
)
# 0 … 6+ indicators in the worst fifth (ColorBrewer YlOrRd, 0 = white).
STACK_COLOURS = ("#ffffff", "#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#f03b20", "#bd0026")


def stack_colour(count: int) -> str:
    """Colour for a stacking count."""
    return STACK_COLOURS[min(count, len(STACK_COLOURS) - 1)]


def stack_geojson(rows: list[StackRow], geometries: dict[str, str]) -> str:
    """FeatureCollection with count, judged and colour per buurt."""
    parts = []
    for row in rows:
        geometry = geometries.get(row.code)
        if geometry is None:
            continue
        props = {
            "code": row.code,
            "naam": row.name,
            "aantal": row.count,
            "beoordeeld": row.judged,
            "kleur": stack_colour(row.count),
            "status": "value" if row.judged else "missing",
        }
        parts.append(
            f'{{"type":"Feature","geometry":{geometry},"properties":{json.dumps(props, ensure_ascii=False)}}}'
        )
    # Foreign member (RFC 7946 §6.1): the buurten left off the map for want of a polygon.
    missing = json.dumps([row.code for row in rows if row.code not in geometries])
    return (
        '{"type":"FeatureCollection","zonder_grens":'
        + missing
        + ',"features":['
        + ",".join(parts)
        + "]}"
    )
