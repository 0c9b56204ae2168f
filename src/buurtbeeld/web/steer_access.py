"""Who writes, and into which database, on the steering pages (duiding, doorbraken).

With sign-in the platform database of the sign-in (``app.state.auth.db``) and the session's user
and role. In the local viewer (no sign-in, the owner on their own machine) the workspace's
platform database, opened on first use, and the owner acts as ``analist``: the one user of the
workspace writes and approves their own duiding.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import Request

from buurtbeeld.catalog.load import Catalog
from buurtbeeld.platform.db import PlatformDB, open_platform, platform_present
from buurtbeeld.platform.roles import Role
from buurtbeeld.web.access import role_of, sign_in_configured
from buurtbeeld.web.auth import current_session

LOCAL_OWNER = "eigenaar (lokaal)"


def steer_db(request: Request, *, create: bool) -> PlatformDB | None:
    """The platform database: the sign-in's, else the workspace's (opened once and kept).

    ``None`` in the local viewer when none exists yet and not ``create``: reading a page
    creates no database.
    """
    auth = getattr(request.app.state, "auth", None)
    if auth is not None:
        db: PlatformDB = auth.db
        return db
    cached: PlatformDB | None = getattr(request.app.state, "steer_db", None)
    if cached is not None:
        return cached
    root: Path = request.app.state.workspace.root
    if not create and not platform_present(root):
        return None
    request.app.state.steer_db = open_platform(root)
    return request.app.state.steer_db  # type: ignore[no-any-return]


def actor(request: Request) -> tuple[str, Role]:
    """The user name and role that write (the local owner acts as analist)."""
    if not sign_in_configured(request):
        return LOCAL_OWNER, Role.ANALYST
    session = current_session(request)
    if session is None:
        return "publiek", Role.PUBLIC
    return session.user.name, session.user.role


def public_instance(request: Request) -> bool:
    """Whether this is a public instance (only public data; nobody writes duiding here)."""
    return bool(request.app.state.workspace.config.public)


def visible_themes(request: Request) -> frozenset[str] | None:
    """The themes whose approved duiding this request sees; ``None``: every theme.

    Signed-in roles and the local viewer see all. ``publiek`` sees duiding only where both area
    and theme are public (issue 16): every area is public (CBS open data), and a theme is public
    when it has indicators and every one of them is public under the publication decisions
    (``web/visibility.py``). A public instance shows none: duiding stays in the internal
    platform database.
    """
    if public_instance(request):
        return frozenset()
    if role_of(request) is not Role.PUBLIC:
        return None
    from buurtbeeld.web.deps import get_catalog

    full: Catalog = request.app.state.catalog
    seen = {i.id for i in get_catalog(request).indicators}
    out = set()
    for theme in full.themes:
        ids = [i.id for i in full.indicators if i.theme == theme.id]
        if ids and all(i in seen for i in ids):
            out.add(theme.id)
    return frozenset(out)


def may_write(request: Request) -> bool:
    """Whether this request may propose duiding or record doorbraken (a link on a page)."""
    return not public_instance(request) and role_of(request) is not Role.PUBLIC
