"""Who writes, and into which database, on the steering pages (duiding, doorbraken).

With sign-in the platform database of the sign-in (``app.state.auth.db``) and the session's user
and role. In the local viewer (no sign-in, the owner on their own machine) the workspace's
platform database, opened on first use, and the owner acts as ``analist``: the one user of the
workspace writes and approves their own duiding.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import Request

from buurtbeeld.platform.db import DB_FILE, ENV_DATABASE_URL, PlatformDB, open_platform
from buurtbeeld.platform.roles import Role
from buurtbeeld.web.access import role_of, sign_in_configured
from buurtbeeld.web.auth import current_session

LOCAL_OWNER = "eigenaar (lokaal)"


def steer_db(request: Request, *, create: bool) -> PlatformDB | None:
    """The platform database; ``None`` in the local viewer when none exists yet and not ``create``."""
    auth = getattr(request.app.state, "auth", None)
    if auth is not None:
        db: PlatformDB = auth.db
        return db
    cached: PlatformDB | None = getattr(request.app.state, "steer_db", None)
    if cached is not None:
        return cached
    root: Path = request.app.state.workspace.root
    if not create and not os.environ.get(ENV_DATABASE_URL) and not (root / DB_FILE).exists():
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


def sees_duiding(request: Request) -> bool:
    """Whether this request sees approved duiding (signed-in roles; publiek until visibility)."""
    return role_of(request) is not Role.PUBLIC
