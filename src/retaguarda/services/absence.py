"""Agents' planned absences: recorded and removed by supervisors and admins, read by
them and by the agent (absenteeism: scheduled time not covered by one is unplanned)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from retaguarda.domain import absence as rules
from retaguarda.domain import access
from retaguarda.domain.absence import Absence
from retaguarda.domain.catalog import Agent
from retaguarda.domain.errors import NotFound
from retaguarda.storage.repos import absence as absence_repo
from retaguarda.storage.repos import catalog as catalog_repo


def _agent(conn: Connection, key: str) -> Agent:
    found = catalog_repo.agent(conn, key)
    if found is None:
        raise NotFound(f"agent {key!r} not found", field="agent")
    return found


def add(
    conn: Connection,
    key: str,
    *,
    start: datetime,
    end: datetime,
    reason: str | None,
    planned: bool = True,
    principal: access.Principal,
    now: datetime,
) -> Absence:
    """Record an absence of agent `key` from `start` to `end`."""
    access.require_absence_writer(principal, _agent(conn, key))
    absence = rules.plan(
        key,
        start=start,
        end=end,
        reason=reason,
        planned=planned,
        created_at=now,
        created_by=principal.name,
    )
    return absence_repo.add(conn, absence)


def of_agent(
    conn: Connection,
    key: str,
    *,
    principal: access.Principal,
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[Absence]:
    """Agent `key`'s absences that share an instant with [start, end) (open sides: None)."""
    access.require_absence_reader(principal, _agent(conn, key))
    lower, upper = rules.window(start, end)
    return absence_repo.of_agent(conn, key, start=lower, end=upper)


def remove(conn: Connection, key: str, absence_id: int, *, principal: access.Principal) -> None:
    """Delete agent `key`'s absence `absence_id`."""
    access.require_absence_writer(principal, _agent(conn, key))
    if not absence_repo.remove(conn, key, absence_id):
        raise NotFound(f"agent {key!r} has no absence {absence_id}", field="id")
