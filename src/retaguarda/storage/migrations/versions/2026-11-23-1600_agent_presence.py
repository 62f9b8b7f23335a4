"""Agents' presence: the log of its changes and the current state.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 16:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agent_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("agent", sa.String(64), sa.ForeignKey("agents.key"), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("at", Utc, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("recorded_at", Utc, nullable=False),
    )
    op.create_index("ix_agent_events_agent_at", "agent_events", ["agent", "at"])
    op.create_table(
        "agent_presence",
        sa.Column("agent", sa.String(64), sa.ForeignKey("agents.key"), primary_key=True),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("since", Utc, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("agent_presence")
    op.drop_table("agent_events")
