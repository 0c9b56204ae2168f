"""Steering pages (issue 16): framework, data inventory, goals per focus area, P&C export.

Internal (lezer and up) by the route table; writing: the framework and goals by an analist
(beheerder too), the inventory's fields by a beheerder. Writing needs sign-in (an actor for the
audit log): the local viewer reads only. A form with bad input comes back with the Dutch error
and what was typed; nothing is saved.
"""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from buurtbeeld.platform.db import DB_FILE, ENV_DATABASE_URL, PlatformDB, open_platform
from buurtbeeld.steer.errors import SteerError, SteerNotFound, WriteRefused
from buurtbeeld.steer.framework import Framework, dump_framework
from buurtbeeld.steer.framework_store import (
    add_indicator,
    load_framework,
    require_framework,
    set_ambition,
    unknown_focus_area,
)
from buurtbeeld.steer.goals import (
    STATUS_RULE,
    assess,
    check_target,
    delete_goal,
    list_goals,
    regions_of,
    save_goal,
    set_target,
)
from buurtbeeld.steer.inventory import (
    FREQUENCIES,
    GAP_RULE,
    LEGAL_BASES,
    LEVELS,
    OVERDUE_RULE,
    build_inventory,
    framework_gaps,
    inventory_csv,
    inventory_xlsx,
    save_source,
)
from buurtbeeld.steer.pc_export import figure, number, pc_pdf, pc_xlsx, programme_lines
from buurtbeeld.steer.workspace import import_framework_text
from buurtbeeld.web.access import may_open, sign_in_configured
from buurtbeeld.web.auth import current_session
from buurtbeeld.web.deps import CatalogDep, CubeDep, templates

router = APIRouter(include_in_schema=False)
templates.env.globals["may_open"] = may_open
MAX_UPLOAD = 512_000


def steer_db(request: Request) -> PlatformDB | None:
    """The platform database: the sign-in's, else the workspace's if it exists (never created
    by reading a page), else ``None``."""
    auth = getattr(request.app.state, "auth", None)
    if auth is not None:
        db: PlatformDB = auth.db
        return db
    cached: PlatformDB | None = getattr(request.app.state, "steer_db", None)
    if cached is not None:
        return cached
    root = request.app.state.workspace.root
    if not os.environ.get(ENV_DATABASE_URL, "").strip() and not (root / DB_FILE).exists():
        return None
    request.app.state.steer_db = open_platform(root)
    return request.app.state.steer_db  # type: ignore[no-any-return]


def _writer(request: Request) -> tuple[PlatformDB, str]:
    """The database and the signed-in actor of a write; the local viewer cannot write."""
    session = current_session(request) if sign_in_configured(request) else None
    db = steer_db(request)
    if session is None or db is None:
        raise WriteRefused(
            "Wijzigen kan alleen na aanmelden.",
            code="BB-STR-031",
            hint="Start Buurtbeeld met aanmelden (zie docs/installatie.md) of gebruik "
            "'buurtbeeld kader importeer'.",
        )
    return db, session.user.name


def _framework(request: Request) -> Framework | None:
    db = steer_db(request)
    return load_framework(db) if db is not None else None


def _no_framework() -> SteerNotFound:
    return SteerNotFound("Er is nog geen indicatorenkader.", code="BB-STR-008")


@router.get("/sturen", response_class=HTMLResponse)
def overview(request: Request, catalog: CatalogDep) -> Response:
    """The framework as a tree, with links to goals, the inventory and the YAML."""
    framework = _framework(request)
    labels = {i.id: i.label_with_unit for i in catalog.indicators}
    goals = list_goals(steer_db(request)) if framework is not None else []  # type: ignore[arg-type]
    counts = {
        a.key: sum(g.focus_key == a.key for g in goals)
        for a in (framework.focus_areas if framework else ())
    }
    can_edit = sign_in_configured(request) and may_open(request, "/sturen/kader", "POST")
    return templates.TemplateResponse(
        request,
        "sturen.html",
        {
            "framework": framework,
            "labels": labels,
            "goal_counts": counts,
            "can_edit": can_edit,
            "indicators": catalog.indicators,
        },
    )


@router.get("/sturen/kader.yaml")
def framework_yaml(request: Request) -> Response:
    """The framework as YAML (for version control)."""
    framework = _framework(request)
    if framework is None:
        raise _no_framework()
    return Response(
        dump_framework(framework),
        media_type="application/yaml; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="indicatorenkader.yaml"'},
    )


def _editor(request: Request, text: str, error: SteerError | None = None) -> Response:
    return templates.TemplateResponse(
        request,
        "sturen_kader.html",
        {"text": text, "error": error},
        status_code=error.http_status if error else 200,
    )


@router.get("/sturen/kader/bewerken", response_class=HTMLResponse)
def framework_editor(request: Request) -> Response:
    """Edit the framework as YAML (or upload a file)."""
    framework = _framework(request)
    if framework is not None:
        text = dump_framework(framework)
    else:
        from buurtbeeld.steer.workspace import DEMO_FRAMEWORK

        text = DEMO_FRAMEWORK.read_text(encoding="utf-8")
    return _editor(request, text)


@router.post("/sturen/kader")
async def framework_save(
    request: Request,
    catalog: CatalogDep,
    kader: Annotated[str, Form(max_length=MAX_UPLOAD)] = "",
    bestand: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Replace the framework with the YAML of the form or the uploaded file."""
    text = kader
    if bestand is not None and bestand.filename:
        raw = await bestand.read(MAX_UPLOAD + 1)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return _editor(request, kader, SteerError(
                "Het bestand is geen UTF-8-tekst.", code="BB-STR-001",
                hint="Sla het YAML-bestand op als UTF-8."))  # fmt: skip
    try:
        db, actor = _writer(request)
        import_framework_text(db, text, [i.id for i in catalog.indicators], actor, source="web")
    except SteerError as err:
        return _editor(request, text, err)
    return RedirectResponse("/sturen?opgeslagen=kader", status_code=303)


@router.post("/sturen/kader/indicator")
def framework_add_indicator(
    request: Request,
    catalog: CatalogDep,
    subdoel: Annotated[str, Form(max_length=64)] = "",
    indicator: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Add one indicator from the catalogue to a sub-goal."""
    db, actor = _writer(request)
    add_indicator(db, subdoel, indicator, [i.id for i in catalog.indicators], actor)
    return RedirectResponse("/sturen?opgeslagen=kader", status_code=303)


# --- data inventory -------------------------------------------------------------------------
@router.get("/sturen/bronnen", response_class=HTMLResponse)
def inventory_page(request: Request, cube: CubeDep, catalog: CatalogDep) -> Response:
    """Every source: owner, legal basis, delivery, coverage, overdue; gaps of the framework."""
    db = steer_db(request)
    rows = build_inventory(db, cube) if db is not None else []
    framework = load_framework(db) if db is not None else None
    gaps = framework_gaps(cube, catalog, framework) if framework else []
    return templates.TemplateResponse(
        request,
        "sturen_bronnen.html",
        {
            "rows": rows,
            "gaps": gaps,
            "framework": framework,
            "levels": LEVELS,
            "legal_bases": LEGAL_BASES,
            "frequencies": list(FREQUENCIES),
            "overdue_rule": OVERDUE_RULE,
            "gap_rule": GAP_RULE,
            "can_edit": sign_in_configured(request)
            and may_open(request, "/sturen/bronnen", "POST"),
            "no_db": db is None,
        },
    )


def _inventory_rows(request: Request, cube: CubeDep) -> list:  # type: ignore[type-arg]
    db = steer_db(request)
    return build_inventory(db, cube) if db is not None else []


@router.get("/sturen/bronnen.csv")
def inventory_csv_download(request: Request, cube: CubeDep) -> Response:
    """The inventory as CSV."""
    return Response(
        inventory_csv(_inventory_rows(request, cube)),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="data-inventaris.csv"'},
    )


@router.get("/sturen/bronnen.xlsx")
def inventory_xlsx_download(request: Request, cube: CubeDep) -> Response:
    """The inventory as XLSX."""
    return Response(
        inventory_xlsx(_inventory_rows(request, cube)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": 'attachment; filename="data-inventaris.xlsx"'},
    )


@router.post("/sturen/bronnen")
def inventory_save(
    request: Request,
    cube: CubeDep,
    bron: Annotated[str, Form(max_length=160)] = "",
    eigenaar: Annotated[str, Form(max_length=4000)] = "",
    grondslag: Annotated[str, Form(max_length=40)] = "",
    grondslag_toelichting: Annotated[str, Form(max_length=4000)] = "",
    frequentie: Annotated[str, Form(max_length=40)] = "",
    kwaliteit: Annotated[str, Form(max_length=8000)] = "",
) -> Response:
    """A beheerder sets the fields of one source."""
    db, actor = _writer(request)
    known = {r.dataset for r in build_inventory(db, cube)}
    save_source(
        db, known, dataset=bron, owner=eigenaar, legal_basis=grondslag,
        legal_basis_text=grondslag_toelichting, frequency=frequentie, quality_notes=kwaliteit,
        actor=actor,
    )  # fmt: skip
    return RedirectResponse("/sturen/bronnen?opgeslagen=bron", status_code=303)


# --- goals per focus area ----------------------------------------------------------------------
def _goals_page(
    request: Request,
    cube: CubeDep,
    catalog: CatalogDep,
    thema: str,
    *,
    error: SteerError | None = None,
    form: dict[str, str] | None = None,
) -> Response:
    db = steer_db(request)
    framework = load_framework(db) if db is not None else None
    if framework is None or db is None:
        raise _no_framework()
    area = framework.focus_area(thema)
    if area is None:
        raise unknown_focus_area(thema)
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
        db, actor = _writer(request)
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
        db, actor = _writer(request)
        framework = require_framework(db)
        goal_id = int(doel_id) if doel_id.strip().isdigit() else -1
        set_target(
            db, cube, catalog, framework, goal_id=goal_id, indicator_id=indicator,
            year=_year(jaar), value=_value(streefwaarde), region_code=gebied, actor=actor,
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
        db, actor = _writer(request)
        set_ambition(db, thema, ambitie, actor)
    except SteerError as err:
        return _goals_page(request, cube, catalog, thema, error=err)
    return RedirectResponse(f"/sturen/doelen/{thema}", status_code=303)


@router.post("/sturen/doelen/{thema}/verwijder")
def goal_delete(
    request: Request,
    thema: str,
    doel_id: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Remove a goal and its targets."""
    db, actor = _writer(request)
    delete_goal(db, int(doel_id) if doel_id.strip().isdigit() else -1, actor)
    return RedirectResponse(f"/sturen/doelen/{thema}", status_code=303)


def _programme(request: Request, cube: CubeDep, catalog: CatalogDep, thema: str) -> tuple:  # type: ignore[type-arg]
    db = steer_db(request)
    framework = load_framework(db) if db is not None else None
    if framework is None or db is None:
        raise _no_framework()
    area = framework.focus_area(thema)
    if area is None:
        raise unknown_focus_area(thema)
    lines = programme_lines(cube, catalog, framework, area, list_goals(db, area.key))
    return framework, area, lines


@router.get("/sturen/doelen/{thema}/pc.xlsx")
def pc_xlsx_download(request: Request, thema: str, cube: CubeDep, catalog: CatalogDep) -> Response:
    """The P&C table of the programme as XLSX."""
    framework, area, lines = _programme(request, cube, catalog, thema)
    return Response(
        pc_xlsx(framework, area, lines),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"content-disposition": f'attachment; filename="programma-{area.key}.xlsx"'},
    )


@router.get("/sturen/doelen/{thema}/pc.pdf")
def pc_pdf_download(request: Request, thema: str, cube: CubeDep, catalog: CatalogDep) -> Response:
    """The P&C paragraph of the programme as PDF."""
    framework, area, lines = _programme(request, cube, catalog, thema)
    return Response(
        pc_pdf(framework, area, lines),
        media_type="application/pdf",
        headers={"content-disposition": f'attachment; filename="programma-{area.key}.pdf"'},
    )
