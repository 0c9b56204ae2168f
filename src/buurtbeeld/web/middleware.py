"""ASGI middleware of the web app: security headers, host check, request limits, HEAD.

Pure ASGI (no ``BaseHTTPMiddleware``) so responses stream through unchanged. Every response —
pages, API, static files, and the refusals made here — gets the same security headers.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from urllib.parse import parse_qsl

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from buurtbeeld.web.problems import problem

# Hosts a local instance answers to; ``buurtbeeld serve --host`` adds its own name.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
# Longest query string and most values of one parameter a request may carry: a stapelkaart of
# every stackable indicator fits many times over; 2,000 repeats do not.
MAX_QUERY_BYTES = 4096
MAX_PARAMETER_VALUES = 25

# What the pages need: own scripts (ES modules), own styles plus style attributes (legend
# swatches), MapLibre's worker from the vendored file, images from data: and blob: (the favicon
# placeholder, MapLibre's canvas patterns), data fetched from this server only.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data: blob:; worker-src 'self'; connect-src 'self'; font-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """Add the security headers to every HTTP response; a route may set its own CSP."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _host_name(header: str) -> str:
    """The name of a Host header without its port (``[::1]:8000`` → ``::1``)."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1 : header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class HostCheck:
    """Answer only requests addressed to a configured host (DNS rebinding protection)."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = frozenset(_host_name(h) for h in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = Request(scope)
            if _host_name(request.headers.get("host", "")) not in self.hosts:
                response = problem(
                    request,
                    400,
                    "Onbekende host",
                    "Deze Buurtbeeld-server is niet bereikbaar onder deze naam.",
                    "BB-WEB-001",
                    "Gebruik het adres dat de beheerder heeft gegeven; de beheerder kan een naam "
                    "toestaan met 'buurtbeeld serve --hostnaam <naam>'.",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class RequestLimits:
    """Refuse query strings that are too long or repeat one parameter too often (coded 400)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            refusal = self._refusal(scope.get("query_string", b""))
            if refusal is not None:
                detail, code = refusal
                response = problem(
                    Request(scope),
                    400,
                    "Ongeldige invoer",
                    detail,
                    code,
                    "Kies minder waarden; elke indicator hoeft maar één keer genoemd te worden.",
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    @staticmethod
    def _refusal(query: bytes) -> tuple[str, str] | None:
        if len(query) > MAX_QUERY_BYTES:
            return (
                f"De zoekopdracht in het adres is te lang (meer dan {MAX_QUERY_BYTES} tekens).",
                "BB-API-402",
            )
        counts = Counter(name for name, _ in parse_qsl(query.decode("latin-1")))
        over = sorted(name for name, n in counts.items() if n > MAX_PARAMETER_VALUES)
        if over:
            names = ", ".join(name[:40] for name in over[:3])
            return (
                f"Parameter {names} komt te vaak voor (meer dan {MAX_PARAMETER_VALUES} keer).",
                "BB-API-401",
            )
        return None


class HeadAsGet:
    """HEAD on any GET route: run it as GET and send the headers without the body."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def send_headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, send_headers_only)
