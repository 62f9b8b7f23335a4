"""Routing: the queue of items waiting for an agent, ranked; configuration settings.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 17:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "settings",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("document", Json, nullable=False),
        sa.Column("applied_at", Utc, nullable=False),
    )
    op.create_table(
        "routing_queue",
        sa.Column("item_id", BigId, sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("tier", sa.String(64), nullable=False),
        sa.Column("received", Utc, nullable=False),
        sa.Column("needs", Json, nullable=False),
        # (2, 0, 0) until ranked: after every ranked row (ranked k0 is 0 or 1).
        sa.Column("k0", sa.SmallInteger(), nullable=False),
        sa.Column("k1", sa.Float(53), nullable=False),
        sa.Column("k2", sa.SmallInteger(), nullable=False),
        sa.Column("stale", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.create_index(
        "ix_routing_queue_order",
        "routing_queue",
        ["area", "k0", "k1", "k2", "received", "item_id"],
    )
    op.create_index(
        "ix_routing_queue_unranked",
        "routing_queue",
        ["area"],
        postgresql_where=sa.text("k0 = 2 OR stale"),
        sqlite_where=sa.text("k0 = 2 OR stale"),
    )
    if op.get_bind().dialect.name == "postgresql":
        # A queue churns: every claim deletes its head. Vacuum and analyze it after 1 %
        # of its rows changed (the default waits for 20 % and 10 %), so the index head
        # stays free of dead entries and the planner keeps reading it in order.
        op.execute(
            "ALTER TABLE routing_queue SET (autovacuum_vacuum_scale_factor = 0.01,"
            " autovacuum_analyze_scale_factor = 0.01)"
        )
    # Items already waiting for an agent join the queue unranked; the worker ranks them.
    op.execute(
        "INSERT INTO routing_queue (item_id, area, tier, received, needs, k0, k1, k2, stale) "
        "SELECT id, area, tier, created_at, '{}', 2, 0, 0, false FROM items "
        "WHERE status IN ('new', 'queued') AND assignee IS NULL"
    )


def downgrade() -> None:
    op.drop_table("routing_queue")
    op.drop_table("settings")
