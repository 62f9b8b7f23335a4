"""Agents' presence: the current state and the log of its changes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select

from retaguarda.storage.dialect import insert as upsert
from retaguarda.storage.records import AgentEventRecord, AgentPresenceRecord, ItemRecord, table_of

events = table_of(AgentEventRecord)
presence = table_of(AgentPresenceRecord)
items = table_of(ItemRecord)


def presence_of(conn: Connection, agent: str, *, lock: bool = False) -> tuple[str, datetime] | None:
    """(status, since) of the agent, or None if it was never set."""
    stmt = select(presence.c.status, presence.c.since).where(presence.c.agent == agent)
    if lock and conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    row = conn.execute(stmt).one_or_none()
    return None if row is None else (row.status, row.since)


def presences(conn: Connection, agents: Sequence[str] | None) -> dict[str, tuple[str, datetime]]:
    """(status, since) of each of `agents` (None: all) whose presence was ever set."""
    stmt = select(presence.c.agent, presence.c.status, presence.c.since)
    if agents is not None:
        stmt = stmt.where(presence.c.agent.in_(agents))
    return {row.agent: (row.status, row.since) for row in conn.execute(stmt)}


def holding(
    conn: Connection, agents: Sequence[str] | None, statuses: Sequence[str]
) -> dict[str, int]:
    """How many items in `statuses` each of `agents` (None: all) is the assignee of."""
    stmt = (
        select(items.c.assignee, func.count().label("n"))
        .where(items.c.assignee.is_not(None), items.c.status.in_(statuses))
        .group_by(items.c.assignee)
    )
    if agents is not None:
        stmt = stmt.where(items.c.assignee.in_(agents))
    return {row.assignee: int(row.n) for row in conn.execute(stmt)}


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
