"""Configuration sections kept as documents (routing, skill rules, escalation, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from retaguarda.storage.dialect import insert
from retaguarda.storage.records import SettingRecord, table_of

settings = table_of(SettingRecord)


def get(conn: Connection, key: str) -> Any | None:
    """The document stored under `key`, or None."""
    return conn.execute(
        select(settings.c.document).where(settings.c.key == key)
    ).scalar_one_or_none()


def many(conn: Connection, keys: Sequence[str]) -> dict[str, Any]:
    """The documents stored under `keys` (missing keys left out), in one query."""
    rows = conn.execute(select(settings.c.key, settings.c.document).where(settings.c.key.in_(keys)))
    return {r.key: r.document for r in rows}


def put(conn: Connection, key: str, document: Any, *, now: datetime) -> None:
    """Store `document` under `key`, replacing what was there."""
    stmt = insert(conn, settings).values(key=key, document=document, applied_at=now)
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[settings.c.key],
            set_={"document": stmt.excluded.document, "applied_at": stmt.excluded.applied_at},
        )
    )
