"""Application factory: ``create_app(workspace_root)`` builds the FastAPI app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from buurtbeeld import __version__
from buurtbeeld.analysis.choropleth import Choropleth, build_choropleth
from buurtbeeld.catalog.load import Catalog, builtin_catalog
from buurtbeeld.catalog.models import Indicator
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.store.cube import STATUS_LABELS, Cube
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web.cache import LRUCache
from buurtbeeld.web.format import format_cell, format_number

HERE = Path(__file__).parent
log = logging.getLogger("buurtbeeld.web")

templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.filters["getal"] = format_number
templates.env.globals["format_cell"] = format_cell
templates.env.globals["status_labels"] = STATUS_LABELS
templates.env.globals["version"] = __version__


def get_cube(request: Request) -> Cube:
    """The workspace cube of this app."""
    cube: Cube = request.app.state.cube
    return cube


def get_catalog(request: Request) -> Catalog:
    """The indicator catalogue of this app."""
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_map_view(request: Request) -> MapViewFactory:
    """Cached choropleth views (shared by the map page, the table, CSV and the API)."""
    cube: Cube = request.app.state.cube
    cache: LRUCache = request.app.state.map_cache

    def view(area: str, indicator: Indicator, *, level: str, period: str | None) -> Choropleth:
        key = (area.strip().upper(), indicator.id, level, period)
        return cache.get_or_create(
            key, lambda: build_choropleth(cube, area, indicator, level=level, period=period)
        )

    return view


MapViewFactory = Callable[..., Choropleth]
CubeDep = Annotated[Cube, Depends(get_cube)]
MapViewDep = Annotated[MapViewFactory, Depends(get_map_view)]
CatalogDep = Annotated[Catalog, Depends(get_catalog)]


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def _problem(
    request: Request, status: int, title: str, detail: str, code: str, hint: str | None = None
) -> Response:
    if _wants_json(request):
        body = {
            "type": f"https://buurtbeeld.nl/fouten#{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
            "instance": request.url.path,
        }
        if hint:
            body["hint"] = hint
        return JSONResponse(body, status_code=status, media_type="application/problem+json")
    return templates.TemplateResponse(
        request,
        "fout.html",
        {"status": status, "title": title, "detail": detail, "code": code, "hint": hint},
        status_code=status,
    )


def create_app(workspace_root: Path) -> FastAPI:
    """Build the app for one workspace (opened read-only for the app's lifetime)."""
    workspace = open_workspace(workspace_root)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.cube = Cube(workspace)
        app.state.catalog = app.state.cube.catalog(builtin_catalog())
        app.state.map_cache = LRUCache(size=32)
        yield
        app.state.cube.close()

    app = FastAPI(
        title="Buurtbeeld API",
        version=__version__,
        description=(
            "Gepubliceerde, beschermde cijfers van het sociaal domein per gemeente, wijk en buurt. "
            "Verborgen cijfers worden nooit als getal geleverd. Fouten volgen RFC 9457 "
            "(application/problem+json). Bron: CBS."
        ),
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
        license_info={"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
    )
    app.state.workspace = workspace
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.exception_handler(BuurtbeeldError)
    async def _domain_error(request: Request, exc: BuurtbeeldError) -> Response:
        return _problem(
            request, exc.http_status, _title(exc.http_status), exc.message, exc.code, exc.hint
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = "Deze pagina bestaat niet." if exc.status_code == 404 else str(exc.detail)
        return _problem(
            request, exc.status_code, _title(exc.status_code), detail, f"BB-HTTP-{exc.status_code}"
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(
            ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]) for e in exc.errors()
        )
        return _problem(
            request,
            400,
            "Ongeldige invoer",
            f"Ongeldige of ontbrekende parameter: {fields}.",
            "BB-API-400",
            "Zie /api/v1/docs voor de toegestane waarden.",
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.error("Onverwachte fout bij %s: %s", request.url.path, type(exc).__name__)
        return _problem(
            request,
            500,
            "Interne fout",
            "Er ging iets mis in Buurtbeeld.",
            "BB-GEN-000",
            "Probeer het later opnieuw of meld het aan de beheerder.",
        )

    from buurtbeeld.web import api, pages

    app.include_router(pages.router)
    app.include_router(api.router)

    @app.get("/gezond", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _title(status: int) -> str:
    return {
        400: "Ongeldige invoer",
        404: "Niet gevonden",
        422: "Niet te verwerken",
        500: "Interne fout",
    }.get(status, "Fout")


__all__ = ["CatalogDep", "CubeDep", "HTMLResponse", "MapViewDep", "create_app", "templates"]
