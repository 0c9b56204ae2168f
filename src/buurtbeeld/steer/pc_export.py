"""The P&C export per programme (focus area): a table of goals, baseline, target, realisation,
status and explanation, as XLSX and as a PDF paragraph for the begroting or jaarrekening.

Figures are published ones only: a hidden or missing figure is the word, never a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.export.pdf import PDF_FONTS, html_to_pdf
from buurtbeeld.steer.framework import FocusArea, Framework
from buurtbeeld.steer.goals import PUBLISHED, Goal
from buurtbeeld.steer.lineage import cell_source
from buurtbeeld.steer.monitoring import STATUS_RULE, assess, regions_of
from buurtbeeld.steer.xlsx import workbook_bytes
from buurtbeeld.store.cube import Cell, Cube

HEADERS = [
    "Doel", "Indicator", "Gebied", "Nulmeting", "Streefwaarde", "Realisatie", "Status",
    "Toelichting", "Bron nulmeting",
]  # fmt: skip
STATUS_WORDS = {"hidden": "verborgen", "missing": "geen cijfer"}


def number(value: float, decimals: int) -> str:
    """Dutch number text: 1.234,5."""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def amount(value: float, indicator: Indicator) -> str:
    """A value in the indicator's decimals, with % for a percentage: 12,4%."""
    unit = "%" if indicator.unit == "procent" else ""
    return f"{number(value, indicator.decimals)}{unit}"


def figure(cell: Cell | None, indicator: Indicator) -> str:
    """A published figure with its period, or why there is none."""
    if cell is None:
        return "geen cijfer"
    if cell.status not in PUBLISHED or cell.value is None:
        return f"{STATUS_WORDS.get(cell.status, 'geen cijfer')} ({cell.period})"
    return f"{amount(cell.value, indicator)} ({cell.period})"


@dataclass(frozen=True)
class Line:
    """One row of the P&C table."""

    cells: list[str]
    status: str


def programme_lines(
    cube: Cube, catalog: Catalog, framework: Framework, area: FocusArea, goals: list[Goal]
) -> list[Line]:
    """The rows of one programme: per goal the gemeente, then each wijk with a target."""
    lines = []
    for goal in goals:
        indicator = catalog.get(goal.indicator_id)
        for region in regions_of(goal, framework.gemeente):
            a = assess(cube, catalog, goal, region)
            target = f"{amount(a.target.value, indicator)} ({a.target.year})" if a.target else "–"
            source = cell_source(cube, goal.indicator_id, goal.baseline_period, region)
            lines.append(
                Line(
                    [
                        goal.description,
                        indicator.label_with_unit,
                        _region_name(cube, region),
                        figure(a.baseline, indicator),
                        target,
                        figure(a.latest, indicator),
                        a.status,
                        goal.explanation,
                        source or indicator.source_label,
                    ],
                    a.status,
                )
            )
    return lines


def _region_name(cube: Cube, code: str) -> str:
    try:
        return cube.region(code).name
    except BuurtbeeldError:  # a framework's gemeente without regions in this workspace
        return code


def pc_xlsx(framework: Framework, area: FocusArea, lines: list[Line]) -> bytes:
    """The programme's table as an XLSX workbook."""
    intro = [
        f"Programma {area.name} – {framework.title}",
        f"Ambitie: {area.ambition or '(nog niet ingevuld)'}",
        f"Statusregel: {STATUS_RULE}",
    ]
    return workbook_bytes(area.name, HEADERS, [line.cells for line in lines], intro=intro)


def pc_html(framework: Framework, area: FocusArea, lines: list[Line]) -> str:
    """The programme paragraph as self-contained HTML (for the PDF)."""
    head = "".join(f"<th scope='col'>{escape(h)}</th>" for h in HEADERS)
    body = (
        "".join(
            "<tr>" + "".join(f"<td>{escape(c)}</td>" for c in line.cells) + "</tr>"
            for line in lines
        )
        or f"<tr><td colspan='{len(HEADERS)}'>Nog geen doelen.</td></tr>"
    )
    return f"""<!doctype html><html lang="nl"><head><meta charset="utf-8">
<title>Programma {escape(area.name)}</title><style>
@page {{ size: A4 landscape; margin: 15mm; }}
body {{ font-family: {PDF_FONTS}; font-size: 9pt; color: #111; }}
h1 {{ font-size: 15pt; margin: 0 0 4mm; }}
h2 {{ font-size: 11pt; margin: 5mm 0 2mm; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border: 0.5pt solid #777; padding: 1.5mm; text-align: left; vertical-align: top; }}
th {{ background: #e8eef4; }}
p.regel {{ font-size: 8pt; color: #333; }}
</style></head><body>
<h1>Programma {escape(area.name)}</h1>
<p>{escape(framework.title)} ({escape(framework.gemeente)})</p>
<h2>Ambitie</h2><p>{escape(area.ambition or "(nog niet ingevuld)")}</p>
<h2>Doelen en realisatie</h2>
<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
<p class="regel"><strong>Statusregel.</strong> {escape(STATUS_RULE)}</p>
<p class="regel">Bron: Buurtbeeld; cijfers zoals gepubliceerd (verborgen cijfers zijn beschermd
en worden niet getoond).</p>
</body></html>"""


def pc_pdf(framework: Framework, area: FocusArea, lines: list[Line]) -> bytes:
    """The programme paragraph as PDF."""
    return html_to_pdf(pc_html(framework, area, lines), title=f"Programma {area.name}")
