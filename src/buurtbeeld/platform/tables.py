"""The platform's tables (SQLAlchemy Core). The migrations in ``migrations/versions`` create them;
this module only describes them for queries, and a test checks both agree."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
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

import_jobs = Table(
    "import_job",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),  # cbs | pakket (web/import_kinds.py)
    Column("file_name", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("status", String(16), nullable=False),  # wacht | bezig | klaar | mislukt
    Column("active", Integer, nullable=True, unique=True),  # 1 while wacht/bezig: one at a time
    Column("step", String(200), nullable=False, server_default=""),
    Column("created_by", String(160), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=True),
    Column("heartbeat_at", DateTime(timezone=True), nullable=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("report_json", Text, nullable=True),
    Column("error_code", String(32), nullable=True),
    Column("error_message", Text, nullable=True),
    Column("error_hint", Text, nullable=True),
)

# Duiding (issue 16 item 4): a short explanation of an area × theme × period, moderated.
duiding = Table(
    "duiding",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("region_code", String(16), nullable=False),
    Column("theme", String(64), nullable=False),
    Column("period", String(16), nullable=False),
    Column("text", Text, nullable=False),
    Column("author", String(128), nullable=False),
    Column("author_role", String(32), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False),  # ingediend | goedgekeurd | afgewezen
    Column("reviewer", String(128), nullable=True),
    Column("reviewed_at", DateTime(timezone=True), nullable=True),
    Index("ix_duiding_region_theme", "region_code", "theme", "period"),
)

# Doorbraken register (issue 16 item 5): where rules or systems blocked help, and what broke
# through. No names or identifiers; without the household's consent only the categories are kept.
doorbraak = Table(
    "doorbraak",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("gemeente", String(8), nullable=False),
    Column("wijk", String(10), nullable=False),
    Column("domain", String(32), nullable=False),  # the main domain (counted)
    Column("other_domains", String(255), nullable=False),  # comma-separated, may be empty
    Column("blocker", String(16), nullable=False),  # regel | systeem | financiering | samenwerking
    Column("law", String(32), nullable=False),
    Column("law_detail", String(200), nullable=True),  # article or regulation, checked text
    Column("breakthrough", Text, nullable=True),  # what broke through; only with consent
    Column("outcome", String(16), nullable=False),
    Column("consent", Boolean, nullable=False),
    Column("author", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_doorbraak_gemeente", "gemeente"),
)
