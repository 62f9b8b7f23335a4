"""Spans and resolutions carry what the reports at scale need without joining the
items: the receipt and the fixed facts (case type, channel), where each grouping's
backlog changes (`*_in`, `*_out`), where the overdue part of a span starts; partial
indexes on those starts and ends.

Both tables are derived from the log, so they are rebuilt empty and every item is
marked: the next refresh (the worker, or a report) derives them again.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04 15:00:00
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Utc = sa.DateTime(timezone=True)

# name: (column, predicate, included columns): where each grouping's backlog changes
# and what else the reports sweep (see records.py).
PLACED = ("item_id", "seq", "area", "tier", "assignee", "case_type", "channel")
CHANGES = {
    "enters": ("start_at", "enters", PLACED),
    "leaves": ("end_at", "left_to IS NOT NULL", PLACED),
    "area_in": ("start_at", "area_in", PLACED),
    "area_out": ("end_at", "area_out", PLACED),
    "tier_in": ("start_at", "tier_in", (*PLACED, "prior_tier", "prior_area")),
    "tier_out": ("end_at", "tier_out", PLACED),
    "assignee_in": ("start_at", "assignee_in", PLACED),
    "assignee_out": ("end_at", "assignee_out", PLACED),
    "overdue_from": ("overdue_from", "overdue_from IS NOT NULL", ("area",)),
    "overdue_to": ("end_at", "overdue_from IS NOT NULL", ("area",)),
    "off_hours": ("overdue_from", "overdue_off_hours", ()),
    "first": ("received_at", "seq = 0", ("area", "tier", "assignee", "case_type", "channel")),
    "waits": ("end_at", "status = 'pending_area'", ("start_at", "pending_area", "area")),
    "work": ("start_at", "status = 'in_progress'", ("end_at", "assignee", "item_id")),
}
FLAGS = ("area_in", "area_out", "tier_in", "tier_out", "assignee_in", "assignee_out")


def _spans(extended: bool) -> None:
    columns: list[sa.Column[Any]] = [
        sa.Column("item_id", BigId, sa.ForeignKey("items.id"), primary_key=True),
        sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("start_at", Utc, nullable=False),
        sa.Column("end_at", Utc, nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("area", sa.String(64), nullable=False),
        sa.Column("tier", sa.String(64), nullable=False),
        sa.Column("assignee", sa.String(64), nullable=True),
        sa.Column("pending_area", sa.String(64), nullable=True),
        sa.Column("enters", sa.Boolean(), nullable=False),
        sa.Column("left_to", sa.String(20), nullable=True),
        sa.Column("calendar", sa.String(64), nullable=True),
        sa.Column("overdue_after", Utc, nullable=True),
        sa.Column("overdue_off_hours", sa.Boolean(), nullable=False, server_default=sa.false()),
        sa.Column("half_at", Utc, nullable=True),
        sa.Column("three_quarters_at", Utc, nullable=True),
    ]
    if extended:
        columns += [
            sa.Column("overdue_from", Utc, nullable=True),
            sa.Column("received_at", Utc, nullable=False),
            sa.Column("case_type", sa.String(64), nullable=False),
            sa.Column("channel", sa.String(20), nullable=False),
            sa.Column("prior_tier", sa.String(64), nullable=True),
            sa.Column("prior_area", sa.String(64), nullable=True),
            *(
                sa.Column(flag, sa.Boolean(), nullable=False, server_default=sa.false())
                for flag in FLAGS
            ),
        ]
    op.create_table("item_spans", *columns)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_item_spans_during ON item_spans "
            "USING gist (tstzrange(start_at, end_at, '[)'))"
        )
    op.create_index("ix_item_spans_start_at", "item_spans", ["start_at"])
    op.create_index("ix_item_spans_end_at", "item_spans", ["end_at"])
    if extended:
        for name, (column, where, include) in CHANGES.items():
            op.create_index(
                f"ix_item_spans_{name}",
                "item_spans",
                [column],
                postgresql_where=sa.text(where),
                postgresql_include=list(include),
                sqlite_where=sa.text(where),
            )


def _resolutions(extended: bool) -> None:
    columns: list[sa.Column[Any]] = [
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
        sa.Column("handling_s", sa.Float(53), nullable=False),
        sa.Column("calendar", sa.String(64), nullable=True),
        sa.Column("business_s", sa.BigInteger(), nullable=True),
        sa.Column("reopened", sa.Boolean(), nullable=False),
    ]
    if extended:
        columns += [
            sa.Column("case_type", sa.String(64), nullable=False),
            sa.Column("channel", sa.String(20), nullable=False),
        ]
    op.create_table("item_resolutions", *columns)
    op.create_index(
        "ix_item_resolutions_at",
        "item_resolutions",
        ["at"],
        postgresql_include=["area", "tier", "assignee", "case_type", "channel"] if extended else [],
    )


def _rebuild(extended: bool) -> None:
    op.drop_table("item_spans")
    op.drop_table("item_resolutions")
    _spans(extended)
    _resolutions(extended)
    # NOT EXISTS, an anti-join: NOT IN over a large subquery is quadratic on
    # PostgreSQL once its hash no longer fits in work_mem.
    op.execute(
        "INSERT INTO sla_pending (item_id) SELECT id FROM items WHERE NOT EXISTS "
        "(SELECT 1 FROM sla_pending WHERE sla_pending.item_id = items.id)"
    )


def upgrade() -> None:
    _rebuild(extended=True)


def downgrade() -> None:
    _rebuild(extended=False)
