"""Steering pages (issue 16), goals per focus area: goals, targets, ambition, P&C export.

Internal (lezer and up) by the route table; writing by an analist (beheerder too), signed in.
The shared helpers (platform database, writer, framework) are in ``steer_pages``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.steer.errors import SteerError
from buurtbeeld.steer.framework import FocusArea, Framework
from buurtbeeld.steer.framework_store import (
    load_framework,
    require_framework,
    set_ambition,
    unknown_focus_area,
)
from buurtbeeld.steer.goals import (
    check_target,
    delete_goal,
    get_goal,
    list_goals,
    save_goal,
    set_target,
)
from buurtbeeld.steer.monitoring import STATUS_RULE, assess, regions_of
from buurtbeeld.steer.pc_export import amount, figure, number, pc_pdf, pc_xlsx, programme_lines
from buurtbeeld.web.access import may_open, sign_in_configured
from buurtbeeld.web.deps import CatalogDep, CubeDep, templates
from buurtbeeld.web.downloads import XLSX_TYPE, attachment
from buurtbeeld.web.steer_access import steer_db
from buurtbeeld.web.steer_pages import no_framework, writer

router = APIRouter(include_in_schema=False)


# --- goals per focus area ----------------------------------------------------------------------
def _focus_area(request: Request, thema: str) -> tuple[PlatformDB, Framework, FocusArea]:
    """The platform database, the framework and its focus area ``thema`` (else a Dutch 404)."""
    db = steer_db(request, create=False)
    framework = load_framework(db) if db is not None else None
    if framework is None or db is None:
        raise no_framework()
    area = framework.focus_area(thema)
    if area is None:
        raise unknown_focus_area(thema)
    return db, framework, area


def _goals_page(
    request: Request,
    cube: CubeDep,
    catalog: CatalogDep,
    thema: str,
    *,
    error: SteerError | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    db, framework, area = _focus_area(request, thema)
    goals = list_goals(db, area.key)
    rows = []
    for goal in goals:
        indicator = catalog.get(goal.indicator_id)
        rows.append(
            {
                "goal": goal,
                "indicator": indicator,
                "assessments": [
                    assess(cube, catalog, goal, region)
                    for region in regions_of(goal, framework.gemeente)
                ],
            }
        )
    indicators = [
        catalog.get(i) for i in area.indicator_ids() if any(x.id == i for x in catalog.indicators)
    ]
    wijken = (
        cube.children(framework.gemeente, "wijk") if _has_region(cube, framework.gemeente) else []
    )
    return templates.TemplateResponse(
        request,
        "sturen_doelen.html",
        {
            "framework": framework,
            "area": area,
            "rows": rows,
            "indicators": indicators,
            "periods": {i.id: cube.periods(i.id) for i in indicators},
            "wijken": wijken,
            "status_rule": STATUS_RULE,
            "figure": figure,
            "number": number,
            "amount": amount,
            "region_name": lambda code: cube.region(code).name,
            "can_edit": sign_in_configured(request)
            and may_open(request, f"/sturen/doelen/{area.key}", "POST"),
            "error": error,
            "form": form or {},
        },
        status_code=error.http_status if error else 200,
    )


def _has_region(cube: CubeDep, code: str) -> bool:
    try:
        cube.region(code)
    except Exception:  # noqa: BLE001 - an unknown gemeente: no wijken to offer
        return False
    return True


@router.get("/sturen/doelen/{thema}", response_class=HTMLResponse)
def goals_page(request: Request, thema: str, cube: CubeDep, catalog: CatalogDep) -> Response:
    """Ambition, goals, indicators, baseline, targets and status of one focus area."""
    return _goals_page(request, cube, catalog, thema)


@router.post("/sturen/doelen/{thema}")
def goal_save(
    request: Request,
    thema: str,
    cube: CubeDep,
    catalog: CatalogDep,
    doel: Annotated[str, Form(max_length=4000)] = "",
    indicator: Annotated[str, Form(max_length=200)] = "",
    nulmeting: Annotated[str, Form(max_length=40)] = "",
    toelichting: Annotated[str, Form(max_length=8000)] = "",
    jaar: Annotated[str, Form(max_length=10)] = "",
    streefwaarde: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Add a goal (with an optional first target for the gemeente)."""
    form = {"doel": doel, "indicator": indicator, "nulmeting": nulmeting,
            "toelichting": toelichting, "jaar": jaar, "streefwaarde": streefwaarde}  # fmt: skip
    try:
        db, actor = writer(request)
        framework = require_framework(db)
        if bool(jaar.strip()) != bool(streefwaarde.strip()):
            raise SteerError(
                "Geef bij een streefwaarde ook het jaar (of laat beide leeg).",
                code="BB-STR-024",
                hint="Bijvoorbeeld jaar 2027 en streefwaarde 12,5.",
            )
        target = None
        if jaar.strip():  # checked before anything is saved
            target = (_year(jaar), _value(streefwaarde))
            known = [i for i in catalog.indicators if i.id == indicator.strip()]
            if known:
                check_target(known[0], *target, nulmeting.strip())
        goal_id = save_goal(
            db, cube, catalog, framework, focus_key=thema, description=doel,
            indicator_id=indicator, baseline_period=nulmeting, explanation=toelichting,
            actor=actor,
        )  # fmt: skip
        if target is not None:
            try:
                set_target(
                    db, cube, catalog, framework, goal_id=goal_id, indicator_id=indicator,
                    year=target[0], value=target[1], actor=actor,
                )  # fmt: skip
            except SteerError:  # the target year is not after the latest-period baseline
                delete_goal(db, goal_id, actor)
                raise
    except SteerError as err:
        return _goals_page(request, cube, catalog, thema, error=err, form=form)
    return RedirectResponse(f"/sturen/doelen/{thema}#doel-{goal_id}", status_code=303)


def _year(text: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise SteerError(
            "Het streefjaar is geen jaartal.", code="BB-STR-024", hint="Bijvoorbeeld 2027."
        ) from None


def _value(text: str) -> float:
    try:
        return float(
            text.strip().replace(".", "").replace(",", ".") if "," in text else text.strip()
        )
    except ValueError:
        raise SteerError(
            "De streefwaarde is geen getal.",
            code="BB-STR-024",
            hint="Gebruik een komma of punt als decimaalteken, bijvoorbeeld 12,5.",
        ) from None


@router.post("/sturen/doelen/{thema}/streefwaarde")
def target_save(
    request: Request,
    thema: str,
    cube: CubeDep,
    catalog: CatalogDep,
    doel_id: Annotated[str, Form(max_length=12)] = "",
    indicator: Annotated[str, Form(max_length=200)] = "",
    gebied: Annotated[str, Form(max_length=12)] = "",
    jaar: Annotated[str, Form(max_length=10)] = "",
    streefwaarde: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Set a target of a goal for a year, for the gemeente or a wijk."""
    try:
        db, actor = writer(request)
        framework = require_framework(db)
        goal_id = int(doel_id) if doel_id.strip().isdigit() else -1
        set_target(
            db, cube, catalog, framework, goal_id=goal_id, indicator_id=indicator,
            year=_year(jaar), value=_value(streefwaarde), region_code=gebied, actor=actor,
            focus_key=thema,
        )  # fmt: skip
    except SteerError as err:
        return _goals_page(request, cube, catalog, thema, error=err)
    return RedirectResponse(f"/sturen/doelen/{thema}#doel-{goal_id}", status_code=303)


@router.post("/sturen/doelen/{thema}/ambitie")
def ambition_save(
    request: Request,
    thema: str,
    cube: CubeDep,
    catalog: CatalogDep,
    ambitie: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """Set the ambition (societal effect) of the focus area."""
    try:
        db, actor = writer(request)
        set_ambition(db, thema, ambitie, actor)
    except SteerError as err:
        return _goals_page(request, cube, catalog, thema, error=err)
    return RedirectResponse(f"/sturen/doelen/{thema}", status_code=303)


@router.post("/sturen/doelen/{thema}/verwijder")
def goal_delete(
    request: Request,
    thema: str,
    cube: CubeDep,
    catalog: CatalogDep,
    doel_id: Annotated[str, Form(max_length=12)] = "",
    bevestig: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Remove a goal of this focus area and its targets, once the analist has confirmed it."""
    db, actor = writer(request)
    goal_id = int(doel_id) if doel_id.strip().isdigit() else -1
    get_goal(db, goal_id, thema)  # another area's goal or none at all: not found
    if bevestig != "ja":
        error = SteerError(
            "Het doel is niet verwijderd: bevestig eerst dat het doel met zijn streefwaarden weg mag.",
            code="BB-STR-028",
            hint="Vink 'Ja, verwijder dit doel' aan en kies opnieuw Doel verwijderen.",
        )
        return _goals_page(request, cube, catalog, thema, error=error)
    delete_goal(db, goal_id, actor, focus_key=thema)
    return RedirectResponse(f"/sturen/doelen/{thema}", status_code=303)


def _programme(request: Request, cube: CubeDep, catalog: CatalogDep, thema: str) -> tuple:  # type: ignore[type-arg]
    db, framework, area = _focus_area(request, thema)
    lines = programme_lines(cube, catalog, framework, area, list_goals(db, area.key))
    return framework, area, lines


@router.get("/sturen/doelen/{thema}/pc.xlsx")
def pc_xlsx_download(request: Request, thema: str, cube: CubeDep, catalog: CatalogDep) -> Response:
    """The P&C table of the programme as XLSX."""
    framework, area, lines = _programme(request, cube, catalog, thema)
    return attachment(pc_xlsx(framework, area, lines), f"programma-{area.key}.xlsx", XLSX_TYPE)


@router.get("/sturen/doelen/{thema}/pc.pdf")
def pc_pdf_download(request: Request, thema: str, cube: CubeDep, catalog: CatalogDep) -> Response:
    """The P&C paragraph of the programme as PDF."""
    framework, area, lines = _programme(request, cube, catalog, thema)
    return attachment(
        pc_pdf(framework, area, lines), f"programma-{area.key}.pdf", "application/pdf"
    )
