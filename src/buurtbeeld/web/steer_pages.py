"""Steering pages (issue 16): overview, framework and data inventory (goals: ``steer_goal_pages``).

Internal (lezer and up) by the route table; writing: the framework and goals by an analist
(beheerder too), the inventory's fields by a beheerder. Writing needs sign-in (an actor for the
audit log): the local viewer reads only. A form with bad input comes back with the Dutch error
and what was typed; nothing is saved.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.steer.duiding import DuidingStore
from buurtbeeld.steer.errors import SteerError, SteerNotFound, WriteRefused
from buurtbeeld.steer.framework import Framework, dump_framework
from buurtbeeld.steer.framework_store import (
    add_indicator,
    load_framework,
)
from buurtbeeld.steer.goals import (
    list_goals,
)
from buurtbeeld.steer.inventory import (
    FREQUENCIES,
    GAP_RULE,
    LEGAL_BASES,
    OVERDUE_RULE,
    SourceRow,
    build_inventory,
    framework_gaps,
    inventory_csv,
    inventory_xlsx,
    save_source,
)
from buurtbeeld.steer.lineage import LEVELS
from buurtbeeld.steer.workspace import import_framework_text
from buurtbeeld.web.access import may_open, sign_in_configured
from buurtbeeld.web.auth import current_session
from buurtbeeld.web.deps import CatalogDep, CubeDep, templates
from buurtbeeld.web.downloads import CSV_TYPE, XLSX_TYPE, attachment
from buurtbeeld.web.steer_access import may_write, public_instance, steer_db

router = APIRouter(include_in_schema=False)
templates.env.globals["may_open"] = may_open
MAX_UPLOAD = 512_000


def writer(request: Request) -> tuple[PlatformDB, str]:
    """The database and the signed-in actor of a write; the local viewer cannot write."""
    session = current_session(request) if sign_in_configured(request) else None
    db = steer_db(request, create=False)
    if session is None or db is None:
        raise WriteRefused(
            "Wijzigen kan alleen na aanmelden.",
            code="BB-STR-031",
            hint="Start Buurtbeeld met aanmelden (zie docs/installatie.md) of gebruik "
            "'buurtbeeld kader importeer'.",
        )
    return db, session.user.name


def framework_of(request: Request) -> Framework | None:
    db = steer_db(request, create=False)
    return load_framework(db) if db is not None else None


def no_framework() -> SteerNotFound:
    return SteerNotFound("Er is nog geen indicatorenkader.", code="BB-STR-008")


@router.get("/sturen", response_class=HTMLResponse)
def overview(request: Request, catalog: CatalogDep) -> Response:
    """The framework as a tree, with links to goals, the inventory and the YAML."""
    framework = framework_of(request)
    labels = {i.id: i.label_with_unit for i in catalog.indicators}
    goals = list_goals(steer_db(request, create=False)) if framework is not None else []  # type: ignore[arg-type]
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
            "stories": _stories(request, framework),
        },
    )


def _stories(request: Request, framework: Framework | None) -> dict[str, object] | None:
    """Where duiding and the doorbraken register are found (none in a public instance)."""
    if public_instance(request) or not may_write(request):
        return None
    review = may_open(request, "/duiding/beoordelen")
    db = steer_db(request, create=False)
    return {
        "gemeente": framework.gemeente if framework else "",
        "review": review,
        "pending": len(DuidingStore(db).pending()) if review and db is not None else 0,
    }


@router.get("/sturen/kader.yaml")
def framework_yaml(request: Request) -> Response:
    """The framework as YAML (for version control)."""
    framework = framework_of(request)
    if framework is None:
        raise no_framework()
    return attachment(
        dump_framework(framework), "indicatorenkader.yaml", "application/yaml; charset=utf-8"
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
    framework = framework_of(request)
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
        db, actor = writer(request)
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
    db, actor = writer(request)
    add_indicator(db, subdoel, indicator, [i.id for i in catalog.indicators], actor)
    return RedirectResponse("/sturen?opgeslagen=kader", status_code=303)


# --- data inventory -------------------------------------------------------------------------
@router.get("/sturen/bronnen", response_class=HTMLResponse)
def inventory_page(request: Request, cube: CubeDep, catalog: CatalogDep) -> Response:
    """Every source: owner, legal basis, delivery, coverage, overdue; gaps of the framework."""
    db = steer_db(request, create=False)
    framework = load_framework(db) if db is not None else None
    gemeente = framework.gemeente if framework else None
    rows = build_inventory(db, cube, gemeente=gemeente) if db is not None else []
    gaps = framework_gaps(cube, catalog, framework) if framework else []
    return templates.TemplateResponse(
        request,
        "sturen_bronnen.html",
        {
            "rows": rows,
            "gaps": gaps,
            "framework": framework,
            "levels": LEVELS,
            "gemeente_name": _region_name(cube, gemeente) if gemeente else None,
            "legal_bases": LEGAL_BASES,
            "frequencies": list(FREQUENCIES),
            "overdue_rule": OVERDUE_RULE,
            "gap_rule": GAP_RULE,
            "can_edit": sign_in_configured(request)
            and may_open(request, "/sturen/bronnen", "POST"),
            "no_db": db is None,
        },
    )


def _region_name(cube: CubeDep, code: str) -> str:
    try:
        return cube.region(code).name
    except BuurtbeeldError:  # a framework for a gemeente outside this workspace
        return code


def _inventory(request: Request, cube: CubeDep) -> tuple[list[SourceRow], Framework | None]:
    """The inventory (coverage in the framework's gemeente) and the framework."""
    db = steer_db(request, create=False)
    if db is None:
        return [], None
    framework = load_framework(db)
    gemeente = framework.gemeente if framework else None
    return build_inventory(db, cube, gemeente=gemeente), framework


@router.get("/sturen/bronnen.csv")
def inventory_csv_download(request: Request, cube: CubeDep) -> Response:
    """The inventory as CSV."""
    rows, _framework = _inventory(request, cube)
    return attachment(inventory_csv(rows), "data-inventaris.csv", CSV_TYPE)


@router.get("/sturen/bronnen.xlsx")
def inventory_xlsx_download(request: Request, cube: CubeDep, catalog: CatalogDep) -> Response:
    """The inventory as XLSX, with the framework's gaps on a second sheet."""
    rows, framework = _inventory(request, cube)
    gaps = framework_gaps(cube, catalog, framework) if framework else None
    return attachment(inventory_xlsx(rows, gaps), "data-inventaris.xlsx", XLSX_TYPE)


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
    db, actor = writer(request)
    known = {r.dataset for r in build_inventory(db, cube)}
    save_source(
        db, known, dataset=bron, owner=eigenaar, legal_basis=grondslag,
        legal_basis_text=grondslag_toelichting, frequency=frequentie, quality_notes=kwaliteit,
        actor=actor,
    )  # fmt: skip
    return RedirectResponse("/sturen/bronnen?opgeslagen=bron", status_code=303)
