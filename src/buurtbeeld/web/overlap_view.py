"""Presentation of the stapeling of provisions: legend, GeoJSON, CSV and the UpSet-style chart.

Only published cells and figures derived from them (:mod:`buurtbeeld.analysis.overlap`) reach
this module; a hidden figure has no value here, so it cannot reach a page, the API or a CSV.
"""

from __future__ import annotations

import csv
import io
import json
from html import escape

from buurtbeeld.analysis.classify import Legend, make_legend
from buurtbeeld.analysis.overlap import (
    DENOMINATOR_SOURCE,
    UNIT_LABELS,
    UNITS,
    AreaOverlap,
    Figure,
    OverlapView,
    UnitOverlap,
)
from buurtbeeld.catalog.models import Derivation, Indicator, Polarity
from buurtbeeld.web.format import csv_safe, format_number, format_plain

STATUS_WORDS = {"value": "waarde", "hidden": "verborgen", "missing": "ontbreekt"}
BAR_COLOUR = "#1a4f8b"


def share_indicator(k: int) -> Indicator:
    """The map's figure: households with ``k`` or more provisions per 100 households."""
    return Indicator(
        id=f"stapeling_{k}_plus_pct",
        name=f"Huishoudens met {k} of meer voorzieningen",
        definition=f"Huishoudens met {k} of meer van de gekoppelde voorzieningen, als "
        "percentage van alle particuliere huishoudens (CBS).",
        unit="procent",
        decimals=1,
        polarity=Polarity.HIGHER_IS_WORSE,
        theme="stapeling",
        derived=Derivation(numerator="stapeling", denominator="huishoudens", factor=100),
        source_label="koppelpartij en CBS",
    )


def share_legend(rows: list[AreaOverlap], k: int) -> Legend:
    """Quantile classes over the published shares of the areas shown."""
    values = [r.shares[k].value for r in rows if k in r.shares and r.shares[k].value is not None]
    return make_legend(share_indicator(k), [v for v in values if v is not None])


def figure_text(figure: Figure, decimals: int = 0, suffix: str = "") -> str:
    """A figure as a table shows it: the number, or the status word."""
    if figure.value is None:
        return STATUS_WORDS[figure.status]
    return format_number(figure.value, decimals) + suffix


def share_geojson(
    rows: list[AreaOverlap], k: int, legend: Legend, geometries: dict[str, str]
) -> str:
    """FeatureCollection of the share of households with ``k`` or more provisions per area."""
    parts = []
    for row in rows:
        geometry = geometries.get(row.region.code)
        if geometry is None:
            continue
        figure = row.shares.get(k, Figure(None, "missing"))
        props = {
            "code": row.region.code,
            "naam": row.region.name,
            "waarde": None if figure.value is None else round(figure.value, 4),
            "status": figure.status,
            "kleur": legend.colour_of(figure.value),
        }
        parts.append(
            f'{{"type":"Feature","geometry":{geometry},"properties":'
            f"{json.dumps(props, ensure_ascii=False)}}}"
        )
    missing = json.dumps([r.region.code for r in rows if r.region.code not in geometries])
    return (
        '{"type":"FeatureCollection","zonder_grens":'
        + missing
        + ',"features":['
        + ",".join(parts)
        + "]}"
    )


def overlap_csv(view: OverlapView, areas: list[AreaOverlap]) -> str:
    """Every figure of every area as CSV (semicolons, Dutch words, source and period per row)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "regiocode",
            "naam",
            "niveau",
            "periode",
            "eenheid",
            "figuur",
            "waarde",
            "status",
            "toelichting",
            "bron",
        ]
    )
    source = f"Bron: {view.chosen.source}; voorzieningen: {_partners(view)}"
    share_source = (
        f"{source}; noemer: huishoudens, {DENOMINATOR_SOURCE} {view.denominator_period or '-'}"
    )

    def row(area: AreaOverlap, unit: str, what: str, figure: Figure, decimals: int = 0) -> None:
        writer.writerow(
            [
                csv_safe(area.region.code),
                csv_safe(area.region.name),
                area.region.level,
                csv_safe(view.chosen.period),
                unit,
                csv_safe(what),
                format_plain(figure.value, decimals),
                STATUS_WORDS[figure.status],
                csv_safe(figure.note),
                csv_safe(share_source if unit == "huishoudens_procent" else source),
            ]
        )

    for area in areas:
        for unit in UNITS:
            u = area.units[unit]
            for k, figure in u.at_least.items():
                row(area, unit, f"{k} of meer voorzieningen", figure)
            for c in u.combinations:
                row(area, unit, "precies " + c.label, c.figure)
            for label, figure in u.cbs or []:
                row(area, unit, f"CBS 85637NED: {label}", figure)
        for k, figure in area.shares.items():
            row(area, "huishoudens_procent", f"{k} of meer voorzieningen", figure, 1)
    return "\ufeff" + out.getvalue()


def _partners(view: OverlapView) -> str:
    return ", ".join(p.title for p in view.provisions)


def upset_svg(unit: UnitOverlap, names: list[str], titles: dict[str, str], chart_id: str) -> str:
    """An UpSet-style chart of the exclusive combinations: a dot matrix and a bar per row.

    Server-rendered SVG (no script), sorted by count; a hidden combination gets a hatched
    stub and the word "verborgen", never a length. The table beside it has the same numbers.
    """
    rows = sorted(
        unit.combinations,
        key=lambda c: (c.figure.value is None, -(c.figure.value or 0), len(c.names)),
    )
    top = max((c.figure.value or 0 for c in rows), default=0) or 1
    col, row_h, head = 28, 26, 88
    matrix_w = col * len(names) + 12
    bar_w = 360
    width, height = matrix_w + bar_w + 90, head + row_h * len(rows) + 8
    out = [
        f'<svg class="bb-upset" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-labelledby="{chart_id}-titel">',
        f'<title id="{chart_id}-titel">{escape(UNIT_LABELS[unit.unit])} per combinatie van '
        "voorzieningen (de tabel eronder bevat dezelfde cijfers)</title>",
        f'<defs><pattern id="{chart_id}-arcering" width="6" height="6" '
        'patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
        '<rect width="6" height="6" fill="#ffffff"/><rect width="2.5" height="6" fill="#6e6e6e"/>'
        "</pattern></defs>",
    ]
    for i, name in enumerate(names):
        x = 12 + i * col + col / 2
        out.append(
            f'<text x="{x}" y="{head - 8}" transform="rotate(-50 {x} {head - 8})" '
            f'font-size="12" fill="#1f1f1f">{escape(titles[name])}</text>'
        )
    for r, c in enumerate(rows):
        y = head + r * row_h
        cy = y + row_h / 2
        if r % 2 == 0:
            out.append(f'<rect x="0" y="{y}" width="{width}" height="{row_h}" fill="#f3f3f3"/>')
        used = [i for i, n in enumerate(names) if n in c.names]
        if len(used) > 1:
            x1, x2 = (12 + i * col + col / 2 for i in (used[0], used[-1]))
            out.append(
                f'<line x1="{x1}" y1="{cy}" x2="{x2}" y2="{cy}" stroke="#1f1f1f" stroke-width="2"/>'
            )
        for i, name in enumerate(names):
            fill = "#1f1f1f" if name in c.names else "#d0d0d0"
            out.append(f'<circle cx="{12 + i * col + col / 2}" cy="{cy}" r="6" fill="{fill}"/>')
        x0 = matrix_w + 8
        if c.figure.value is None:
            out.append(
                f'<rect x="{x0}" y="{y + 5}" width="40" height="{row_h - 10}" '
                f'fill="url(#{chart_id}-arcering)" stroke="#6e6e6e"/>'
                f'<text x="{x0 + 48}" y="{cy + 4}" font-size="12" fill="#1f1f1f">'
                f"{STATUS_WORDS[c.figure.status]}</text>"
            )
        else:
            w = max(1.0, bar_w * c.figure.value / top) if c.figure.value else 0
            out.append(
                f'<rect x="{x0}" y="{y + 5}" width="{w:.1f}" height="{row_h - 10}" '
                f'fill="{BAR_COLOUR}"/><text x="{x0 + w + 6:.1f}" y="{cy + 4}" font-size="12" '
                f'fill="#1f1f1f">{format_number(c.figure.value)}</text>'
            )
    out.append("</svg>")
    return "".join(out)
