"""``/klaar`` (readiness): may this process get traffic? ``/gezond`` only says it runs.

Ready means: the workspace opens, the cube answers a query, and (when sign-in is configured)
the platform database answers and is migrated. Otherwise 503 with a Dutch problem+json naming
the first failing part; the cause goes to the log as its type only (no paths, no URLs).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from buurtbeeld.errors import BuurtbeeldError
from buurtbeeld.store.workspace import open_workspace
from buurtbeeld.web.served import served

log = logging.getLogger("buurtbeeld.web")
router = APIRouter(include_in_schema=False)


class NotReadyError(BuurtbeeldError):
    """One part the app needs does not answer (``/klaar`` gives 503)."""

    code = "BB-OPS-001"
    http_status = 503
    default_hint = "Bekijk het log van Buurtbeeld; /gezond zegt of het proces zelf draait."


def _workspace(request: Request) -> None:
    open_workspace(request.app.state.workspace.root)


def _cube(request: Request) -> None:
    served(request).cube.cursor().execute("SELECT count(*) FROM region").fetchone()


def _platform(request: Request) -> None:
    from buurtbeeld.platform.db import current_revision, head_revision

    auth = getattr(request.app.state, "auth", None)
    if auth is not None and current_revision(auth.db) != head_revision():
        raise RuntimeError("platform database not migrated")


CHECKS: list[tuple[str, Callable[[Request], None], NotReadyError]] = [
    (
        "werkmap",
        _workspace,
        NotReadyError(
            "De werkmap is niet (meer) te openen.",
            hint="Controleer of de werkmap (het volume) aanwezig en leesbaar is.",
        ),
    ),
    (
        "kubus",
        _cube,
        NotReadyError(
            "De cijferdatabase (kubus) beantwoordt geen vraag.",
            code="BB-OPS-002",
            hint="Herstart Buurtbeeld; blijft dit, controleer dan buurtbeeld.duckdb in de werkmap.",
        ),
    ),
    (
        "platformdatabase",
        _platform,
        NotReadyError(
            "De platformdatabase is niet bereikbaar of niet bijgewerkt.",
            code="BB-OPS-003",
            hint="Controleer BUURTBEELD_DATABASE_URL en of de database draait; "
            "'buurtbeeld platform migreer' werkt de tabellen bij.",
        ),
    ),
]


@router.get("/klaar")
def ready(request: Request) -> JSONResponse:
    """200 with the checks when ready, else 503 problem+json (also for browsers)."""
    results: dict[str, str] = {}
    failed: NotReadyError | None = None
    for name, check, error in CHECKS:
        if name == "platformdatabase" and getattr(request.app.state, "auth", None) is None:
            results[name] = "niet ingesteld"
            continue
        try:
            check(request)
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 (any failure means: not ready)
            log.warning("Niet klaar: %s faalt (%s)", name, type(exc).__name__)
            results[name] = "fout"
            failed = failed or error
    if failed is None:
        return JSONResponse(
            {"status": "klaar", "controles": results}, headers={"cache-control": "no-store"}
        )
    body = {
        "type": f"https://buurtbeeld.nl/fouten#{failed.code}",
        "title": "Niet klaar",
        "status": 503,
        "detail": failed.message,
        "code": failed.code,
        "hint": failed.hint,
        "instance": "/klaar",
        "controles": results,
    }
    return JSONResponse(
        body,
        status_code=503,
        media_type="application/problem+json",
        headers={"cache-control": "no-store", "retry-after": "10"},
    )
