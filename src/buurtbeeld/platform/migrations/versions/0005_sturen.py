"""Steering (issue 16): indicator framework, data inventory fields, goals and targets.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "steer_framework",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("gemeente", sa.String(10), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("changed_at", sa.String(40), nullable=False),
        sa.Column("changed_by", sa.String(160), nullable=False),
    )
    op.create_table(
        "steer_focus_area",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("ambition", sa.Text, nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "steer_subgoal",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "focus_key",
            sa.String(64),
            sa.ForeignKey("steer_focus_area.key", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("parent_key", sa.String(64), nullable=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.UniqueConstraint("key", name="uq_steer_subgoal_key"),
    )
    op.create_table(
        "steer_subgoal_indicator",
        sa.Column(
            "subgoal_id",
            sa.Integer,
            sa.ForeignKey("steer_subgoal.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("indicator_id", sa.String(120), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
    )
    op.create_table(
        "steer_source",
        sa.Column("dataset", sa.String(160), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("legal_basis", sa.String(40), nullable=False),
        sa.Column("legal_basis_text", sa.Text, nullable=False),
        sa.Column("frequency", sa.String(20), nullable=False),
        sa.Column("quality_notes", sa.Text, nullable=False),
        sa.Column("changed_at", sa.String(40), nullable=False),
        sa.Column("changed_by", sa.String(160), nullable=False),
    )
    op.create_table(
        "steer_goal",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("focus_key", sa.String(64), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("indicator_id", sa.String(120), nullable=False),
        sa.Column("baseline_period", sa.String(20), nullable=False),
        sa.Column("explanation", sa.Text, nullable=False),
        sa.Column("changed_at", sa.String(40), nullable=False),
        sa.Column("changed_by", sa.String(160), nullable=False),
    )
    op.create_table(
        "steer_target",
        sa.Column(
            "goal_id",
            sa.Integer,
            sa.ForeignKey("steer_goal.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("region_code", sa.String(12), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("value", sa.Float, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "steer_target",
        "steer_goal",
        "steer_source",
        "steer_subgoal_indicator",
        "steer_subgoal",
        "steer_focus_area",
        "steer_framework",
    ):
        op.drop_table(table)
