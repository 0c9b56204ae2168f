"""Duiding pages: propose (every signed-in role), review (analist), shown on map and profile."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.errors import NotFoundError
from buurtbeeld.steer.duiding import Duiding, DuidingStore, Proposal
from buurtbeeld.steer.duiding_errors import DuidingError
from buurtbeeld.steer.text_privacy import check_text
from buurtbeeld.store.cube import Cube
from buurtbeeld.web.deps import CatalogDep, CubeDep, templates
from buurtbeeld.web.steer_access import actor, may_write, public_instance, steer_db, visible_themes

router = APIRouter(include_in_schema=False)


def area_names(cube: Cube, code: str) -> tuple[list[str], list[str]]:
    """Names of the gemeente, wijken and buurten around ``code``; and the buurt names (small)."""
    try:
        region = cube.region(code)
    except NotFoundError:
        return [], []
    gemeente = next(
        (r for r in [region, *cube.ancestors(region.code)] if r.level == "gemeente"), None
    )
    if gemeente is None:
        return [region.name], []
    wijken = cube.children(gemeente.code, "wijk")
    buurten = cube.children(gemeente.code, "buurt")
    return [gemeente.name, *(w.name for w in wijken), *(b.name for b in buurten)], [
        b.name for b in buurten
    ]


def _known_region(cube: Cube, code: str) -> set[str]:
    try:
        return {cube.region(code.strip().upper()).code}
    except NotFoundError:
        return set()


def _internal_only(request: Request) -> None:
    """Duiding is written in the internal instance, never in a public one."""
    if public_instance(request):
        raise NotFoundError(
            "Deze pagina bestaat niet in een openbare omgeving van Buurtbeeld.",
            code="BB-DUI-010",
            hint="Duiding wordt geschreven en beoordeeld in de interne omgeving.",
        )


def _form(
    request: Request,
    catalog: Catalog,
    status: int = 200,
    *,
    values: dict[str, str] | None = None,
    error: DuidingError | None = None,
    masked: str | None = None,
    warn: bool = False,
    submitted: bool = False,
) -> Response:
    db = steer_db(request, create=False)
    name, _role = actor(request)
    own = DuidingStore(db).by_author(name) if db is not None else []
    return templates.TemplateResponse(
        request,
        "duiding_nieuw.html",
        {
            "themes": catalog.themes,
            "catalog": catalog,
            "values": values or {},
            "error": error,
            "masked": masked,
            "warn": warn,
            "submitted": submitted,
            "own": own,
        },
        status_code=status,
    )


@router.get("/duiding/nieuw", response_class=HTMLResponse)
def new_duiding(
    request: Request,
    catalog: CatalogDep,
    gebied: str = "",
    thema: str = "",
    periode: str = "",
    ingediend: int = 0,
) -> Response:
    """The form for a new duiding (prefilled from the map or profile)."""
    _internal_only(request)
    values = {"gebied": gebied[:16], "thema": thema[:64], "periode": periode[:16], "tekst": ""}
    return _form(request, catalog, values=values, submitted=bool(ingediend))


@router.post("/duiding/nieuw", response_class=HTMLResponse)
def submit_duiding(
    request: Request,
    cube: CubeDep,
    catalog: CatalogDep,
    gebied: Annotated[str, Form(max_length=40)] = "",
    thema: Annotated[str, Form(max_length=80)] = "",
    periode: Annotated[str, Form(max_length=40)] = "",
    tekst: Annotated[str, Form(max_length=5000)] = "",
    bevestig: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Save a proposal after the privacy check; on an error the form again, nothing saved."""
    _internal_only(request)
    name, role = actor(request)
    names, small = area_names(cube, gebied.strip().upper()) if gebied.strip() else ([], [])
    proposal = Proposal(gebied, thema, periode, tekst, confirmed=bevestig == "ja")
    values = {"gebied": gebied, "thema": thema, "periode": periode, "tekst": tekst}
    try:
        db = steer_db(request, create=True)
        assert db is not None
        DuidingStore(db).submit(
            proposal,
            author=name,
            role=role,
            regions=_known_region(cube, gebied),
            themes={t.id for t in catalog.themes},
            area_names=names,
            small_areas=small,
        )
    except DuidingError as err:
        check = check_text(tekst.strip(), area_names=names, small_areas=small)
        return _form(
            request,
            catalog,
            422,
            values=values,
            error=err,
            masked=check.masked() if check.findings else None,
            warn=err.code == "BB-DUI-002",
        )
    return RedirectResponse("/duiding/nieuw?ingediend=1", status_code=303)


@router.get("/duiding/beoordelen", response_class=HTMLResponse)
def review_list(request: Request, cube: CubeDep, catalog: CatalogDep) -> Response:
    """Submitted duiding awaiting an analist."""
    _internal_only(request)
    db = steer_db(request, create=False)
    pending = DuidingStore(db).pending() if db is not None else []
    return templates.TemplateResponse(
        request,
        "duiding_beoordelen.html",
        {"pending": pending, "catalog": catalog, "names": _region_names(cube, pending)},
    )


def _region_names(cube: Cube, items: list[Duiding]) -> dict[str, str]:
    out = {}
    for d in items:
        try:
            out[d.region_code] = cube.region(d.region_code).name
        except NotFoundError:
            out[d.region_code] = d.region_code
    return out


def _review(request: Request, duiding_id: int, approve: bool) -> Response:
    _internal_only(request)
    name, role = actor(request)
    db = steer_db(request, create=True)
    assert db is not None
    DuidingStore(db).review(duiding_id, approve=approve, reviewer=name, role=role)
    return RedirectResponse("/duiding/beoordelen", status_code=303)


@router.post("/duiding/{duiding_id}/goedkeuren")
def approve(request: Request, duiding_id: int) -> Response:
    """Approve: lezers see it next to the figures."""
    return _review(request, duiding_id, True)


@router.post("/duiding/{duiding_id}/afwijzen")
def reject(request: Request, duiding_id: int) -> Response:
    """Reject: stays invisible."""
    return _review(request, duiding_id, False)


def duiding_context(
    request: Request, cube: Cube, items: list[Duiding], *, link: dict[str, str]
) -> dict[str, object]:
    """What ``_duiding.html`` needs: the approved duiding, region names and the link to add."""
    from urllib.parse import urlencode

    from buurtbeeld.web.access import may_open

    return {
        "duidingen": items,
        "duiding_names": _region_names(cube, items),
        "duiding_link": "/duiding/nieuw?" + urlencode(link)
        if may_open(request, "/duiding/nieuw") and may_write(request)
        else None,
    }


def approved_for_map(
    request: Request, gemeente: str, theme: str, period: str | None
) -> list[Duiding]:
    """Approved duiding in a gemeente for one theme and period that this request may see."""
    themes = visible_themes(request)
    if (themes is not None and theme not in themes) or period is None:
        return []
    db = steer_db(request, create=False)
    if db is None or not gemeente.startswith("GM"):
        return []
    return DuidingStore(db).approved(gemeente_digits=gemeente[2:6], theme=theme, period=period)


def approved_for_regions(request: Request, codes: list[str]) -> list[Duiding]:
    """Approved duiding of these regions, all periods, in the themes this request may see."""
    themes = visible_themes(request)
    if themes is not None and not themes:
        return []
    db = steer_db(request, create=False)
    if db is None:
        return []
    return [
        d for d in DuidingStore(db).approved(regions=codes) if themes is None or d.theme in themes
    ]


def csv_duiding(items: list[Duiding]) -> dict[str, str]:
    """Per region code: its approved duiding as one CSV cell (role and date with each)."""
    out: dict[str, list[str]] = {}
    for d in items:
        out.setdefault(d.region_code, []).append(f"{d.text} ({d.author_role}, {d.date})")
    return {code: " | ".join(texts) for code, texts in out.items()}


def duiding_lines(cube: Cube, catalog: Catalog, items: list[Duiding]) -> list[str]:
    """Each approved duiding as one line for an export: area, theme, period, text, role, date."""
    names = _region_names(cube, items)
    return [
        f"{names.get(d.region_code, d.region_code)} ({d.region_code}), "
        f"{catalog.theme_name(d.theme)}, {d.period}: {d.text} ({d.author_role}, {d.date})"
        for d in items
    ]
