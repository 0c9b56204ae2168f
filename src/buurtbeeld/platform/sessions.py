"""Server-side sessions.

The browser holds a random token (256 bits, URL-safe); the database holds only its SHA-256 hash,
so a copy of the database does not let anyone take over a session. Each session has an absolute
expiry and its own CSRF token (for the hidden field of every form). ``get`` answers ``None`` for
an unknown, expired or ended token and for a disabled or deleted user; the user's *current* role
comes with it, so a role change takes effect on the next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, insert, select, update

from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.platform.errors import PlatformError
from buurtbeeld.platform.tables import sessions, users
from buurtbeeld.platform.users import _COLUMNS, User, _user

MAX_TTL = timedelta(days=7)


def token_hash(token: str) -> str:
    """SHA-256 hex of a session token (what the database stores)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _aware(value: datetime) -> datetime:
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).astimezone(UTC)


@dataclass(frozen=True)
class Session:
    """A live session."""

    user: User
    csrf_token: str
    created_at: datetime
    expires_at: datetime

    def csrf_ok(self, submitted: str | None) -> bool:
        """Whether a submitted form carries this session's CSRF token (constant-time compare)."""
        return bool(submitted) and hmac.compare_digest(
            self.csrf_token.encode(), (submitted or "").encode()
        )


class SessionStore:
    """Create, look up and end sessions."""

    def __init__(self, db: PlatformDB) -> None:
        self.db = db

    def create(self, user: User, ttl: timedelta) -> str:
        """A new session for ``user``; returns the token for the cookie (never stored)."""
        if ttl <= timedelta(0) or ttl > MAX_TTL:
            raise PlatformError(
                "Een sessie duurt langer dan 0 minuten en hoogstens 7 dagen.",
                code="BB-PLT-031",
                hint="Pas BUURTBEELD_SESSIE_MINUTEN aan.",
            )
        if user.disabled:
            raise PlatformError(
                f"Het account '{user.name}' is uitgeschakeld.",
                code="BB-PLT-016",
                hint="Vraag een beheerder het account in te schakelen.",
            )
        token = secrets.token_urlsafe(32)
        now = datetime.now(UTC)
        with self.db.begin() as con:
            con.execute(
                insert(sessions).values(
                    token_hash=token_hash(token),
                    user_id=user.id,
                    csrf_token=secrets.token_urlsafe(32),
                    created_at=now,
                    expires_at=now + ttl,
                )
            )
        return token

    def get(self, token: str | None) -> Session | None:
        """The live session of ``token``, or ``None``."""
        if not token or len(token) > 128:
            return None
        with self.db.begin() as con:
            row = con.execute(
                select(
                    *_COLUMNS,
                    sessions.c.csrf_token,
                    sessions.c.expires_at,
                    sessions.c.ended_at,
                    sessions.c.created_at.label("session_created_at"),
                )
                .join(users, users.c.id == sessions.c.user_id)
                .where(sessions.c.token_hash == token_hash(token))
            ).first()
        if row is None:
            return None
        m = row._mapping
        expires = _aware(m["expires_at"])
        if m["ended_at"] is not None or expires <= datetime.now(UTC) or m["disabled"]:
            return None
        return Session(
            user=_user(row),
            csrf_token=m["csrf_token"],
            created_at=_aware(m["session_created_at"]),
            expires_at=expires,
        )

    def end(self, token: str | None) -> bool:
        """End a session (logout); whether a live session was ended."""
        if not token or len(token) > 128:
            return False
        now = datetime.now(UTC)
        with self.db.begin() as con:
            result = con.execute(
                update(sessions)
                .where(sessions.c.token_hash == token_hash(token), sessions.c.ended_at.is_(None))
                .values(ended_at=now)
            )
        return result.rowcount > 0

    def end_all(self, user: User) -> int:
        """End every session of ``user``; how many were live."""
        with self.db.begin() as con:
            result = con.execute(
                update(sessions)
                .where(sessions.c.user_id == user.id, sessions.c.ended_at.is_(None))
                .values(ended_at=datetime.now(UTC))
            )
        return result.rowcount

    def purge(self, *, older_than: timedelta = timedelta(days=1)) -> int:
        """Delete sessions that expired or ended more than ``older_than`` ago."""
        cutoff = datetime.now(UTC) - older_than
        with self.db.begin() as con:
            result = con.execute(
                delete(sessions).where(
                    (sessions.c.expires_at < cutoff) | (sessions.c.ended_at < cutoff)
                )
            )
        return result.rowcount
