"""Agents' presence: the current state and the log of its changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from retaguarda.storage.dialect import insert as upsert
from retaguarda.storage.records import AgentEventRecord, AgentPresenceRecord, table_of

events = table_of(AgentEventRecord)
presence = table_of(AgentPresenceRecord)


def presence_of(conn: Connection, agent: str, *, lock: bool = False) -> tuple[str, datetime] | None:
    """(status, since) of the agent, or None if it was never set."""
    stmt = select(presence.c.status, presence.c.since).where(presence.c.agent == agent)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).one_or_none()
    return None if row is None else (row.status, row.since)


def record_presence(
    conn: Connection,
    agent: str,
    *,
    status: str,
    at: datetime,
    actor: str,
    data: dict[str, Any],
    recorded_at: datetime,
) -> None:
    """Append the presence event and make it the agent's current state."""
    conn.execute(
        insert(events).values(
            agent=agent, type="presence", at=at, actor=actor, data=data, recorded_at=recorded_at
        )
    )
    stmt = upsert(conn, presence).values(agent=agent, status=status, since=at)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["agent"], set_={"status": status, "since": at})
    )


def presence_events(conn: Connection, agent: str) -> list[Any]:
    """The agent's presence events, oldest first."""
    return list(
        conn.execute(
            select(events.c.at, events.c.actor, events.c.data)
            .where(events.c.agent == agent)
            .order_by(events.c.at, events.c.id)
        )
    )
