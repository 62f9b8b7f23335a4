"""Agents' planned absences: statements and row <-> domain mapping."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select

from retaguarda.domain.absence import Absence
from retaguarda.storage.records import AgentAbsenceRecord, table_of

absences = table_of(AgentAbsenceRecord)


def add(conn: Connection, absence: Absence) -> Absence:
    """Store `absence`; return it with its id."""
    new_id = conn.execute(
        insert(absences)
        .values(
            agent=absence.agent,
            start_at=absence.start_at,
            end_at=absence.end_at,
            reason=absence.reason,
            planned=absence.planned,
            created_at=absence.created_at,
            created_by=absence.created_by,
        )
        .returning(absences.c.id)
    ).scalar_one()
    return replace(absence, id=new_id)


def of_agent(
    conn: Connection, agent: str, *, start: datetime | None = None, end: datetime | None = None
) -> list[Absence]:
    """The agent's absences that share an instant with [start, end) (either side open
    when None), by start then id."""
    stmt = select(absences).where(absences.c.agent == agent)
    if end is not None:
        stmt = stmt.where(absences.c.start_at < end)
    if start is not None:
        stmt = stmt.where(absences.c.end_at > start)
    rows = conn.execute(stmt.order_by(absences.c.start_at, absences.c.id))
    return [_to_absence(row) for row in rows]


def remove(conn: Connection, agent: str, absence_id: int) -> bool:
    """Delete the agent's absence `absence_id`; whether there was one."""
    result = conn.execute(
        delete(absences).where(absences.c.id == absence_id, absences.c.agent == agent)
    )
    return result.rowcount == 1


def _to_absence(row: Row[Any]) -> Absence:
    return Absence(
        agent=row.agent,
        start_at=row.start_at,
        end_at=row.end_at,
        reason=row.reason,
        planned=row.planned,
        created_at=row.created_at,
        created_by=row.created_by,
        id=row.id,
    )
