"""Duiding and the doorbraken register (issue 16 items 4 and 5).

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "duiding",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("region_code", sa.String(16), nullable=False),
        sa.Column("theme", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("author_role", sa.String(32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reviewer", sa.String(128), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_duiding_region_theme", "duiding", ["region_code", "theme", "period"])
    op.create_table(
        "doorbraak",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("gemeente", sa.String(8), nullable=False),
        sa.Column("wijk", sa.String(10), nullable=False),
        sa.Column("domain", sa.String(32), nullable=False),
        sa.Column("other_domains", sa.String(255), nullable=False),
        sa.Column("blocker", sa.String(16), nullable=False),
        sa.Column("law", sa.String(32), nullable=False),
        sa.Column("law_detail", sa.String(200), nullable=True),
        sa.Column("breakthrough", sa.Text, nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("consent", sa.Boolean, nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_doorbraak_gemeente", "doorbraak", ["gemeente"])


def downgrade() -> None:
    op.drop_index("ix_doorbraak_gemeente", table_name="doorbraak")
    op.drop_table("doorbraak")
    op.drop_index("ix_duiding_region_theme", table_name="duiding")
    op.drop_table("duiding")
