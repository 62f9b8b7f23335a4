"""Resolution outcome and customer satisfaction on items; agents' planned absences.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 20:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: nullable, no default and no reference, which
    # SQLite accepts as is (a batch rebuild would copy the table and could not drop the
    # old one while the event log refers to it). Existing items stay NULL: an item
    # resolved before now has no outcome in its `resolved` event, and the row must
    # stay what its log replays to.
    op.add_column("items", sa.Column("outcome", sa.String(20), nullable=True))
    op.add_column("items", sa.Column("csat", sa.SmallInteger(), nullable=True))
    op.create_table(
        "agent_absences",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("agent", sa.String(64), sa.ForeignKey("agents.key"), nullable=False),
        sa.Column("start_at", Utc, nullable=False),
        sa.Column("end_at", Utc, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("planned", sa.Boolean(), nullable=False, server_default=sa.true()),
        sa.Column("created_at", Utc, nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
    )
    op.create_index("ix_agent_absences_agent_start_at", "agent_absences", ["agent", "start_at"])


def downgrade() -> None:
    op.drop_table("agent_absences")
    # DROP COLUMN in place (SQLite >= 3.35 has it): the columns carry no index or
    # reference, so no table rebuild is needed.
    op.drop_column("items", "csat")
    op.drop_column("items", "outcome")
