"""Arrivals for the forecast: the creation instant (and grouping key) of each item."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, literal, select

from retaguarda.storage.records import ItemRecord, table_of

items = table_of(ItemRecord)

GROUPS = ("case_type", "channel")


def arrivals(
    conn: Connection,
    *,
    start: datetime,
    end: datetime,
    by: str | None = None,
    areas: Sequence[str] | None = None,
) -> list[tuple[datetime, str]]:
    """(created_at, key) of the items created in [start, end), the key being the item's
    `by` column or "all"; only items of `areas` when given. Binning into local days is
    the caller's (one rule for SQLite and PostgreSQL)."""
    key = items.c[by] if by is not None else literal("all")
    stmt = select(items.c.created_at, key.label("key")).where(
        items.c.created_at >= start, items.c.created_at < end
    )
    if areas is not None:
        stmt = stmt.where(items.c.area.in_(areas))
    return [(row.created_at, str(row.key)) for row in conn.execute(stmt)]
