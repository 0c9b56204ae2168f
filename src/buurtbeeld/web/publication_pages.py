"""The beheerder's publication page (``/beheer/publicatie``, issue 12 item 3).

Lists every source and indicator with its visibility (openbaar / intern, by decision or by
default) and the last decisions with their reasons; a form (CSRF as every form) publishes or
withdraws one source or indicator with a mandatory reason. Each act is one audit entry
(``platform.visibility.VisibilityStore.change``). Only a beheerder reaches it (``ROUTES``); in the
local viewer (no sign-in) the page shows the listing and points to ``buurtbeeld publicatie``.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from buurtbeeld.platform.db import open_platform, platform_present
from buurtbeeld.platform.visibility import (
    INDICATOR,
    SOURCE,
    VisibilityError,
    VisibilityStore,
    overview,
)
from buurtbeeld.web.auth import CsrfDep, current_session
from buurtbeeld.web.deps import templates
from buurtbeeld.web.served import served
from buurtbeeld.web.visibility import universe_for

router = APIRouter(include_in_schema=False)
PATH = "/beheer/publicatie"
ACTIONS = {"publiceren": True, "intrekken": False}


def _store(request: Request) -> tuple[VisibilityStore | None, bool]:
    """The decisions' store, and whether it must be closed after use (local viewer).

    The local viewer opens the workspace's platform database only when there is one (or
    ``BUURTBEELD_DATABASE_URL``): showing the page creates nothing.
    """
    auth = getattr(request.app.state, "auth", None)
    if auth is not None:
        return VisibilityStore(auth.db, auth.audit), False
    root = request.app.state.workspace.root
    if not platform_present(root):
        return None, False
    return VisibilityStore(open_platform(root)), True


def _page(
    request: Request,
    *,
    chosen: str = "",
    action: str = "publiceren",
    reason: str = "",
    error: VisibilityError | None = None,
    done: str = "",
) -> Response:
    store, close = _store(request)
    universe = universe_for(served(request).catalog, served(request).cube)
    decisions, history = {}, []
    if store is not None:
        try:
            decisions, history = store.decisions(), store.history()[:20]
        finally:
            if close:
                store.db.close()
    rows = overview(universe, decisions)
    return templates.TemplateResponse(
        request,
        "publicatie.html",
        {
            "sources": [r for r in rows if r[0] == SOURCE],
            "indicators": [r for r in rows if r[0] == INDICATOR],
            "history": history,
            "chosen": chosen,
            "action": action,
            "reason": reason,
            "error": error,
            "done": done,
            "can_act": getattr(request.app.state, "auth", None) is not None,
            "public_instance": request.app.state.workspace.config.public,
        },
        status_code=422 if error else 200,
    )


@router.get(PATH, response_class=HTMLResponse)
def publication_page(request: Request, onderwerp: str = "", gedaan: str = "") -> Response:
    """Sources and indicators with their visibility, and the form to publish or withdraw."""
    return _page(request, chosen=onderwerp[:250], done=gedaan[:250])


@router.post(PATH, response_class=HTMLResponse)
def publication_act(
    request: Request,
    _csrf: CsrfDep,
    onderwerp: Annotated[str, Form(max_length=250)] = "",
    actie: Annotated[str, Form(max_length=20)] = "",
    reden: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Publish or withdraw one source or indicator (a beheerder, with a reason)."""
    session = current_session(request)
    auth = getattr(request.app.state, "auth", None)
    if auth is None or session is None:  # the local viewer: acts go through the CLI
        raise VisibilityError(
            "Publiceren in de webapp kan alleen met aanmelden.",
            code="BB-PUB-010",
            hint="Gebruik 'buurtbeeld publicatie publiceer' of 'intrekken' op de opdrachtregel.",
        )
    kind, _, subject = onderwerp.partition(":")
    try:
        if actie not in ACTIONS:
            raise VisibilityError(
                "Kies publiceren of intrekken.", code="BB-PUB-008", hint="Kies een handeling."
            )
        universe = universe_for(served(request).catalog, served(request).cube)
        VisibilityStore(auth.db, auth.audit).change(
            universe,
            kind,
            subject,
            public=ACTIONS[actie],
            reason=reden,
            actor=session.user.name,
        )
    except VisibilityError as err:
        return _page(request, chosen=onderwerp, action=actie, reason=reden, error=err)
    word = "gepubliceerd" if ACTIONS[actie] else "ingetrokken"
    query = urlencode({"gedaan": word, "onderwerp": onderwerp})
    return RedirectResponse(f"{PATH}?{query}#resultaat", status_code=303)
