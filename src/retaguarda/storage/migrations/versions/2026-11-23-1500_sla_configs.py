"""SLA: configuration versions, the stored clocks the risk lists read, and the
items whose clocks must be recomputed.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 15:00:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
Utc = sa.DateTime(timezone=True)

# Every event marks its item: the clocks the lists read are recomputed from the
# log for marked items (services.sla_store.refresh). One statement per INSERT (or
# COPY) on PostgreSQL; SQLite has only row triggers, which are cheap in-process.
PG_MARK = """
CREATE FUNCTION sla_mark_items() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sla_pending (item_id) SELECT DISTINCT item_id FROM new_events
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER item_events_mark_sla AFTER INSERT ON item_events
REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION sla_mark_items();
"""
SQLITE_MARK = """
CREATE TRIGGER item_events_mark_sla AFTER INSERT ON item_events
BEGIN
  INSERT OR IGNORE INTO sla_pending (item_id) VALUES (NEW.item_id);
END
"""


def upgrade() -> None:
    op.create_table(
        "sla_configs",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("uid", sa.String(32), nullable=False, unique=True),
        sa.Column("document", Json, nullable=False),
        sa.Column("applied_at", Utc, nullable=False),
        sa.Column("source", sa.String(300), nullable=False),
    )
    op.create_table(
        "sla_pending",
        sa.Column("item_id", BigId, primary_key=True, autoincrement=False),
    )
    op.create_table(
        "sla_clocks",
        sa.Column("id", BigId, primary_key=True, autoincrement=True),
        sa.Column("item_id", BigId, sa.ForeignKey("items.id"), nullable=False),
        sa.Column("metric", sa.String(20), nullable=False),
        sa.Column("policy", sa.String(100), nullable=True),
        sa.Column("area", sa.String(64), nullable=True),
        sa.Column("calendar", sa.String(64), nullable=False),
        sa.Column("config_version", sa.Integer(), nullable=False),
        sa.Column("started_at", Utc, nullable=False),
        sa.Column("due_at", Utc, nullable=False),
        sa.Column("stopped_at", Utc, nullable=True),
        sa.Column("risk_at", Utc, nullable=True),
        sa.Column("state", sa.String(10), nullable=False),
        sa.Column("at_risk", sa.Boolean(), nullable=False),
        sa.Column("elapsed_s", sa.BigInteger(), nullable=False),
        sa.Column("remaining_s", sa.BigInteger(), nullable=False),
        sa.Column("computed_at", Utc, nullable=False),
    )
    op.create_table(
        "sla_alerts",
        sa.Column("item_id", BigId, sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("metric", sa.String(20), primary_key=True),
        sa.Column("started_at", Utc, primary_key=True),
        sa.Column("state", sa.String(10), primary_key=True),
        sa.Column("recorded_at", Utc, nullable=False),
    )
    op.create_index("ix_sla_clocks_item_id", "sla_clocks", ["item_id"])
    op.create_index("ix_sla_clocks_state_due_at", "sla_clocks", ["state", "due_at"])
    op.create_index("ix_sla_clocks_risk_at", "sla_clocks", ["risk_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_MARK)
    else:
        op.execute(SQLITE_MARK)


def downgrade() -> None:
    op.execute(
        "DROP TRIGGER IF EXISTS item_events_mark_sla"
        + (" ON item_events" if op.get_bind().dialect.name == "postgresql" else "")
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS sla_mark_items()")
    op.drop_table("sla_alerts")
    op.drop_table("sla_clocks")
    op.drop_table("sla_pending")
    op.drop_table("sla_configs")
