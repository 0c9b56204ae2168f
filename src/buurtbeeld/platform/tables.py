"""The platform's tables (SQLAlchemy Core). The migrations in ``migrations/versions`` create them;
this module only describes them for queries, and a test checks both agree."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

users = Table(
    "platform_user",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("password_hash", String(255), nullable=True),  # NULL: no local sign-in (OIDC user)
    Column("issuer", String(512), nullable=True),  # OIDC issuer URL; NULL for a local account
    Column("subject", String(255), nullable=True),  # OIDC `sub` claim
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("issuer", "subject", name="uq_platform_user_external"),
)

sessions = Table(
    "platform_session",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256 hex of the token
    Column("user_id", Integer, ForeignKey("platform_user.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),  # 1, 2, 3, … without gaps
    Column("time", String(40), nullable=False),  # UTC, ISO 8601, exactly as hashed
    Column("actor", String(160), nullable=False),
    Column("event", String(64), nullable=False),
    Column("details", Text, nullable=False),  # canonical JSON, exactly as hashed
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
)

login_failures = Table(
    "login_failure",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # HMAC of "account:<name>" or "adres:<address>": a password typed into the name field is
    # never stored readable
    Column("key_hash", String(64), nullable=False),
    Column("at", Float, nullable=False),  # seconds since the epoch
    Index("ix_login_failure_key_at", "key_hash", "at"),
)

visibility = Table(
    "visibility",
    metadata,
    Column("kind", String(16), primary_key=True),  # "bron" | "indicator"
    Column("subject", String(200), primary_key=True),  # source key or indicator id
    Column("public", Boolean, nullable=False),
    Column("reason", Text, nullable=False),  # the beheerder's reason for the last act
    Column("actor", String(160), nullable=False),
    Column("changed_at", DateTime(timezone=True), nullable=False),
)
