"""Audit entries for exports of internal data (issue 12 item 5): ``export_intern``.

What counts as an export: a CSV, GeoJSON, XLSX, GeoPackage or PDF download or an API answer (:data:`EXPORTS`) that
carries internal figures, fetched by a signed-in user. What is internal: what ``publiek`` may
not see under the current publication decisions (``web/visibility.py``: partner packages and
the stapeling of provisions until a beheerder publishes them; CBS/RIVM open data is public).

Volume (decision): one entry per download or API request, but **not** for the requests a page of
the app makes with its own script (the map page's GeoJSON): those are part of viewing the page,
and the browser marks them (``Sec-Fetch-Site: same-origin``, ``Sec-Fetch-Mode: cors``,
``Sec-Fetch-Dest: empty``). A download link clicked in a page is a navigation and is recorded;
scripts and tools (curl, Python) send no such headers and are recorded. Details: route template,
format, area and indicator ids — never a figure.

No export without its entry: the entry is written before the answer starts; when the audit log
cannot be written the answer is replaced by a 503 (``BB-JOB-020``).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qs

import anyio
from starlette.requests import Request
from starlette.routing import Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.platform.visibility import VisibilityStore
from buurtbeeld.web.access_log import route_template
from buurtbeeld.web.auth import current_session
from buurtbeeld.web.problems import problem
from buurtbeeld.web.served import Served, served
from buurtbeeld.web.visibility import universe_for, visible_under

log = logging.getLogger("buurtbeeld.web")
ALL = "*"  # the answer holds every indicator of the catalogue
ALWAYS = "!"  # the answer is internal by itself (linked partner figures)
# route template → (format, the query parameter naming the indicators, or ALL / ALWAYS)
EXPORTS: dict[str, tuple[str, str]] = {
    "/gemeente/{code}/tabel.csv": ("csv", "indicator"),
    "/gemeente/{code}/stapeling.csv": ("csv", "indicator"),
    "/gemeente/{code}/voorzieningen.csv": ("csv", ALWAYS),
    "/api/v1/waarden": ("json", "indicator"),
    "/api/v1/regios/{code}/profiel": ("json", ALL),
    "/api/v1/kaart/{gebied}.geojson": ("geojson", "indicator"),
    "/api/v1/kaart/{gebied}/klassen.json": ("json", "indicator"),
    "/api/v1/stapeling/{gebied}": ("json", "indicator"),
    "/api/v1/stapeling/{gebied}.geojson": ("geojson", "indicator"),
    "/api/v1/voorzieningen/{gebied}": ("json", ALWAYS),
    "/api/v1/voorzieningen/{gebied}.geojson": ("geojson", ALWAYS),
    "/gemeente/{code}/verandering.geojson": ("geojson", "indicator"),
    "/gemeente/{code}/hotspots.csv": ("csv", "indicator"),
    "/api/v1/hotspots/{gebied}.geojson": ("geojson", "indicator"),
    "/gemeente/{code}/jamwijken.csv": ("csv", "indicator"),
    "/gemeente/{code}/buurttypen.csv": ("csv", "indicator"),
    "/api/v1/buurttypen/{gebied}.geojson": ("geojson", "indicator"),
    # Reports and exports of map views (issue 13 item 3): the report holds every indicator.
    "/gemeente/{code}/tabel.xlsx": ("xlsx", "indicator"),
    "/gemeente/{code}/tabel.gpkg": ("gpkg", "indicator"),
    "/regio/{code}/rapport.pdf": ("pdf", ALL),
}
DOWNLOAD_SUFFIXES = (".csv", ".geojson", ".xlsx", ".gpkg", ".pdf")


def _area(template: str, path: str, scope: Scope) -> str:
    """The area of the request: the ``{code}``/``{gebied}`` path segment or the ``gebied`` query."""
    for part, value in zip(template.split("/"), path.split("/"), strict=False):
        if part.startswith(("{code}", "{gebied}")):
            return value.removesuffix(".geojson")[:20]
    query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin-1"))
    return query.get("gebied", [""])[0][:20]


def own_page_fetch(scope: Scope) -> bool:
    """Whether a request is a script fetch of one of the app's own pages (not recorded)."""
    headers = {k.lower(): v for k, v in scope["headers"]}
    return (
        headers.get(b"sec-fetch-site") == b"same-origin"
        and headers.get(b"sec-fetch-mode") in (b"cors", b"same-origin")
        and headers.get(b"sec-fetch-dest") == b"empty"
    )


def internal_now(current: Served, db: PlatformDB) -> tuple[frozenset[str], bool]:
    """(ids of the internal indicators, whether some stapeling is internal) under the decisions."""
    decisions = VisibilityStore(db).decisions()
    universe = universe_for(current.catalog, current.cube)
    visible = visible_under(universe, current.cube, decisions)
    indicators = frozenset(i.id for i in current.catalog.indicators) - visible.indicators
    stapeling = any(s.dataset not in visible.overlap_datasets for s in current.cube.overlap.sets)
    return indicators, stapeling


def exported_internal(
    scope: Scope, template: str, current: Served, db: PlatformDB
) -> list[str] | None:
    """The internal indicators an export of ``template`` carries (``[]``: the stapeling), or None."""
    fmt_param = EXPORTS.get(template)
    if fmt_param is None:
        return None
    internal, stapeling = internal_now(current, db)
    param = fmt_param[1]
    if param == ALWAYS:
        return [] if stapeling else None
    if param == ALL:
        found = sorted(internal)
    else:
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        found = sorted({i for i in query.get(param, []) if i in internal})
    return found or None


class ExportAudit:
    """ASGI middleware: an ``export_intern`` audit entry per export of internal data."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or not (path.startswith("/api/v1/") or path.endswith(DOWNLOAD_SUFFIXES))
            or own_page_fetch(scope)
        ):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        auth = getattr(scope["app"].state, "auth", None)
        session = current_session(request) if auth is not None else None
        template = route_template(self.router, scope)
        if session is None or auth is None:
            await self.app(scope, receive, send)
            return
        db = auth.db
        if template not in EXPORTS:
            await self.app(scope, receive, send)
            return
        indicators = await anyio.to_thread.run_sync(
            lambda: exported_internal(scope, template, served(request), db)
        )
        if indicators is None:
            await self.app(scope, receive, send)
            return
        details = {
            "route": template,
            "formaat": EXPORTS[template][0],
            "gebied": _area(template, path, scope),
            "indicatoren": indicators[:25],
        }
        refused = False

        async def send_after_audit(message: Message) -> None:
            nonlocal refused
            if refused:
                return
            if message["type"] == "http.response.start" and 200 <= message["status"] < 300:
                try:
                    await anyio.to_thread.run_sync(
                        lambda: AuditLog(db).append(
                            Event.INTERNAL_EXPORT, session.user.name, details
                        )
                    )
                except Exception as err:  # noqa: BLE001 - no export without its entry
                    log.error("Export niet vastgelegd in het auditlog: %s", type(err).__name__)
                    refused = True
                    response = problem(
                        request,
                        503,
                        "Tijdelijk niet beschikbaar",
                        "Deze export kon niet in het auditlog worden vastgelegd en is daarom niet "
                        "geleverd.",
                        "BB-JOB-020",
                        "Probeer het later opnieuw; blijft dit, meld het aan de beheerder.",
                    )
                    await response(scope, receive, send)
                    return
            await send(message)

        await self.app(scope, receive, send_after_audit)
