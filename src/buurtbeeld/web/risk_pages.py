"""Group-level risk factors of a gemeente (issue 15 item 4): estimates, forest plot, CSV.

Internal (every signed-in role; ``platform/roles.py``): the estimates come from a partner's
research environment and are not published. The page shows what the source released — the
prevalence of each household factor, relative risks with their 95 % intervals, the model's
adjusted relative risks and attributable fractions — and every withheld estimate as withheld
with the rule it failed. Never a score, a chance or a label for a child or household.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from buurtbeeld.errors import NotFoundError
from buurtbeeld.package_format.risk_estimates import RISK_RULES
from buurtbeeld.store.cube import Cube, RegionRow
from buurtbeeld.store.risk_estimates import RiskSet
from buurtbeeld.web.deps import CubeDep, templates
from buurtbeeld.web.downloads import csv_attachment
from buurtbeeld.web.risk_view import factor_rows, forest_svg, percent, ratio, reasons, risk_csv

router = APIRouter(include_in_schema=False)


def _gemeente(cube: Cube, code: str) -> RegionRow:
    area = cube.region(code)
    if area.level != "gemeente":
        raise NotFoundError(
            f"{area.code} is geen gemeente.",
            code="BB-RSK-030",
            hint="Risicofactoren staan per gemeente, bijvoorbeeld op /gemeente/GM0505/risicofactoren.",
        )
    return area


def _chosen(
    sets: list[RiskSet], outcome: str | None, period: str | None, dataset: str | None = None
) -> RiskSet | None:
    """The set of ``outcome``, ``period`` and ``dataset`` (default: the newest period, first
    outcome)."""
    if not sets:
        return None
    for s in sets:
        if (
            outcome in (None, s.outcome)
            and period in (None, s.period)
            and dataset in (None, s.dataset)
        ):
            return s
    raise NotFoundError(
        "Voor deze uitkomst en periode zijn geen risicoschattingen geïmporteerd.",
        code="BB-RSK-031",
        hint="Kies een uitkomst en periode uit de lijst op de pagina.",
    )


def _name(cube: Cube, code: str) -> str:
    """A region's name, or its code when the workspace's division does not know it."""
    try:
        return cube.region(code).name
    except NotFoundError:
        return code


@router.get("/gemeente/{code}/risicofactoren", response_class=HTMLResponse)
def risk_page(
    request: Request,
    code: str,
    cube: CubeDep,
    uitkomst: str | None = None,
    periode: str | None = None,
    dataset: str | None = None,
) -> Response:
    """Released estimates for one outcome, with method, assumptions and limits."""
    area = _gemeente(cube, code)
    sets = cube.risk.sets_for(area.code)
    risk = _chosen(sets, uitkomst, periode, dataset)
    rows = factor_rows(risk) if risk else []
    return templates.TemplateResponse(
        request,
        "risicofactoren.html",
        {
            "area": area,
            "sets": sets,
            "risk": risk,
            "rows": rows,
            "chart": forest_svg(rows, "forest") if rows else "",
            "percent": percent,
            "ratio": ratio,
            "reasons": reasons,
            "rules": RISK_RULES,
            "area_names": [_name(cube, c) for c in risk.area[:5]] if risk else [],
        },
    )


@router.get("/gemeente/{code}/risicofactoren.csv")
def risk_csv_download(
    code: str,
    cube: CubeDep,
    uitkomst: str | None = None,
    periode: str | None = None,
    dataset: str | None = None,
) -> Response:
    """Every estimate of the chosen outcome and period, released and withheld, as CSV (only
    the header row for a gemeente without estimates, as its page says)."""
    area = _gemeente(cube, code)
    risk = _chosen(cube.risk.sets_for(area.code), uitkomst, periode, dataset)
    what = f"{risk.outcome}_{risk.period}" if risk else "geen"
    name = f"buurtbeeld_{area.code}_risicofactoren_{what}.csv"
    return csv_attachment(risk_csv(risk, area.code), name)
