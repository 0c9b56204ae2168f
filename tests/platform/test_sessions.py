"""Server-side sessions: only the token's hash is stored, expiry, CSRF, logout, role changes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from buurtbeeld.platform.db import PlatformDB, open_platform
from buurtbeeld.platform.errors import PlatformError
from buurtbeeld.platform.roles import Role
from buurtbeeld.platform.sessions import SessionStore, token_hash
from buurtbeeld.platform.tables import sessions
from buurtbeeld.platform.users import User, UserStore


@pytest.fixture
def db(platform_url: str) -> Iterator[PlatformDB]:
    db = open_platform(None, url=platform_url)
    yield db
    db.close()


@pytest.fixture
def user(db: PlatformDB) -> User:
    return UserStore(db).create("sanne", "lezer", "zeven zeeuwse zeilboten", actor="test")


def test_session_round_trip_and_only_the_hash_is_stored(db: PlatformDB, user: User) -> None:
    store = SessionStore(db)
    token = store.create(user, timedelta(hours=8))
    assert len(token) >= 40
    with db.begin() as con:
        row = con.execute(select(sessions)).one()
    assert token not in " ".join(str(v) for v in row)
    assert row.token_hash == token_hash(token)
    session = store.get(token)
    assert session is not None and session.user.name == "sanne"
    assert session.expires_at - session.created_at == timedelta(hours=8)
    other = store.create(user, timedelta(hours=8))
    assert other != token and store.get(other).csrf_token != session.csrf_token  # type: ignore[union-attr]


def test_unknown_or_malformed_tokens_give_no_session(db: PlatformDB, user: User) -> None:
    store = SessionStore(db)
    store.create(user, timedelta(hours=1))
    for token in (None, "", "x", "a" * 500, token_hash("iets")):
        assert store.get(token) is None


def test_csrf_token_is_checked(db: PlatformDB, user: User) -> None:
    store = SessionStore(db)
    session = store.get(store.create(user, timedelta(hours=1)))
    assert session is not None
    assert session.csrf_ok(session.csrf_token)
    for wrong in (None, "", session.csrf_token[:-1], session.csrf_token + "x"):
        assert not session.csrf_ok(wrong)


def test_logout_ends_the_session(db: PlatformDB, user: User) -> None:
    store = SessionStore(db)
    token = store.create(user, timedelta(hours=1))
    keep = store.create(user, timedelta(hours=1))
    assert store.end(token) is True
    assert store.get(token) is None
    assert store.end(token) is False  # already ended
    assert store.get(keep) is not None
    assert store.end_all(user) == 1 and store.get(keep) is None


def test_an_expired_session_is_refused(db: PlatformDB, user: User) -> None:
    store = SessionStore(db)
    token = store.create(user, timedelta(hours=1))
    with db.begin() as con:
        con.execute(update(sessions).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
    assert store.get(token) is None
    with db.begin() as con:
        con.execute(update(sessions).values(expires_at=datetime.now(UTC) - timedelta(days=2)))
    assert store.purge() == 1


def test_role_change_and_disabling_take_effect_on_the_next_request(
    db: PlatformDB, user: User
) -> None:
    store, users = SessionStore(db), UserStore(db)
    token = store.create(user, timedelta(hours=1))
    users.set_role("sanne", "analist", actor="test")
    assert store.get(token).user.role is Role.ANALYST  # type: ignore[union-attr]
    users.set_disabled("sanne", True, actor="test")
    assert store.get(token) is None
    with pytest.raises(PlatformError) as err:
        store.create(users.get("sanne"), timedelta(hours=1))  # type: ignore[arg-type]
    assert err.value.code == "BB-PLT-016"


@pytest.mark.parametrize("ttl", [timedelta(0), timedelta(seconds=-1), timedelta(days=8)])
def test_session_lifetime_is_bounded(db: PlatformDB, user: User, ttl: timedelta) -> None:
    with pytest.raises(PlatformError) as err:
        SessionStore(db).create(user, ttl)
    assert err.value.code == "BB-PLT-031"
