"""User accounts: local ones (argon2id password) and external ones (OIDC ``issuer`` + ``subject``).

Every change is recorded in the audit log, in the same transaction (no change without its
entry), with the actor who made it (``cli:<os-user>`` for the
command line, the signed-in user's name in the web app). Sign-ins are *not* recorded here: the
caller (local form or OIDC callback) records ``Event.SIGN_IN`` / ``Event.SIGN_IN_FAILED``, because
only it knows how the user signed in.

User names are unique across local and external accounts, so an identity provider cannot hand out
the name of a local beheerder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from buurtbeeld.platform.audit import AuditLog, Event
from buurtbeeld.platform.db import PlatformDB
from buurtbeeld.platform.errors import UserError
from buurtbeeld.platform.passwords import (
    check_strength,
    hash_password,
    needs_rehash,
    verify_password,
)
from buurtbeeld.platform.roles import Role, parse_role
from buurtbeeld.platform.tables import sessions, users

NAME_RULE = re.compile(r"[a-z0-9][a-z0-9._@+-]{1,127}")


@dataclass(frozen=True)
class User:
    """A user account (never carries the password hash)."""

    id: int
    name: str
    role: Role
    disabled: bool
    issuer: str | None
    subject: str | None
    created_at: datetime

    @property
    def external(self) -> bool:
        """Signs in through OIDC (no local password)."""
        return self.issuer is not None


def normalise_name(name: str) -> str:
    """Lower case, trimmed; a Dutch error when it is not a valid user name."""
    cleaned = name.strip().lower()
    if not NAME_RULE.fullmatch(cleaned):
        raise UserError(
            f"Ongeldige gebruikersnaam '{name[:40]}'.",
            code="BB-PLT-012",
            hint="Gebruik 2 tot 128 tekens: kleine letters, cijfers en . _ @ + - "
            "(bijvoorbeeld j.jansen of j.jansen@gemeente.nl).",
        )
    return cleaned


def _user(row: Any) -> User:  # a Row with the columns of _COLUMNS
    m = row._mapping
    created = m["created_at"]
    if created.tzinfo is None:  # SQLite stores naive UTC
        created = created.replace(tzinfo=UTC)
    created = created.astimezone(UTC)
    return User(
        id=m["id"],
        name=m["name"],
        role=Role(m["role"]),
        disabled=bool(m["disabled"]),
        issuer=m["issuer"],
        subject=m["subject"],
        created_at=created,
    )


_COLUMNS = (
    users.c.id,
    users.c.name,
    users.c.role,
    users.c.disabled,
    users.c.issuer,
    users.c.subject,
    users.c.created_at,
)


class UserStore:
    """Create, find, verify and change users."""

    def __init__(self, db: PlatformDB, audit: AuditLog | None = None) -> None:
        self.db = db
        self.audit = audit or AuditLog(db)

    # --- reading -----------------------------------------------------------------------------
    def get(self, name: str) -> User | None:
        """The user called ``name`` (case-insensitive), or ``None``."""
        with self.db.begin() as con:
            row = con.execute(select(*_COLUMNS).where(users.c.name == name.strip().lower())).first()
        return _user(row) if row else None

    def by_id(self, user_id: int) -> User | None:
        """The user with this id, or ``None``."""
        with self.db.begin() as con:
            row = con.execute(select(*_COLUMNS).where(users.c.id == user_id)).first()
        return _user(row) if row else None

    def list(self) -> list[User]:
        """All users, by name."""
        with self.db.begin() as con:
            rows = con.execute(select(*_COLUMNS).order_by(users.c.name)).all()
        return [_user(r) for r in rows]

    def count_admins(self) -> int:
        """Active beheerders."""
        with self.db.begin() as con:
            return int(
                con.execute(
                    select(func.count())
                    .select_from(users)
                    .where(users.c.role == Role.ADMIN.value, users.c.disabled.is_(False))
                ).scalar_one()
            )

    def _require(self, name: str) -> User:
        user = self.get(name)
        if user is None:
            raise UserError(
                f"Gebruiker '{name[:40]}' bestaat niet.",
                code="BB-PLT-013",
                hint="Bekijk de gebruikers met 'buurtbeeld gebruiker lijst'.",
            )
        return user

    # --- local accounts ----------------------------------------------------------------------
    def create(self, name: str, role: Role | str, password: str, *, actor: str) -> User:
        """A local account; the password must meet the rule (there is no default password)."""
        name = normalise_name(name)
        role = parse_role(str(role))
        check_strength(password, name)
        now = datetime.now(UTC)
        try:
            with self.db.begin() as con:
                con.execute(
                    insert(users).values(
                        name=name,
                        role=role.value,
                        password_hash=hash_password(password),
                        disabled=False,
                        created_at=now,
                        changed_at=now,
                    )
                )
                self.audit.append(
                    Event.USER_CREATED, actor, {"gebruiker": name, "rol": role.value}, con=con
                )
        except IntegrityError:
            raise self._taken(name) from None
        return self._require(name)

    @staticmethod
    def _taken(name: str) -> UserError:
        return UserError(
            f"De gebruikersnaam '{name}' is al in gebruik.",
            code="BB-PLT-014",
            hint="Kies een andere naam, of wijzig de bestaande gebruiker.",
        )

    def verify(self, name: str, password: str) -> User | None:
        """The user when ``name`` and ``password`` match a local, enabled account; else ``None``.

        Takes as long for an unknown name, a disabled account or an external account as for a
        wrong password. Records nothing: the caller records the (failed) sign-in.
        """
        try:
            clean = normalise_name(name)
        except UserError:
            clean = ""
        with self.db.begin() as con:
            row = con.execute(
                select(*_COLUMNS, users.c.password_hash).where(users.c.name == clean)
            ).first()
        stored = row._mapping["password_hash"] if row else None
        ok = verify_password(stored, password)
        if not ok or row is None:
            return None
        user = _user(row)
        if user.disabled:
            return None
        if stored is not None and needs_rehash(stored):
            with self.db.begin() as con:
                con.execute(
                    update(users)
                    .where(users.c.id == user.id)
                    .values(password_hash=hash_password(password))
                )
        return user

    def set_password(self, name: str, password: str, *, actor: str) -> None:
        """Give a local account a new password (ends its sessions)."""
        user = self._require(name)
        if user.external:
            raise UserError(
                f"Gebruiker '{user.name}' meldt zich aan via de identity provider en heeft hier "
                "geen wachtwoord.",
                code="BB-PLT-015",
                hint="Wijzig het wachtwoord bij de identity provider van de gemeente.",
            )
        check_strength(password, user.name)
        with self.db.begin() as con:
            con.execute(
                update(users)
                .where(users.c.id == user.id)
                .values(password_hash=hash_password(password), changed_at=datetime.now(UTC))
            )
            con.execute(delete(sessions).where(sessions.c.user_id == user.id))
            self.audit.append(Event.PASSWORD_CHANGED, actor, {"gebruiker": user.name}, con=con)

    # --- external (OIDC) accounts ------------------------------------------------------------
    def external(self, issuer: str, subject: str, name: str, role: Role | str) -> User:
        """The account of an OIDC identity, created on first sign-in; its role follows the claim.

        Raises :class:`UserError` ``BB-PLT-016`` when the account is disabled and ``BB-PLT-014``
        when ``name`` belongs to another account.
        """
        if not issuer or not subject:
            raise UserError(
                "De identity provider gaf geen issuer of subject.",
                code="BB-PLT-017",
                hint="Controleer de OIDC-instellingen van de identity provider.",
            )
        role = parse_role(str(role))
        name = normalise_name(name)
        now = datetime.now(UTC)
        with self.db.begin() as con:
            row = con.execute(
                select(*_COLUMNS).where(users.c.issuer == issuer, users.c.subject == subject)
            ).first()
        if row is None:
            try:
                with self.db.begin() as con:
                    con.execute(
                        insert(users).values(
                            name=name,
                            role=role.value,
                            password_hash=None,
                            issuer=issuer,
                            subject=subject,
                            disabled=False,
                            created_at=now,
                            changed_at=now,
                        )
                    )
                    self.audit.append(
                        Event.USER_CREATED,
                        "oidc",
                        {"gebruiker": name, "rol": role.value, "extern": True},
                        con=con,
                    )
            except IntegrityError:
                raise self._taken(name) from None
            user = self.get(name)
            assert user is not None
            return user
        user = _user(row)
        if user.disabled:
            raise UserError(
                f"Het account '{user.name}' is uitgeschakeld.",
                code="BB-PLT-016",
                hint="Vraag een beheerder het account in te schakelen.",
            )
        if user.role != role or user.name != name:
            try:
                with self.db.begin() as con:
                    con.execute(
                        update(users)
                        .where(users.c.id == user.id)
                        .values(role=role.value, name=name, changed_at=now)
                    )
                    if user.role != role:
                        self.audit.append(
                            Event.ROLE_CHANGED,
                            "oidc",
                            {"gebruiker": name, "van": user.role.value, "naar": role.value},
                            con=con,
                        )
            except IntegrityError:
                raise self._taken(name) from None
            user = self._require(name)
        return user

    # --- changes by a beheerder --------------------------------------------------------------
    def set_role(self, name: str, role: Role | str, *, actor: str) -> User:
        """Change a user's role (takes effect on the next request of its sessions)."""
        user = self._require(name)
        new = parse_role(str(role))
        if new == user.role:
            return user
        self._keep_an_admin(user, losing=user.role == Role.ADMIN)
        with self.db.begin() as con:
            con.execute(
                update(users)
                .where(users.c.id == user.id)
                .values(role=new.value, changed_at=datetime.now(UTC))
            )
            self.audit.append(
                Event.ROLE_CHANGED,
                actor,
                {"gebruiker": user.name, "van": user.role.value, "naar": new.value},
                con=con,
            )
        return self._require(name)

    def _keep_an_admin(self, user: User, *, losing: bool) -> None:
        if losing and not user.disabled and self.count_admins() <= 1:
            raise UserError(
                f"'{user.name}' is de laatste actieve beheerder.",
                code="BB-PLT-018",
                hint="Maak eerst een andere beheerder, zodat iemand gebruikers kan blijven beheren.",
            )

    def set_disabled(self, name: str, disabled: bool, *, actor: str) -> User:
        """Disable (ends its sessions at once) or enable an account."""
        user = self._require(name)
        if user.disabled == disabled:
            return user
        if disabled:
            self._keep_an_admin(user, losing=user.role == Role.ADMIN)
        with self.db.begin() as con:
            con.execute(
                update(users)
                .where(users.c.id == user.id)
                .values(disabled=disabled, changed_at=datetime.now(UTC))
            )
            if disabled:
                con.execute(delete(sessions).where(sessions.c.user_id == user.id))
            self.audit.append(
                Event.USER_DISABLED if disabled else Event.USER_ENABLED,
                actor,
                {"gebruiker": user.name},
                con=con,
            )
        return self._require(name)

    def delete(self, name: str, *, actor: str) -> None:
        """Remove an account and its sessions (the audit log keeps its name)."""
        user = self._require(name)
        self._keep_an_admin(user, losing=user.role == Role.ADMIN)
        with self.db.begin() as con:
            con.execute(delete(sessions).where(sessions.c.user_id == user.id))
            con.execute(delete(users).where(users.c.id == user.id))
            self.audit.append(Event.USER_REMOVED, actor, {"gebruiker": user.name}, con=con)
