"""Application factory: ``create_app(workspace_root)`` builds the FastAPI app."""

from __future__ import annotations

import base64
import hashlib
import logging
import os
import re
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware

from buurtbeeld import __version__
from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.platform import auth_settings
from buurtbeeld.platform.auth_settings import AuthConfig
from buurtbeeld.platform.db import open_platform
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web import (
    analysis_pages,
    api,
    change_pages,
    doorbraken_pages,
    duiding_pages,
    hotspot_pages,
    import_pages,
    jam_pages,
    map_tiles,
    openapi_view,
    overlap_api,
    overlap_pages,
    pages,
    publication_pages,
    readiness,
    report_pages,
    risk_pages,
    stacking_pages,
    steer_goal_pages,
    steer_pages,
    typology_pages,
)
from buurtbeeld.web import auth as auth_routes
from buurtbeeld.web.access import RouteAccess
from buurtbeeld.web.access_log import AccessLog
from buurtbeeld.web.cache import LRUCache
from buurtbeeld.web.compression import PrecompressedStaticFiles
from buurtbeeld.web.deps import HERE
from buurtbeeld.web.export_audit import ExportAudit
from buurtbeeld.web.import_pages import UploadLimit
from buurtbeeld.web.middleware import (
    CONTENT_SECURITY_POLICY,
    LOCAL_HOSTS,
    HeadAsGet,
    HostCheck,
    RequestLimits,
    SecurityHeaders,
)
from buurtbeeld.web.problems import problem, title
from buurtbeeld.web.served import Generations, PinGeneration, Served
from buurtbeeld.web.visibility import check_public_instance

log = logging.getLogger("buurtbeeld.web")
# For ``buurtbeeld serve --processen N``: each worker process builds the app from these.
ENV_WORKSPACE = "BUURTBEELD_WERKMAP"
ENV_HOSTS = "BUURTBEELD_HOSTNAMEN"


def app_from_environment() -> FastAPI:
    """uvicorn factory for several worker processes (settings from the environment)."""
    hosts = [h for h in os.environ.get(ENV_HOSTS, "").split(",") if h]
    return create_app(Path(os.environ[ENV_WORKSPACE]), hosts=hosts)


def create_app(
    workspace_root: Path, *, hosts: Iterable[str] = (), auth: AuthConfig | None = None
) -> FastAPI:
    """Build the app for one workspace (opened read-only for the app's lifetime).

    ``hosts``: names besides 127.0.0.1/localhost under which the app may be addressed.
    ``auth``: sign-in settings (default: from the environment; none = the local viewer).
    """
    workspace = open_workspace(workspace_root)
    sign_in = auth or auth_settings.from_environment()  # None: the local viewer, no sign-in
    if auth is None:
        check_public_instance(workspace)  # a public site serves only a public workspace

    def follow(current: Served) -> None:  # app.state.cube/catalog: the current generation's
        app.state.cube, app.state.catalog = current.cube, current.catalog

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # The cube, catalogue and view caches of the current generation (web/served.py).
        app.state.generations = Generations(workspace, on_switch=follow)
        app.state.gzip_cache = LRUCache(size=16)  # compressed large GeoJSON (web/compression.py)
        yield
        app.state.generations.close()
        if getattr(app.state, "steer_db", None) is not None:
            app.state.steer_db.close()
        if hasattr(app.state, "auth"):
            app.state.auth.db.close()

    app = FastAPI(
        title="Buurtbeeld API",
        version=__version__,
        description=(
            "Gepubliceerde, beschermde cijfers van het sociaal domein per gemeente, wijk en buurt. "
            "Verborgen cijfers worden nooit als getal geleverd. Fouten volgen RFC 9457 "
            "(application/problem+json). Bron: CBS."
        ),
        lifespan=lifespan,
        openapi_url=None,  # served per role by web/openapi_view.py
        docs_url=None,
        redoc_url=None,
        license_info={"name": "EUPL-1.2", "identifier": "EUPL-1.2"},
        dependencies=[Depends(auth_routes.require_csrf)],  # every POST/PUT/PATCH/DELETE
    )
    app.state.workspace = workspace
    app.mount("/static", PrecompressedStaticFiles(directory=str(HERE / "static")), name="static")
    # Outermost last: every response (also a refusal) gets the security headers.
    if sign_in is not None:
        app.add_middleware(UploadLimit)  # before the body is read (web/import_pages.py)
    if sign_in is not None:  # export_intern audit entries (web/export_audit.py)
        app.add_middleware(ExportAudit, router=app.router)
    app.add_middleware(PinGeneration)  # each request: one cube generation (web/served.py)
    app.add_middleware(RouteAccess)  # the route table × roles, with sign-in (web/access.py)
    app.add_middleware(GZipMiddleware, minimum_size=1000, compresslevel=5)
    app.add_middleware(HeadAsGet)
    app.add_middleware(RequestLimits)
    public_hosts = sign_in.hosts if sign_in else ()  # the host of BUURTBEELD_ADRES
    app.add_middleware(HostCheck, hosts=[*LOCAL_HOSTS, *hosts, *public_hosts])
    app.add_middleware(SecurityHeaders)
    app.add_middleware(AccessLog, router=app.router)  # outermost: also refusals are logged
    docs_body, docs_csp = _api_docs_page(openapi_view.OPENAPI_URL, app.title)

    @app.get("/api/v1/docs", include_in_schema=False)
    def api_docs() -> Response:
        return HTMLResponse(docs_body, headers={"content-security-policy": docs_csp})

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

    if sign_in is not None:  # sign-in configured: routes, sessions and the platform database
        auth_routes.install(app, sign_in, open_platform(workspace.root))
        app.include_router(import_pages.router)  # Beheer → Imports (background jobs)
    app.include_router(pages.router)
    app.include_router(report_pages.router)  # issue 13 item 3: reports and exports
    app.include_router(stacking_pages.router)
    app.include_router(change_pages.router)
    app.include_router(overlap_pages.router)
    app.include_router(hotspot_pages.router)  # issue 15: hotspots, jam-wijken, buurttypen
    app.include_router(analysis_pages.router)
    app.include_router(jam_pages.router)
    app.include_router(typology_pages.router)
    app.include_router(risk_pages.router)  # issue 15 item 4: group-level risk factors
    app.include_router(steer_pages.router)  # /sturen (issue 16)
    app.include_router(steer_goal_pages.router)
    app.include_router(duiding_pages.router)
    app.include_router(doorbraken_pages.router)
    app.include_router(api.router)
    app.include_router(map_tiles.router)
    app.include_router(overlap_api.router)
    app.include_router(openapi_view.router)
    app.include_router(publication_pages.router)

    @app.get("/gezond", include_in_schema=False)
    def health() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(readiness.router)  # /klaar

    return app


def _api_docs_page(openapi_url: str, title: str) -> tuple[bytes, str]:
    """Swagger UI from the vendored files, and a CSP that allows exactly its inline script."""
    page = get_swagger_ui_html(
        openapi_url=openapi_url,
        title=f"{title} – documentatie",
        swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
        swagger_favicon_url="/static/vendor/swagger-ui/favicon-32x32.png",
    )
    body = bytes(page.body)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(script).digest()).decode() + "'"
        for script in re.findall(rb"<script>(.*?)</script>", body, flags=re.DOTALL)
    )
    csp = CONTENT_SECURITY_POLICY.replace("script-src 'self'", f"script-src 'self' {hashes}")
    return body, csp
