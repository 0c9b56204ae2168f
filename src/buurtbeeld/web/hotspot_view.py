"""Presentation of hotspots: classes, colours, GeoJSON and CSV (the same words everywhere)."""

from __future__ import annotations

import json

from buurtbeeld.analysis.hotspot_map import HotspotMap
from buurtbeeld.analysis.hotspots import REASONS, LocalResult
from buurtbeeld.web.downloads import csv_text
from buurtbeeld.web.format import csv_safe, format_plain

# ColorBrewer RdBu (colour-blind safe); the light shades are "p < alpha without correction":
# shown for orientation, never called a hotspot.
CLASSES: dict[str, dict[str, tuple[str, str]]] = {
    "gi": {
        "hoog": ("#b2182b", "hotspot: cluster van hoge waarden (significant na FDR-correctie)"),
        "hoog_ongecorrigeerd": (
            "#f4a582",
            "hoog, alleen zonder correctie (p < 0,05): geen hotspot",
        ),
        "geen": ("#f7f7f7", "geen cluster"),
        "laag_ongecorrigeerd": (
            "#92c5de",
            "laag, alleen zonder correctie (p < 0,05): geen coldspot",
        ),
        "laag": ("#2166ac", "coldspot: cluster van lage waarden (significant na FDR-correctie)"),
    },
    "moran": {
        "hoog-hoog": ("#b2182b", "hoog tussen hoge buren (significant na FDR-correctie)"),
        "hoog-laag": ("#f4a582", "hoog tussen lage buren: uitschieter (significant)"),
        "geen": ("#f7f7f7", "niet significant"),
        "laag-hoog": ("#92c5de", "laag tussen hoge buren: uitschieter (significant)"),
        "laag-laag": ("#2166ac", "laag tussen lage buren (significant na FDR-correctie)"),
    },
}
STATISTICS = {"gi": "Getis-Ord Gi*", "moran": "lokale Moran's I"}


def gi_class(row: LocalResult, alpha: float) -> str | None:
    """The Gi* class of a tested region (None: not tested)."""
    if row.gi_class is None or row.gi_z is None or row.gi_p is None:
        return None
    if row.gi_class != "geen":
        return row.gi_class
    if row.gi_p < alpha:
        return "hoog_ongecorrigeerd" if row.gi_z > 0 else "laag_ongecorrigeerd"
    return "geen"


def moran_class(row: LocalResult) -> str | None:
    """The local Moran class of a tested region (None: not tested)."""
    if row.moran_quadrant is None:
        return None
    return row.moran_quadrant if row.moran_significant else "geen"


def outcome(row: LocalResult, statistic: str, alpha: float) -> str:
    """Dutch words for one region on the chosen statistic."""
    if row.reason is not None:
        return "niet getoetst: " + REASONS[row.reason]
    kind = gi_class(row, alpha) if statistic == "gi" else moran_class(row)
    return CLASSES[statistic][kind or "geen"][1]


def properties(row: LocalResult, name: str, statistic: str, alpha: float) -> dict[str, object]:
    """What the map and the CSV say about one region (never a hidden figure)."""
    kind = gi_class(row, alpha) if statistic == "gi" else moran_class(row)
    status = "value" if row.tested else ("hidden" if row.reason == "verborgen" else "missing")
    return {
        "code": row.code,
        "naam": name,
        "status": status,
        "klasse": kind,
        "kleur": CLASSES[statistic][kind][0] if kind else None,
        "uitkomst": outcome(row, statistic, alpha),
    }


def hotspot_geojson(view: HotspotMap, geometries: dict[str, str], statistic: str) -> str:
    """FeatureCollection of the regions with a polygon; ``zonder_grens`` lists the others."""
    alpha = view.result.alpha
    parts = []
    for row in view.result.rows:
        geometry = geometries.get(row.code)
        if geometry is None:
            continue
        props = json.dumps(
            properties(row, view.names.get(row.code, row.code), statistic, alpha),
            ensure_ascii=False,
        )
        parts.append(f'{{"type":"Feature","geometry":{geometry},"properties":{props}}}')
    missing = json.dumps([r.code for r in view.result.rows if r.code not in geometries])
    return (
        '{"type":"FeatureCollection","zonder_grens":'
        + missing
        + ',"features":['
        + ",".join(parts)
        + "]}"
    )


def ranked(rows: list[LocalResult]) -> list[LocalResult]:
    """Highest Gi* first; regions that were not tested last, by code."""
    return sorted(rows, key=lambda r: (r.gi_z is None, -(r.gi_z or 0.0), r.code))


def hotspot_csv(view: HotspotMap, reference: str) -> str:
    """Every region with both statistics, in the page's order (semicolons, decimal commas)."""
    res = view.result
    d = view.indicator.decimals
    return csv_text(
        [
            "regiocode",
            "naam",
            "indicator",
            "periode",
            "waarde",
            "getoetst",
            "reden_niet_getoetst",
            "gi_z",
            "gi_p_tweezijdig",
            "gi_uitkomst",
            "moran_i",
            "moran_p_tweezijdig",
            "moran_kwadrant",
            "moran_significant",
            "fdr_niveau",
            "permutaties",
            "seed",
            "referentie",
        ],
        (
            [
                csv_safe(r.code),
                csv_safe(view.names.get(r.code, r.code)),
                view.indicator.id,
                view.period,
                format_plain(r.value, d),
                "ja" if r.tested else "nee",
                REASONS.get(r.reason or "", ""),
                format_plain(r.gi_z, 4),
                format_plain(r.gi_p, 4),
                outcome(r, "gi", res.alpha) if r.tested else "",
                format_plain(r.moran_i, 4),
                format_plain(r.moran_p, 4),
                r.moran_quadrant or "",
                "" if r.moran_significant is None else ("ja" if r.moran_significant else "nee"),
                format_plain(res.alpha, 2),
                res.permutations,
                res.seed,
                reference,
            ]
            for r in ranked(res.rows)
        ),
    )
