"""Item spans (each item's open states over time, with its resolution clock's marks)
and item resolutions (each `resolved` event with the item's state then), derived
from the log by the refresh of marked items: what the reports read.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 19:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Utc = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "item_spans",
        sa.Column("item_id", BigId, sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("start_at", Utc, nullable=False),
        sa.Column("end_at", Utc, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("tier", sa.String(64), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("pending_area", sa.String(64), nullable=True),
        # The item became open at start_at (created, reopened); the status it left
        # the open ones for at end_at (resolved, cancelled), NULL if it stayed open.
        sa.Column("enters", sa.Boolean(), nullable=False),
        sa.Column("left_to", sa.String(20), nullable=True),
        sa.Column("calendar", sa.String(64), nullable=True),
        sa.Column("overdue_after", Utc, nullable=True),
        sa.Column("overdue_off_hours", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("half_at", Utc, nullable=True),
        sa.Column("three_quarters_at", Utc, nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        # "Which spans contain instant t" is a stabbing query: a GiST index on the
        # span's range answers it without reading the spans before or after t.
        op.execute(
            "CREATE INDEX ix_item_spans_during ON item_spans "
            "USING gist (tstzrange(start_at, end_at, '[)'))"
        )
    op.create_index("ix_item_spans_start_at", "item_spans", ["start_at"])
    op.create_index("ix_item_spans_end_at", "item_spans", ["end_at"])
    op.create_table(
        "item_resolutions",
        sa.Column("item_id", BigId, sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("at", Utc, nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("tier", sa.String(64), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(100), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("received_at", Utc, nullable=False),
        sa.Column("entry_tier", sa.String(64), nullable=False),
        # Seconds in progress since the item's previous resolution (or receipt).
        sa.Column("handling_s", sa.Float(53), nullable=False),
        # The resolution clock's calendar and business seconds from receipt to `at`.
        sa.Column("calendar", sa.String(64), nullable=True),
        sa.Column("business_s", sa.BigInteger(), nullable=True),
        # The item was open again after this resolution (reopened, or escalated).
        sa.Column("reopened", sa.Boolean(), nullable=False),
    )
    op.create_index("ix_item_resolutions_at", "item_resolutions", ["at"])
    # First-contact resolution looks for later items that repeat a resolved one.
    op.create_index("ix_items_repeat_of", "items", ["repeat_of"])
    # Every item gets its spans from the next refresh (the worker, or a report).
    op.execute(
        "INSERT INTO sla_pending (item_id) SELECT id FROM items "
        "WHERE id NOT IN (SELECT item_id FROM sla_pending)"
    )


def downgrade() -> None:
    op.drop_index("ix_items_repeat_of", "items")
    op.drop_table("item_resolutions")
    op.drop_table("item_spans")
