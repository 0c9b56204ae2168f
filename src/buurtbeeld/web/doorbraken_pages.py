"""Doorbraken pages: the form for case workers, the protected analysis and its CSV."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from buurtbeeld.errors import NotFoundError
from buurtbeeld.steer.breakthrough import (
    BLOCKERS,
    DOMAINS,
    LAWS,
    OUTCOMES,
    BreakthroughStore,
    Report,
)
from buurtbeeld.steer.breakthrough_table import TOTAL, BreakdownTable, protected_tables
from buurtbeeld.steer.duiding_errors import BreakthroughError
from buurtbeeld.store.cube import Cube, RegionRow
from buurtbeeld.web.deps import CubeDep, templates
from buurtbeeld.web.downloads import csv_attachment, csv_text
from buurtbeeld.web.duiding_pages import area_names
from buurtbeeld.web.format import csv_safe
from buurtbeeld.web.steer_access import actor, public_instance, steer_db

router = APIRouter(include_in_schema=False)


def _gemeente(request: Request, cube: Cube, code: str) -> RegionRow | None:
    """The chosen gemeente (the workspace default when none is given)."""
    if public_instance(request):  # the register stays in the internal instance
        raise NotFoundError(
            "Deze pagina bestaat niet in een openbare omgeving van Buurtbeeld.",
            code="BB-DBR-012",
            hint="Het doorbrakenregister staat in de interne omgeving.",
        )
    chosen = code.strip().upper() or (request.app.state.workspace.config.default_gemeente or "")
    if not chosen:
        return None
    try:
        region = cube.region(chosen)
    except NotFoundError:
        region = None
    if region is None or region.level != "gemeente":
        raise BreakthroughError(
            "Kies een gemeente voor het doorbrakenregister.",
            code="BB-DBR-011",
            hint="Gebruik een gemeentecode, bijvoorbeeld GM0505.",
        )
    return region


def _wijken(cube: Cube, gemeente: RegionRow) -> list[RegionRow]:
    return sorted(cube.children(gemeente.code, "wijk"), key=lambda r: r.code)


def _labels(cube: Cube, gemeente: RegionRow) -> dict[str, dict[str, str]]:
    return {
        "blokkade": BLOCKERS,
        "wijk": {w.code: w.name for w in _wijken(cube, gemeente)},
        "domein": DOMAINS,
        "wet": LAWS,
    }


def _tables(request: Request, cube: Cube, gemeente: RegionRow) -> list[BreakdownTable] | None:
    db = steer_db(request, create=False)
    records = BreakthroughStore(db).records(gemeente.code) if db is not None else []
    if not records:
        return None
    wijken = [w.code for w in _wijken(cube, gemeente)]
    return protected_tables(records, gemeente.code, wijken, seed=f"doorbraken-{gemeente.code}")


def _form(
    request: Request,
    cube: Cube,
    gemeente: RegionRow | None,
    status: int = 200,
    *,
    values: dict[str, object] | None = None,
    error: BreakthroughError | None = None,
    saved: bool = False,
) -> Response:
    return templates.TemplateResponse(
        request,
        "doorbraak_nieuw.html",
        {
            "gemeente": gemeente,
            "gemeenten": cube.gemeenten(),
            "wijken": _wijken(cube, gemeente) if gemeente else [],
            "domains": DOMAINS,
            "blockers": BLOCKERS,
            "laws": LAWS,
            "outcomes": OUTCOMES,
            "values": values or {},
            "error": error,
            "saved": saved,
        },
        status_code=status,
    )


@router.get("/doorbraken/nieuw", response_class=HTMLResponse)
def new_breakthrough(
    request: Request, cube: CubeDep, gemeente: str = "", vastgelegd: int = 0
) -> Response:
    """The form for case workers."""
    return _form(request, cube, _gemeente(request, cube, gemeente[:10]), saved=bool(vastgelegd))


@router.post("/doorbraken/nieuw", response_class=HTMLResponse)
def record_breakthrough(
    request: Request,
    cube: CubeDep,
    gemeente: Annotated[str, Form(max_length=10)] = "",
    wijk: Annotated[str, Form(max_length=12)] = "",
    domein: Annotated[str, Form(max_length=40)] = "",
    andere_domeinen: Annotated[list[str] | None, Form(max_length=40)] = None,
    blokkade: Annotated[str, Form(max_length=40)] = "",
    wet: Annotated[str, Form(max_length=40)] = "",
    artikel: Annotated[str, Form(max_length=1000)] = "",
    doorbraak: Annotated[str, Form(max_length=5000)] = "",
    uitkomst: Annotated[str, Form(max_length=40)] = "",
    toestemming: Annotated[str, Form(max_length=10)] = "",
    bevestig: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Save one doorbraak after validation and the privacy check; else the form, nothing saved."""
    values: dict[str, object] = {
        "wijk": wijk, "domein": domein, "andere_domeinen": andere_domeinen or [],
        "blokkade": blokkade, "wet": wet, "artikel": artikel, "doorbraak": doorbraak,
        "uitkomst": uitkomst, "toestemming": toestemming,
    }  # fmt: skip
    chosen = _gemeente(request, cube, gemeente)
    if chosen is None:
        raise BreakthroughError(
            "Kies een gemeente voor het doorbrakenregister.",
            code="BB-DBR-011",
            hint="Gebruik een gemeentecode, bijvoorbeeld GM0505.",
        )
    name, _role = actor(request)
    report = Report(
        chosen.code, wijk, domein, tuple(andere_domeinen or ()), blokkade, wet, artikel,
        doorbraak, uitkomst, toestemming, confirmed=bevestig == "ja",
    )  # fmt: skip
    try:
        db = steer_db(request, create=True)
        assert db is not None
        names, _small = area_names(cube, chosen.code)
        BreakthroughStore(db).record(
            report,
            author=name,
            wijken={w.code for w in _wijken(cube, chosen)},
            area_names=names,
        )
    except BreakthroughError as err:
        if err.code == "BB-DBR-011":
            raise
        return _form(request, cube, chosen, 422, values=values, error=err)
    return RedirectResponse(
        f"/doorbraken/nieuw?gemeente={chosen.code}&vastgelegd=1", status_code=303
    )


@router.get("/doorbraken", response_class=HTMLResponse)
def analysis(request: Request, cube: CubeDep, gemeente: str = "") -> Response:
    """Where the system pinches: protected counts per rule, blockage, wijk and domain."""
    chosen = _gemeente(request, cube, gemeente[:10])
    return templates.TemplateResponse(
        request,
        "doorbraken.html",
        {
            "gemeente": chosen,
            "gemeenten": cube.gemeenten(),
            "tables": _tables(request, cube, chosen) if chosen else None,
            "labels": _labels(cube, chosen) if chosen else {},
            "total": TOTAL,
        },
    )


@router.get("/doorbraken/analyse.csv")
def analysis_csv(request: Request, cube: CubeDep, gemeente: str = "") -> Response:
    """The protected tables as one CSV (semicolons; hidden cells empty with status)."""
    chosen = _gemeente(request, cube, gemeente[:10])
    if chosen is None:
        raise BreakthroughError(
            "Kies een gemeente voor het doorbrakenregister.",
            code="BB-DBR-011",
            hint="Gebruik /doorbraken/analyse.csv?gemeente=GM0505.",
        )
    labels = _labels(cube, chosen)
    rows = [
        [
            chosen.code,
            table.id,
            csv_safe(labels[table.id].get(column, "Totaal")),
            csv_safe(LAWS.get(row, "Totaal")),
            "" if cell.value is None else cell.value,
            "verborgen" if cell.value is None else "gepubliceerd",
        ]
        for table in _tables(request, cube, chosen) or []
        for column in table.columns
        for row in table.rows
        for cell in [table.cells[row, column]]
    ]
    header = ["gemeente", "indeling", "categorie", "wet_of_regel", "aantal", "status"]
    return csv_attachment(csv_text(header, rows), f"buurtbeeld_doorbraken_{chosen.code}.csv")
