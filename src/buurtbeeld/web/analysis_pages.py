"""The analysis section of a gemeente: hotspots, jam-wijken and buurttypen, with their limits."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from buurtbeeld.analysis.hotspots import ALPHA, PERMUTATIONS
from buurtbeeld.errors import NotFoundError
from buurtbeeld.web.access import may_open
from buurtbeeld.web.deps import CatalogDep, CubeDep, templates

router = APIRouter(include_in_schema=False)


@router.get("/gemeente/{code}/analyse", response_class=HTMLResponse)
def analysis_page(request: Request, code: str, cube: CubeDep, catalog: CatalogDep) -> Response:
    """What each analysis view answers, how, under which assumptions and where it stops."""
    area = cube.region(code)
    if area.level != "gemeente":
        raise NotFoundError(
            f"{area.code} is geen gemeente.",
            code="BB-NF-004",
            hint="De analyse is er per gemeente, bijvoorbeeld GM0505.",
        )
    multi = [i for i in catalog.indicators if len(cube.periods(i.id)) > 1]
    return templates.TemplateResponse(
        request,
        "analyse.html",
        {
            "area": area,
            "alpha": ALPHA,
            "permutations": PERMUTATIONS,
            "multi_period": multi,
            "risk_available": may_open(request, f"/gemeente/{area.code}/risicofactoren"),
        },
    )
