"""What the risk-factor page shows: rows per factor, a forest plot (SVG) and the CSV.

Every number is one the source released (``risk_estimate``); nothing is computed here but its
Dutch wording. A withheld estimate is shown as withheld with the rule it failed.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from html import escape

from buurtbeeld.package_format.risk_estimates import RISK_RULES
from buurtbeeld.store.risk_estimates import RiskSet, StoredEstimate
from buurtbeeld.web.format import csv_safe, format_number, format_plain

WITHHELD = "achtergehouden"
KIND_LABELS = {
    "aandeel_uitkomst": "aandeel kinderen met de uitkomst",
    "prevalentie": "prevalentie (aandeel kinderen in een huishouden met de factor)",
    "rr_ruw": "relatief risico, ruw",
    "rr_gecorrigeerd": "relatief risico, gecorrigeerd voor de andere factoren",
    "toe_te_schrijven": "toe te schrijven deel (PAF)",
    "basisrisico": "risico zonder enige factor",
    "toe_te_schrijven_alle": "toe te schrijven deel van alle factoren samen",
}
SHARE_KINDS = ("aandeel_uitkomst", "prevalentie", "toe_te_schrijven", "basisrisico")


def reasons(estimate: StoredEstimate | None) -> str:
    """The Dutch reasons of a withheld estimate (``''`` when released)."""
    if estimate is None:
        return "niet geleverd"
    return "; ".join(RISK_RULES.get(code, code) for code in estimate.withheld)


def percent(estimate: StoredEstimate | None) -> str:
    """``12,4 %`` or :data:`WITHHELD`."""
    if estimate is None or estimate.value is None:
        return WITHHELD
    return f"{format_number(100 * estimate.value, 1)} %"


def ratio(estimate: StoredEstimate | None) -> str:
    """``1,55 (1,04–2,31)`` or :data:`WITHHELD`."""
    if estimate is None or estimate.value is None:
        return WITHHELD
    return (
        f"{format_number(estimate.value, 2)} "
        f"({format_number(estimate.low, 2)}–{format_number(estimate.high, 2)})"
    )


@dataclass(frozen=True)
class FactorRow:
    """One factor's estimates as the table shows them."""

    name: str
    title: str
    prevalence: StoredEstimate | None
    crude: StoredEstimate | None
    adjusted: StoredEstimate | None
    paf: StoredEstimate | None

    @property
    def withheld(self) -> list[tuple[str, str]]:
        """``(what, reasons)`` of every withheld estimate of this factor."""
        parts = [
            ("prevalentie", self.prevalence),
            ("relatief risico, ruw", self.crude),
            ("relatief risico, gecorrigeerd", self.adjusted),
        ]
        return [(what, reasons(e)) for what, e in parts if e is None or not e.released]


def factor_rows(risk: RiskSet) -> list[FactorRow]:
    """A row per factor, in the package's order."""
    return [
        FactorRow(
            name,
            title,
            risk.of("prevalentie", name),
            risk.of("rr_ruw", name),
            risk.of("rr_gecorrigeerd", name),
            risk.of("toe_te_schrijven", name),
        )
        for name, title in risk.factors
    ]


def forest_svg(rows: list[FactorRow], chart_id: str) -> str:
    """A forest plot of the adjusted relative risks with their 95 % intervals (log scale).

    The table beside it holds the same numbers; the SVG has a title and description, every
    point a ``<title>`` with its text, and withheld factors are named as withheld."""
    shown = [r for r in rows if r.adjusted is not None and r.adjusted.value is not None]
    bounds = [v for r in shown for v in (r.adjusted.low, r.adjusted.high) if v]  # type: ignore[union-attr]
    low = min([0.5, *bounds])
    high = max([2.0, *bounds])
    lo, hi = math.log(low), math.log(high)
    left, width, row_h, top = 190, 420, 28, 30
    height = top + row_h * len(rows) + 40

    def x(value: float) -> float:
        return left + (math.log(value) - lo) / (hi - lo) * width

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {left + width + 30} '
        f'{height}" width="{left + width + 30}" height="{height}" aria-labelledby="{chart_id}-titel {chart_id}-desc" class="bb-forest" '
        f'id="{chart_id}">',
        f'<title id="{chart_id}-titel">Gecorrigeerde relatieve risico\'s met 95 %-'
        "betrouwbaarheidsinterval</title>",
        f'<desc id="{chart_id}-desc">Per factor een punt (het relatieve risico) en een lijn (het '
        "interval), op een logaritmische schaal; de verticale lijn is 1 (geen verschil). De "
        "tabel hieronder bevat dezelfde getallen.</desc>",
    ]
    one = x(1.0)
    parts.append(
        f'<line x1="{one:.1f}" y1="{top - 10}" x2="{one:.1f}" y2="{height - 30}" '
        'stroke="#1d1d1b" stroke-dasharray="4 3"/>'
    )
    for tick in (0.5, 1, 2, 4, 8, 16):
        if low <= tick <= high:
            parts.append(
                f'<text x="{x(tick):.1f}" y="{height - 12}" text-anchor="middle" '
                f'font-size="12" fill="#1d1d1b">{format_number(tick, 1 if tick < 1 else 0)}</text>'
            )
    for i, row in enumerate(rows):
        y = top + i * row_h + row_h / 2
        parts.append(
            f'<text x="{left - 10}" y="{y + 4:.1f}" text-anchor="end" font-size="13" '
            f'fill="#1d1d1b">{escape(row.title)}</text>'
        )
        est = row.adjusted
        if est is None or est.value is None or est.low is None or est.high is None:
            parts.append(
                f'<text x="{left + 6}" y="{y + 4:.1f}" font-size="12" fill="#1d1d1b" '
                f'font-style="italic">{WITHHELD}</text>'
            )
            continue
        label = escape(f"{row.title}: {ratio(est)}")
        parts.append(
            f'<g><title>{label}</title><line x1="{x(est.low):.1f}" y1="{y:.1f}" '
            f'x2="{x(est.high):.1f}" y2="{y:.1f}" stroke="#154273" stroke-width="2"/>'
            f'<rect x="{x(est.value) - 5:.1f}" y="{y - 5:.1f}" width="10" height="10" '
            'fill="#154273"/></g>'
        )
    parts.append("</svg>")
    return "".join(parts)


def risk_csv(risk: RiskSet | None, gemeente: str) -> str:
    """Every estimate (released and withheld) as CSV, with source, period and area per row."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(
        [
            "gemeente",
            "gebied_van_de_schatting",
            "periode",
            "uitkomst",
            "factor",
            "schatting",
            "waarde",
            "ondergrens_95",
            "bovengrens_95",
            "eenheid",
            "kleinste_groep_ten_minste",
            "status",
            "reden",
            "bron",
        ]
    )
    if risk is None:
        return out.getvalue()
    for e in risk.estimates:
        share = e.kind in SHARE_KINDS or e.kind == "toe_te_schrijven_alle"
        scale = 100.0 if share else 1.0
        writer.writerow(
            [
                gemeente,
                " ".join(risk.area),
                csv_safe(risk.period),
                csv_safe(risk.outcome_title),
                csv_safe(e.factor_title or ""),
                KIND_LABELS.get(e.kind, e.kind),
                format_plain(None if e.value is None else scale * e.value, 1 if share else 2),
                format_plain(e.low, 2),
                format_plain(e.high, 2),
                "procent" if share else "verhouding",
                "" if e.smallest_group is None else str(e.smallest_group),
                "vrijgegeven" if e.released else WITHHELD,
                csv_safe(reasons(e)) if not e.released else "",
                csv_safe(f"{risk.source} (op groepsniveau, nooit een score voor een persoon)"),
            ]
        )
    return out.getvalue()
