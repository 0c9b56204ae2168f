"""Request logs without personal data, as JSON lines or readable text (``serve --logformaat``).

One record per request: time, level, event, method, the *route template* (``/regio/{code}``, never
the raw path or query string), status, duration in ms and a request id. Never logged: IP
addresses, user names, query values, cookies, authorization headers. uvicorn's own access log
(which has the client address and the full request line) is switched off in ``logging_config``.
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.routing import Match, Mount, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LOGGER = "buurtbeeld.toegang"
FORMATS = ("json", "tekst")
ENV_LOG_FORMAT = "BUURTBEELD_LOGFORMAAT"
NO_ROUTE = "(geen route)"
# A request id from the reverse proxy (nginx ``$request_id``: 32 hex digits) is kept so log lines
# of proxy and app can be joined; anything else is replaced by our own.
_PROXY_ID = re.compile(r"[0-9A-Za-z-]{8,64}")
# Fields a record may carry besides the message; nothing else from ``extra`` is written.
FIELDS = ("method", "route", "status", "duur_ms", "verzoek_id")
log = logging.getLogger(LOGGER)


def route_template(router: Router, scope: Scope) -> str:
    """The path template of the route that answers ``scope`` (``NO_ROUTE`` if none)."""
    partial = None
    for route in router.routes:
        inner = getattr(route, "original_router", None)  # FastAPI's included router
        if inner is not None:
            found = route_template(inner, scope)
            if found != NO_ROUTE:
                return found
            continue
        match, _ = route.matches(scope)
        path = str(getattr(route, "path", NO_ROUTE))
        if match is Match.FULL:
            return f"{path}/{{pad}}" if isinstance(route, Mount) else path
        if match is Match.PARTIAL and partial is None:
            partial = path  # a route for another method: 405
    return partial or NO_ROUTE


class AccessLog:
    """Log every HTTP request once, after its response started (outermost middleware)."""

    def __init__(self, app: ASGIApp, router: Router) -> None:
        self.app = app
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        request_id = _request_id(scope)
        status = 500  # an exception escaping the app: the server answers 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "verzoek",
                extra={
                    "method": scope["method"],
                    "route": route_template(self.router, {**scope, "method": _get(scope)}),
                    "status": status,
                    "duur_ms": round((time.perf_counter() - start) * 1000, 1),
                    "verzoek_id": request_id,
                },
            )


def _get(scope: Scope) -> str:
    return "GET" if scope["method"] == "HEAD" else str(scope["method"])


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = bytes(value).decode("latin-1")
            if _PROXY_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex


def _time(record: logging.LogRecord) -> str:
    moment = datetime.fromtimestamp(record.created, tz=UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, event and the request fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "tijd": _time(record),
            "niveau": record.levelname,
            "logger": record.name,
            "gebeurtenis": record.getMessage(),
        }
        entry.update({k: getattr(record, k) for k in FIELDS if hasattr(record, k)})
        if record.exc_info and record.exc_info[0] is not None:
            entry["fout"] = record.exc_info[0].__name__  # the type only: no values, no trace
        return json.dumps(entry, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """One readable line per record (for a terminal)."""

    def format(self, record: logging.LogRecord) -> str:
        parts = [_time(record), record.levelname, record.getMessage()]
        parts += [f"{k}={getattr(record, k)}" for k in FIELDS if hasattr(record, k)]
        if record.exc_info and record.exc_info[0] is not None:
            parts.append(f"fout={record.exc_info[0].__name__}")
        return " ".join(str(p) for p in parts)


def logging_config(fmt: str) -> dict[str, Any]:
    """``logging.config.dictConfig`` for uvicorn and Buurtbeeld in format ``json`` or ``tekst``."""
    formatter = JsonFormatter if fmt == "json" else TextFormatter
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "buurtbeeld",
        "stream": "ext://sys.stderr",
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"buurtbeeld": {"()": f"{__name__}.{formatter.__name__}"}},
        "handlers": {"buurtbeeld": handler},
        "loggers": {
            "buurtbeeld": {"handlers": ["buurtbeeld"], "level": "INFO", "propagate": False},
            "uvicorn": {"handlers": ["buurtbeeld"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            # Client address and full request line (with query values): never written.
            "uvicorn.access": {"handlers": [], "level": "CRITICAL", "propagate": False},
        },
    }
