"""The route table of ``platform.roles`` enforced for every request (issue 12 item 2).

With sign-in configured (``app.state.auth`` exists) :class:`RouteAccess` looks up each request's
row in :data:`buurtbeeld.platform.roles.ROUTES` *before* routing, so an internal handler never
runs for a role that may not use it:

- no row (an unknown path or method): 404, the same answer the app gives for a page that does
  not exist, for every role;
- a public row: passes without a session lookup;
- otherwise the role comes from the server-side session (``platform.sessions``; ``publiek``
  without one). Refused: an anonymous page GET (not under ``/api/``) is sent to
  ``/inloggen?volgende=…``; everything else gets 403 (problem+json for the API, the Dutch error
  page for browsers, code BB-PLT-040). The decision uses only the method, the path and the role:
  an internal path answers the same whether or not the thing behind it exists.

Without sign-in (the local viewer on the owner's own machine) nothing is refused here and the
single user sees what a ``lezer`` sees, internal figures included (:func:`role_of`).

Pages ask :func:`may_open` before they show a section or a link that belongs to another route, so
a public page does not reveal what only an internal route shows (for example that partner figures
for a stapeling exist).
"""

from __future__ import annotations

from urllib.parse import quote

from anyio import to_thread
from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from buurtbeeld.platform.roles import Access, Role, allowed, route_for
from buurtbeeld.web.auth import current_session
from buurtbeeld.web.problems import problem, title

FORBIDDEN_CODE = "BB-PLT-040"
SIGN_IN_PATH = "/inloggen"


def sign_in_configured(request: Request) -> bool:
    """Whether this app has sign-in (else it is the local viewer)."""
    return getattr(request.app.state, "auth", None) is not None


def role_of(request: Request) -> Role:
    """The role of this request: the session's, ``publiek`` without one, ``lezer`` locally."""
    if not sign_in_configured(request):
        return Role.READER
    session = current_session(request)
    return Role.PUBLIC if session is None else session.user.role


def may_open(request: Request, path: str, method: str = "GET") -> bool:
    """Whether this request's role may use ``path`` (for links and sections on a page)."""
    if not sign_in_configured(request):
        return True
    return allowed(role_of(request), method, path)


def _not_found(request: Request) -> Response:
    return problem(request, 404, title(404), "Deze pagina bestaat niet.", "BB-HTTP-404")


def _refused(request: Request, role: Role) -> Response:
    path = request.url.path
    if role is Role.PUBLIC and request.method in ("GET", "HEAD") and not path.startswith("/api/"):
        target = path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(
            f"{SIGN_IN_PATH}?volgende={quote(target, safe='')}",
            status_code=303,
            headers={"cache-control": "no-store"},
        )
    if role is Role.PUBLIC:
        detail = "Voor dit onderdeel moet u aangemeld zijn."
        hint = "Meld u aan via /inloggen."
    else:
        detail = "Uw rol geeft geen toegang tot dit onderdeel."
        hint = "Vraag de beheerder van Buurtbeeld om een andere rol als u dit nodig hebt."
    response = problem(request, 403, "Geen toegang", detail, FORBIDDEN_CODE, hint)
    response.headers["cache-control"] = "no-store"
    return response


class RouteAccess:
    """ASGI middleware: refuse what the route table does not allow this request's role."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if not sign_in_configured(request):  # the local viewer
            await self.app(scope, receive, send)
            return
        route = route_for(request.method, request.url.path)
        if route is None:
            response = _not_found(request)
        elif route.access is Access.PUBLIC:
            await self.app(scope, receive, send)
            return
        else:
            role = await to_thread.run_sync(role_of, request)  # a database lookup
            if role in route.roles:
                await self.app(scope, receive, send)
                return
            response = _refused(request, role)
        await response(scope, receive, send)
