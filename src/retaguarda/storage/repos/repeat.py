"""Repeat contacts: the stored items a new one may repeat, and the links once decided."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, select, update

from retaguarda.domain.item.repeat import Contact
from retaguarda.storage.records import ItemRecord, table_of

items = table_of(ItemRecord)

# Keep each statement well under SQLite's 32,766 bound-parameter cap.
_IN_CHUNK = 500


def contacts(
    conn: Connection, customer_ids: Sequence[int], *, since: datetime, until: datetime
) -> list[Contact[int]]:
    """The customers' items received from `since` to `until` (both included), in id
    order; a contact's `key` is the item id, its `customer` the customer id."""
    rows: list[Row[Any]] = []
    for start in range(0, len(customer_ids), _IN_CHUNK):
        chunk = customer_ids[start : start + _IN_CHUNK]
        rows += conn.execute(_CONTACTS, {"customers": chunk, "since": since, "until": until})
    rows.sort(key=lambda r: r.id)
    return [Contact(r.id, r.customer_id, r.case_type, r.reason, r.created_at) for r in rows]


# By customer (ix_items_customer_id), then the few rows of each in the window.
_CONTACTS = select(
    items.c.id, items.c.customer_id, items.c.case_type, items.c.reason, items.c.created_at
).where(
    items.c.customer_id.in_(bindparam("customers", expanding=True)),
    items.c.created_at >= bindparam("since"),
    items.c.created_at <= bindparam("until"),
)


def link(conn: Connection, links: Mapping[int, int]) -> None:
    """Record that each item (key) repeats another (value)."""
    if links:
        conn.execute(
            _LINK, [{"item_id": item_id, "earlier": earlier} for item_id, earlier in links.items()]
        )


_LINK = (
    update(items).where(items.c.id == bindparam("item_id")).values(repeat_of=bindparam("earlier"))
)
