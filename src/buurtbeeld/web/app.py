"""Application factory: ``create_app(workspace_root)`` builds the FastAPI app."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from buurtbeeld import __version__
from buurtbeeld.catalog.load import builtin_catalog
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.store.cube import Cube
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web import api, pages
from buurtbeeld.web.cache import LRUCache
from buurtbeeld.web.deps import HERE
from buurtbeeld.web.problems import problem, title

log = logging.getLogger("buurtbeeld.web")


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
        return problem(
            request, exc.http_status, title(exc.http_status), exc.message, exc.code, exc.hint
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        detail = "Deze pagina bestaat niet." if exc.status_code == 404 else str(exc.detail)
        return problem(
            request, exc.status_code, title(exc.status_code), detail, f"BB-HTTP-{exc.status_code}"
        )

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        fields = ", ".join(
            ".".join(str(p) for p in e["loc"][1:]) or str(e["loc"][0]) for e in exc.errors()
        )
        return problem(
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
        return problem(
            request,
            500,
            "Interne fout",
            "Er ging iets mis in Buurtbeeld.",
            "BB-GEN-000",
            "Probeer het later opnieuw of meld het aan de beheerder.",
        )

    app.include_router(pages.router)
    app.include_router(api.router)

    @app.get("/gezond", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
