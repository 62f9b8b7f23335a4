"""Agents' presence: available, busy, away or offline; every change an event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from retaguarda.domain import access
from retaguarda.domain.catalog import Agent
from retaguarda.domain.errors import Forbidden, InvalidInput, NotFound
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.domain.types import require_aware
from retaguarda.storage.repos import agent as agent_repo
from retaguarda.storage.repos import catalog as catalog_repo


@dataclass(frozen=True, slots=True)
class PresenceState:
    agent: str
    status: Presence
    since: datetime | None  # None: never set (an agent starts offline)


def _agent(conn: Connection, key: str, principal: access.Principal) -> Agent:
    found = catalog_repo.agent(conn, key)
    if found is None:
        raise NotFound(f"agent {key!r} not found", field="agent")
    access.require_agent(principal, found)
    return found


def presence(conn: Connection, key: str, *, principal: access.Principal) -> PresenceState:
    """The agent's presence now."""
    _agent(conn, key, principal)
    current = agent_repo.presence_of(conn, key)
    if current is None:
        return PresenceState(key, Presence.OFFLINE, None)
    return PresenceState(key, Presence(current[0]), current[1])


def set_presence(
    conn: Connection,
    key: str,
    status: Presence,
    *,
    principal: access.Principal,
    now: datetime,
    at: datetime | None = None,
) -> PresenceState:
    """Change the agent's presence (an event); the same status again changes nothing."""
    _agent(conn, key, principal)
    when = now
    if at is not None:
        if not principal.may_backdate:
            raise Forbidden("only admin and integration users may set 'at'", field="at")
        when = require_aware(at, field="at")
        if when > now:
            raise InvalidInput("at", "is in the future")
    current = agent_repo.presence_of(conn, key, lock=True)
    before = Presence(current[0]) if current else Presence.OFFLINE
    if current is not None and when < current[1]:
        raise InvalidInput(
            "at",
            f"{when.isoformat()} is before the agent's last change ({current[1].isoformat()})",
        )
    if before is status:
        return PresenceState(key, before, current[1] if current else None)
    agent_repo.record_presence(
        conn,
        key,
        status=status.value,
        at=when,
        actor=principal.name,
        data={"status": status.value, "from": before.value},
        recorded_at=now,
    )
    return PresenceState(key, status, when)
