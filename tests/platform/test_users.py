"""Local and external accounts on SQLite and PostgreSQL: argon2id, no default password, roles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from buurtbeeld.platform.audit import AuditLog
from buurtbeeld.platform.db import PlatformDB, open_platform
from buurtbeeld.platform.errors import UserError
from buurtbeeld.platform.roles import Role
from buurtbeeld.platform.sessions import SessionStore
from buurtbeeld.platform.tables import users
from buurtbeeld.platform.users import UserStore

GOOD = "paarden eten graag hooi"
ISSUER = "https://login.gemeente.example/realms/buurtbeeld"


@pytest.fixture
def db(platform_url: str) -> Iterator[PlatformDB]:
    db = open_platform(None, url=platform_url)
    yield db
    db.close()


@pytest.fixture
def store(db: PlatformDB) -> UserStore:
    return UserStore(db)


def test_a_new_database_has_no_accounts_and_no_default_password(store: UserStore) -> None:
    assert store.list() == []
    for name in ("admin", "beheerder", "root", "buurtbeeld"):
        for password in ("", "admin", "beheerder", "buurtbeeld", GOOD):
            assert store.verify(name, password) is None


def test_password_is_stored_as_argon2id_hash_only(store: UserStore, db: PlatformDB) -> None:
    store.create("J.Jansen", Role.ANALYST, GOOD, actor="test")
    with db.begin() as con:
        stored = con.execute(select(users.c.password_hash)).scalar_one()
        dump = " ".join(str(v) for row in con.execute(select(users)).all() for v in row)
    assert stored.startswith("$argon2id$")
    assert GOOD not in dump
    user = store.verify("j.jansen", GOOD)
    assert user is not None and user.name == "j.jansen" and user.role is Role.ANALYST
    assert store.verify("J.JANSEN ", GOOD) is not None  # names are case-insensitive


def test_wrong_password_unknown_user_and_disabled_user_are_refused(store: UserStore) -> None:
    store.create("lezer1", "lezer", GOOD, actor="test")
    assert store.verify("lezer1", GOOD + "!") is None
    assert store.verify("lezer1", GOOD.upper()) is None
    assert store.verify("niemand", GOOD) is None
    assert store.verify("lezer1", "x" * 10_000) is None  # over the length limit: no hashing
    store.set_disabled("lezer1", True, actor="test")
    assert store.verify("lezer1", GOOD) is None
    store.set_disabled("lezer1", False, actor="test")
    assert store.verify("lezer1", GOOD) is not None


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("kort123", "korter dan 12"),
        ("aaaaaaaaaaaaaaaa", "minder dan 5 verschillende"),
        ("pietpietpiet!!", "gebruikersnaam"),
        ("Wachtwoord123", "veelgebruikt"),
        ("welkom123456!", "veelgebruikt"),
        ("x" * 300, "langer dan 256"),
    ],
)
def test_weak_passwords_are_refused_with_the_rule(
    store: UserStore, password: str, reason: str
) -> None:
    with pytest.raises(UserError) as err:
        store.create("piet", "lezer", password, actor="test")
    assert err.value.code == "BB-PLT-020"
    assert reason in err.value.message
    assert "minstens 12" in err.value.hint
    assert password not in err.value.message + err.value.hint
    assert store.get("piet") is None


def test_names_are_unique_and_validated(store: UserStore) -> None:
    store.create("piet", "lezer", GOOD, actor="test")
    with pytest.raises(UserError) as err:
        store.create("Piet", "analist", GOOD, actor="test")
    assert err.value.code == "BB-PLT-014"
    for bad in ("", "p", "piet jansen", "<script>", "a" * 200):
        with pytest.raises(UserError) as err:
            store.create(bad, "lezer", GOOD, actor="test")
        assert err.value.code == "BB-PLT-012"
    with pytest.raises(UserError) as err:
        store.create("kees", "publiek", GOOD, actor="test")  # not signed in is not a role
    assert err.value.code == "BB-PLT-011"


def test_external_user_is_found_by_issuer_and_subject_and_follows_the_claim(
    store: UserStore, db: PlatformDB
) -> None:
    first = store.external(ISSUER, "sub-123", "a.de.vries", "lezer")
    assert first.external and first.role is Role.READER
    again = store.external(ISSUER, "sub-123", "a.de.vries", "analist")
    assert again.id == first.id and again.role is Role.ANALYST
    # Same subject at another issuer is another person.
    other = store.external("https://andere-idp.example", "sub-123", "a.vries2", "lezer")
    assert other.id != first.id
    # External accounts have no password here.
    assert store.verify("a.de.vries", "") is None
    with pytest.raises(UserError) as err:
        store.set_password("a.de.vries", GOOD, actor="test")
    assert err.value.code == "BB-PLT-015"
    events = [e.event for e in AuditLog(db).entries()]
    assert events == ["gebruiker_gemaakt", "rol_gewijzigd", "gebruiker_gemaakt"]


def test_identity_provider_cannot_take_a_local_name(store: UserStore) -> None:
    store.create("beheer", "beheerder", GOOD, actor="test")
    with pytest.raises(UserError) as err:
        store.external(ISSUER, "sub-9", "beheer", "lezer")
    assert err.value.code == "BB-PLT-014"
    assert store.get("beheer") is not None and not store.get("beheer").external  # type: ignore[union-attr]


def test_disabled_external_user_is_refused(store: UserStore) -> None:
    store.external(ISSUER, "sub-1", "x.user", "lezer")
    store.set_disabled("x.user", True, actor="test")
    with pytest.raises(UserError) as err:
        store.external(ISSUER, "sub-1", "x.user", "lezer")
    assert err.value.code == "BB-PLT-016"


def test_the_last_admin_cannot_disappear(store: UserStore) -> None:
    store.create("baas", "beheerder", GOOD, actor="test")
    for change in (
        lambda: store.set_role("baas", "lezer", actor="test"),
        lambda: store.set_disabled("baas", True, actor="test"),
        lambda: store.delete("baas", actor="test"),
    ):
        with pytest.raises(UserError) as err:
            change()
        assert err.value.code == "BB-PLT-018"
    store.create("baas2", "beheerder", GOOD, actor="test")
    store.set_role("baas", "lezer", actor="test")
    assert store.get("baas").role is Role.READER  # type: ignore[union-attr]


def test_delete_and_password_change_end_sessions(store: UserStore, db: PlatformDB) -> None:
    sessions = SessionStore(db)
    user = store.create("anna", "lezer", GOOD, actor="test")
    token = sessions.create(user, timedelta(hours=1))
    store.set_password("anna", "een heel ander wachtwoord", actor="test")
    assert sessions.get(token) is None
    assert store.verify("anna", GOOD) is None
    user = store.verify("anna", "een heel ander wachtwoord")
    assert user is not None
    token = sessions.create(user, timedelta(hours=1))
    store.delete("anna", actor="test")
    assert sessions.get(token) is None and store.get("anna") is None
    with db.begin() as con:
        assert con.execute(text("SELECT count(*) FROM platform_session")).scalar_one() == 0


def test_user_management_is_audited_without_passwords(store: UserStore, db: PlatformDB) -> None:
    store.create("bert", "lezer", GOOD, actor="cli:root")
    store.set_role("bert", "analist", actor="cli:root")
    store.set_disabled("bert", True, actor="cli:root")
    store.set_disabled("bert", False, actor="cli:root")
    store.set_password("bert", "nog een ander lang wachtwoord", actor="cli:root")
    store.delete("bert", actor="cli:root")
    entries = list(AuditLog(db).entries())
    assert [e.event for e in entries] == [
        "gebruiker_gemaakt",
        "rol_gewijzigd",
        "gebruiker_uitgeschakeld",
        "gebruiker_ingeschakeld",
        "wachtwoord_gewijzigd",
        "gebruiker_verwijderd",
    ]
    assert all(e.actor == "cli:root" for e in entries)
    assert '"van":"lezer"' in entries[1].details and '"naar":"analist"' in entries[1].details
    dump = AuditLog(db).export("json")
    assert GOOD not in dump and "nog een ander" not in dump and "$argon2" not in dump


def test_no_change_without_its_audit_entry(store: UserStore, db: PlatformDB) -> None:
    """The entry is written in the same transaction: when it cannot be written, nothing changes."""
    store.create("baas", "beheerder", GOOD, actor="test")
    store.create("kim", "lezer", GOOD, actor="test")
    with db.begin() as con:  # an attacker (or a broken database) removes the audit table
        con.execute(text("DROP TABLE audit_log"))
    for change in (
        lambda: store.create("nieuw", "lezer", GOOD, actor="test"),
        lambda: store.set_role("kim", "analist", actor="test"),
        lambda: store.set_disabled("kim", True, actor="test"),
        lambda: store.delete("kim", actor="test"),
        lambda: store.external(ISSUER, "sub-7", "extern", "lezer"),
    ):
        with pytest.raises(Exception):  # noqa: B017 - the driver's error for a missing table
            change()
    assert [u.name for u in store.list()] == ["baas", "kim"]
    kim = store.get("kim")
    assert kim is not None and kim.role is Role.READER and not kim.disabled
