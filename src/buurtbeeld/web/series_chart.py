"""A small server-rendered SVG line chart of one region's series (no JavaScript).

Accessible: the SVG is an image with a Dutch title and description holding every figure;
the page shows the same figures in a table next to it. A period without a published figure
is a gap in the line, marked on the axis with "verborgen" or "ontbreekt", never drawn as 0.
The line breaks where the division changes (``Series.segments``).
"""

from __future__ import annotations

from html import escape

from markupsafe import Markup

from buurtbeeld.analysis.timeseries import Series
from buurtbeeld.store.cube import STATUS_LABELS
from buurtbeeld.web.format import format_cell, format_number

WIDTH, HEIGHT = 360, 150
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 12, 34
LINE = "#1f4e8c"  # 8.6:1 on white
GAP = "#595959"  # 7:1 on white


def _scale(series: Series) -> tuple[float, float]:
    values = [p.value for p in series.points if p.value is not None]
    if not values:  # every period hidden: only gaps, on an unlabelled scale
        return 0.0, 1.0
    low, high = min(values), max(values)
    if high == low:
        pad = abs(high) * 0.1 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.15
    return low - pad, high + pad


def describe(series: Series) -> str:
    """Every period in words, for the chart's description."""
    parts = []
    for p in series.points:
        text = format_cell(p.cell, series.indicator)
        if p.value is not None and series.indicator.unit_label:
            text += f" {series.indicator.unit_label}"
        parts.append(f"{p.period}: {text}")
    return "; ".join(parts) + "."


def line_chart(series: Series, chart_id: str) -> Markup:
    """The SVG markup of ``series`` (ids derived from ``chart_id``)."""
    n = len(series.points)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    low, high = _scale(series)

    def x(i: int) -> float:
        return LEFT + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return TOP + plot_h * (1 - (v - low) / (high - low))

    index = {p.period: i for i, p in enumerate(series.points)}
    title = f"{series.indicator.label}, {series.region.name}, per periode"
    out = [
        f'<svg class="bb-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" '
        f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(describe(series))}</desc>',
    ]
    decimals = series.indicator.decimals
    labelled = any(p.value is not None for p in series.points)
    for v in (low + (high - low) * f for f in (0.1, 0.5, 0.9) if labelled):
        out.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            'stroke="#d0d0d0" stroke-width="1"/>'
            f'<text x="{LEFT - 6}" y="{y(v) + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#333">{escape(format_number(v, decimals))}</text>'
        )
    out.append(
        f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" '
        'stroke="#333" stroke-width="1"/>'
    )
    for segment in series.segments:
        coords = " ".join(f"{x(index[p.period]):.1f},{y(p.value or 0):.1f}" for p in segment)
        if len(segment) > 1:
            out.append(
                f'<polyline class="bb-chart-line" points="{coords}" fill="none" stroke="{LINE}" '
                'stroke-width="2.5"/>'
            )
        for p in segment:
            out.append(
                f'<circle class="bb-chart-point" data-periode="{escape(p.period)}" '
                f'cx="{x(index[p.period]):.1f}" cy="{y(p.value or 0):.1f}" r="4" fill="{LINE}"/>'
            )
    for i, p in enumerate(series.points):
        out.append(
            f'<text x="{x(i):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="middle" '
            f'font-size="11" fill="#333">{escape(p.period)}</text>'
        )
        if p.value is None:
            out.append(
                f'<g class="bb-chart-gap" data-periode="{escape(p.period)}">'
                f'<line x1="{x(i):.1f}" x2="{x(i):.1f}" y1="{TOP}" y2="{TOP + plot_h}" '
                f'stroke="{GAP}" stroke-width="1" stroke-dasharray="3 3"/>'
                f'<text x="{x(i):.1f}" y="{TOP + plot_h / 2:.1f}" text-anchor="middle" '
                f'font-size="11" fill="{GAP}">{escape(STATUS_LABELS[p.cell.status])}</text></g>'
            )
    out.append("</svg>")
    return Markup("".join(out))  # every text above is escaped
