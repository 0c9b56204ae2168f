"""Presentation of the stapelkaart: colours by share of what was judged, GeoJSON and CSV."""

from __future__ import annotations

import csv
import io
import json

from buurtbeeld.analysis.stacking import StackRow
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.web.format import csv_safe

DEFAULT_STACK = (
    "bijstand_per_1000",
    "huishoudens_laag_inkomen_pct",
    "jeugdzorg_pct",
    "wmo_per_1000",
    "ww_per_1000",
    "moeite_rondkomen_pct",
)
# Share of the judged indicators in the worst fifth, in sixths: 0, ≤1/6, …, ≤6/6
# (ColorBrewer YlOrRd 8 without its two lightest, 0 = white). A buurt judged on all of six
# indicators gets the colour of its count; "2 van 2 beoordeeld" gets the darkest, like "6 van 6",
# and is hatched when that is fewer than half of the chosen indicators. "0 van N" (white), the
# lightest class (contrast 1.36:1 to white, also in grey-scale) and "geen cijfers" (grey dots,
# kaart.mjs) stay apart (issue 13: they were 1.04:1 and identical in grey-scale).
STACK_COLOURS = ("#ffffff", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026")
STEPS = len(STACK_COLOURS) - 1
STACK_LEGEND = (
    (STACK_COLOURS[0], "geen"),
    (STACK_COLOURS[1], "meer dan 0 tot en met 17 %"),
    (STACK_COLOURS[2], "17 tot en met 33 %"),
    (STACK_COLOURS[3], "33 tot en met 50 %"),
    (STACK_COLOURS[4], "50 tot en met 67 %"),
    (STACK_COLOURS[5], "67 tot en met 83 %"),
    (STACK_COLOURS[6], "83 tot en met 100 %"),
)


def stack_colour(row: StackRow) -> str | None:
    """Colour of a buurt by the share of its judged indicators in the worst fifth (None: none judged)."""
    if not row.judged:
        return None
    return STACK_COLOURS[-(-row.count * STEPS // row.judged)]  # ceil(share × 6), in integers


def stack_properties(row: StackRow) -> dict[str, object]:
    """What the map, the API and the CSV say about one buurt."""
    return {
        "code": row.code,
        "naam": row.name,
        "aantal": row.count,
        "beoordeeld": row.judged,
        "gekozen": row.chosen,
        "aandeel": None if row.share is None else round(row.share, 4),
        "uitkomst": row.label,
        "onzeker": row.uncertain,
        "kleur": stack_colour(row),
        "status": "value" if row.judged else "missing",
    }


def stack_geojson(rows: list[StackRow], geometries: dict[str, str]) -> str:
    """FeatureCollection with count, judged, share, uncertainty and colour per buurt."""
    parts = []
    for row in rows:
        geometry = geometries.get(row.code)
        if geometry is None:
            continue
        props = json.dumps(stack_properties(row), ensure_ascii=False)
        parts.append(f'{{"type":"Feature","geometry":{geometry},"properties":{props}}}')
    # Foreign member (RFC 7946 §6.1): the buurten left off the map for want of a polygon.
    missing = json.dumps([row.code for row in rows if row.code not in geometries])
    return (
        '{"type":"FeatureCollection","zonder_grens":'
        + missing
        + ',"features":['
        + ",".join(parts)
        + "]}"
    )


def stack_csv(rows: list[StackRow], chosen: list[Indicator], reference: str) -> str:
    """The stapelkaart table as CSV (semicolons, Dutch words), in the page's order."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "regiocode",
            "naam",
            "aantal_ongunstigste_vijfde",
            "beoordeeld",
            "gekozen",
            "uitkomst",
            "weinig_beoordeeld",
            "referentie",
            *[i.id for i in chosen],
        ]
    )
    words = {True: "ja", False: "nee", None: "niet te beoordelen"}
    for row in rows:
        writer.writerow(
            [
                csv_safe(row.code),
                csv_safe(row.name),
                row.count,
                row.judged,
                row.chosen,
                row.label,
                "ja" if row.uncertain else "nee",
                reference,
                *[words[row.flags.get(i.id)] for i in chosen],
            ]
        )
    return "\ufeff" + out.getvalue()
