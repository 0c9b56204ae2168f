"""Steering's tables in the platform database (SQLAlchemy Core).

Migration ``0005_sturen`` creates them; tests/steer/test_store.py checks both agree.
The framework is one per platform database (one gemeente's instance): a header row
(``steer_framework``, id 1), focus areas, sub-goals (optionally under another sub-goal) and the
indicators of each sub-goal. Goals and targets hang off a focus area by its key.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

framework = Table(
    "steer_framework",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),  # always 1
    Column("title", String(200), nullable=False),
    Column("gemeente", String(10), nullable=False),
    Column("version", Integer, nullable=False),  # +1 on every save
    Column("changed_at", String(40), nullable=False),  # UTC ISO 8601
    Column("changed_by", String(160), nullable=False),
)

focus_areas = Table(
    "steer_focus_area",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("ambition", Text, nullable=False, default=""),
    Column("position", Integer, nullable=False),
)

subgoals = Table(
    "steer_subgoal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "focus_key",
        String(64),
        ForeignKey("steer_focus_area.key", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("key", String(64), nullable=False),
    Column("name", String(200), nullable=False),
    Column("parent_key", String(64), nullable=True),
    Column("position", Integer, nullable=False),
    UniqueConstraint("key", name="uq_steer_subgoal_key"),
)

subgoal_indicators = Table(
    "steer_subgoal_indicator",
    metadata,
    Column(
        "subgoal_id", Integer, ForeignKey("steer_subgoal.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("indicator_id", String(120), primary_key=True),
    Column("position", Integer, nullable=False),
)

sources = Table(
    "steer_source",
    metadata,
    Column("dataset", String(160), primary_key=True),
    Column("owner", String(200), nullable=False, default=""),
    Column("legal_basis", String(40), nullable=False, default=""),
    Column("legal_basis_text", Text, nullable=False, default=""),
    Column("frequency", String(20), nullable=False, default=""),
    Column("quality_notes", Text, nullable=False, default=""),
    Column("changed_at", String(40), nullable=False),
    Column("changed_by", String(160), nullable=False),
)

goals = Table(
    "steer_goal",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("focus_key", String(64), nullable=False),
    Column("description", Text, nullable=False),
    Column("indicator_id", String(120), nullable=False),
    Column("baseline_period", String(20), nullable=False),
    Column("explanation", Text, nullable=False, default=""),
    Column("changed_at", String(40), nullable=False),
    Column("changed_by", String(160), nullable=False),
)

targets = Table(
    "steer_target",
    metadata,
    Column("goal_id", Integer, ForeignKey("steer_goal.id", ondelete="CASCADE"), primary_key=True),
    Column("region_code", String(12), primary_key=True),  # the gemeente or one of its wijken
    Column("year", Integer, primary_key=True),
    Column("value", Float, nullable=False),
)
