"""Initial schema: catalog, users and tokens, customers, items and their event log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 12:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# Frozen copies of the column types as they were at this revision, so that
# later changes to storage/types.py never rewrite history.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Utc = sa.DateTime(timezone=True)
Money = sa.Numeric(18, 2).with_variant(sa.String(32), "sqlite")


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
    )
    op.create_table(
        "tiers",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("rank", sa.Integer(), nullable=False),
    )
    op.create_table("skills", sa.Column("key", sa.String(64), primary_key=True))
    op.create_table(
        "agents",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("areas", Json, nullable=False),
        sa.Column("tiers", Json, nullable=False),
        sa.Column("skills", Json, nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
    )
    op.create_table(
        "case_types",
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("area", sa.String(64), sa.ForeignKey("areas.key"), nullable=False),
        sa.Column("tier", sa.String(64), sa.ForeignKey("tiers.key"), nullable=False),
        sa.Column("skills", Json, nullable=False),
        sa.Column("expected_handling_minutes", sa.Integer(), nullable=True),
    )
    op.create_table(
        "users",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("agent", sa.String(64), sa.ForeignKey("agents.key"), nullable=True),
        sa.Column("areas", Json, nullable=False),
        sa.Column("created_at", Utc, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("user_id", BigId, sa.ForeignKey("users.id"), nullable=False, index=True),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("label", sa.String(200), nullable=True),
        sa.Column("created_at", Utc, nullable=False),
        sa.Column("revoked_at", Utc, nullable=True),
    )
    op.create_table(
        "customers",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("external_id", sa.String(200), nullable=False, unique=True),
        sa.Column("name", sa.String(300), nullable=True),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("language", sa.String(16), nullable=True),
        sa.Column("segment", sa.String(64), nullable=True),
    )
    op.create_table(
        "items",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("external_ref", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("case_type", sa.String(64), sa.ForeignKey("case_types.key"), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("area", sa.String(64), sa.ForeignKey("areas.key"), nullable=False),
        sa.Column("tier", sa.String(64), sa.ForeignKey("tiers.key"), nullable=False),
        sa.Column("journey", Json, nullable=False),
        sa.Column("assignee", sa.String(64), sa.ForeignKey("agents.key"), nullable=True),
        sa.Column("pending_area", sa.String(64), sa.ForeignKey("areas.key"), nullable=True),
        sa.Column("subject", sa.String(500), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("customer_id", BigId, sa.ForeignKey("customers.id"), nullable=True),
        sa.Column("amount", Money, nullable=True),
        sa.Column("priority", sa.SmallInteger(), nullable=False),
        sa.Column("reason", sa.String(100), nullable=True),
        sa.Column("tags", Json, nullable=False),
        sa.Column("created_at", Utc, nullable=False),
        sa.Column("updated_at", Utc, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
    )
    op.create_index(
        "uq_items_channel_external_ref", "items", ["channel", "external_ref"], unique=True
    )
    op.create_index("ix_items_status_area", "items", ["status", "area"])
    op.create_index("ix_items_created_at", "items", ["created_at"])
    op.create_index("ix_items_customer_id", "items", ["customer_id"])
    op.create_index("ix_items_assignee", "items", ["assignee"])
    op.create_table(
        "item_events",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("item_id", BigId, sa.ForeignKey("items.id"), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("at", Utc, nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("data", Json, nullable=False),
        sa.Column("schema_version", sa.SmallInteger(), nullable=False),
        sa.Column("recorded_at", Utc, nullable=False),
    )
    op.create_index("ix_item_events_item_id_id", "item_events", ["item_id", "id"])
    op.create_index("ix_item_events_at", "item_events", ["at"])


def downgrade() -> None:
    for table in (
        "item_events",
        "items",
        "customers",
        "api_tokens",
        "users",
        "case_types",
        "agents",
        "skills",
        "tiers",
        "areas",
    ):
        op.drop_table(table)
