"""Errors as responses: RFC 9457 problem+json for the API, the Dutch error page for browsers."""

from __future__ import annotations

import re

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from buurtbeeld.web.deps import templates

# Inputs echoed in a message (a code, an indicator) are cut to this many characters.
ECHO_LIMIT = 80
MESSAGE_LIMIT = 600
_LONG_WORD = re.compile(rf"\S{{{ECHO_LIMIT + 1},}}")


def shorten(text: str) -> str:
    """``text`` with every run of more than 80 non-space characters cut to 80 + …

    Error messages name the input they refuse; a 100 KB parameter must not come back whole.
    (Markup is escaped by the templates and by JSON; this bounds the size.)
    """
    shortened = _LONG_WORD.sub(lambda m: m.group()[:ECHO_LIMIT] + "…", text)
    return shortened if len(shortened) <= MESSAGE_LIMIT else shortened[:MESSAGE_LIMIT] + "…"


def wants_json(request: Request) -> bool:
    """API paths and clients that ask for JSON get problem+json; browsers get a page."""
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get(
        "accept", ""
    )


def problem(
    request: Request, status: int, title: str, detail: str, code: str, hint: str | None = None
) -> Response:
    """An error response with a stable code and a Dutch hint (echoed inputs shortened)."""
    detail = shorten(detail)
    hint = shorten(hint) if hint else hint
    if wants_json(request):
        body = {
            "type": f"https://buurtbeeld.nl/fouten#{code}",
            "title": title,
            "status": status,
            "detail": detail,
            "code": code,
            "instance": shorten(request.url.path),
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


def title(status: int) -> str:
    """Dutch title of an HTTP status."""
    return {
        400: "Ongeldige invoer",
        404: "Niet gevonden",
        422: "Niet te verwerken",
        500: "Interne fout",
        503: "Nog niet klaar",
    }.get(status, "Fout")
