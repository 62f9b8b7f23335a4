"""Set-based reads for the people report: agents' presence changes, in-progress work
(with its items) and planned absences over a window as columns of epoch seconds, and
the items they resolved (the arithmetic: domain/kpi/workforce.py).

Every function takes `agents`: the agent keys to read, or None for every agent."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import (
    BigInteger,
    Connection,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)

from retaguarda.domain.kpi.workforce import OFFLINE, STATUS_CODES, by_agent
from retaguarda.storage.records import (
    AgentAbsenceRecord,
    AgentEventRecord,
    AgentRecord,
    ItemResolutionRecord,
    ItemSpanRecord,
    table_of,
)
from retaguarda.storage.repos import reports as reports_repo
from retaguarda.storage.types import UtcDateTime

events = table_of(AgentEventRecord)
absences = table_of(AgentAbsenceRecord)
agents_table = table_of(AgentRecord)
spans = table_of(ItemSpanRecord)
resolutions = table_of(ItemResolutionRecord)

IN_PROGRESS = "in_progress"
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Rows:
    """Rows as columns: each row's agent key, and int64 columns by name."""

    agent: npt.NDArray[np.object_]
    columns: dict[str, I64]


def presence(
    conn: Connection, agents: Sequence[str] | None, start: datetime, until: datetime
) -> Rows:
    """Presence changes: each agent's last one at or before `start` and every one in
    (start, until); columns `at` (epoch seconds), `status` (workforce.STATUS_CODES)
    and `seq` (the order they were recorded in)."""
    last_before = (
        select(events.c.id)
        .where(
            events.c.agent == agents_table.c.key,
            events.c.type == "presence",
            events.c.at <= _instant(start),
        )
        .order_by(events.c.at.desc(), events.c.id.desc())
        .limit(1)
        .correlate(agents_table)
        .scalar_subquery()
    )
    firsts = select(last_before).select_from(agents_table)
    if agents is not None:
        firsts = firsts.where(agents_table.c.key.in_(agents))
    named = events.c.data["status"].as_string()
    status = case(*((named == name, code) for name, code in STATUS_CODES.items()), else_=OFFLINE)
    inside = and_(events.c.at > _instant(start), events.c.at < _instant(until))
    if agents is not None:
        inside = and_(inside, events.c.agent.in_(agents))
    statement = select(events.c.agent, _epoch(conn, events.c.at), status, events.c.id).where(
        events.c.type == "presence", or_(inside, events.c.id.in_(firsts))
    )
    return _fetch(conn, statement, ("at", "status", "seq"))


def in_progress(
    conn: Connection, agents: Sequence[str] | None, start: datetime, until: datetime
) -> dict[str, dict[str, I64]]:
    """The in_progress spans overlapping [start, until), per assignee: columns
    `start`, `end` (epoch seconds; a span still open ends at `until`) and `item`."""
    worked = _worked(conn, agents, start, until)
    begins = _epoch(conn, worked.c.start_at)
    ends = _epoch(conn, func.coalesce(worked.c.end_at, _instant(until)))
    return _per_agent(
        conn, worked.c.assignee, {"start": begins, "end": ends, "item": worked.c.item_id}, worked
    )


def resolved_items(
    conn: Connection, agents: Sequence[str] | None, start: datetime, until: datetime
) -> dict[str, I64]:
    """The items of the resolutions in [start, until), per assignee right after them
    (an item resolved twice is there twice)."""
    found = _per_agent(
        conn,
        resolutions.c.assignee,
        {"item": resolutions.c.item_id},
        resolutions,
        _resolved_in(agents, start, until),
    )
    return {agent: columns["item"] for agent, columns in found.items()}


def _per_agent(
    conn: Connection, agent: Any, columns: dict[str, Any], source: Any, *where: Any
) -> dict[str, dict[str, I64]]:
    """Integer columns per agent. PostgreSQL gathers each agent's into arrays
    (millions of rows a month: one row per agent instead of one per span)."""
    if conn.dialect.name == "postgresql":
        statement = (
            select(agent, *(func.array_agg(c) for c in columns.values()))
            .select_from(source)
            .where(*where)
            .group_by(agent)
        )
        return {
            key: {
                name: np.array(values, dtype=np.int64)
                for name, values in zip(columns, arrays, strict=True)
            }
            for key, *arrays in conn.execute(statement)
        }
    statement = select(agent, *columns.values()).select_from(source).where(*where)
    rows = _fetch(conn, statement, tuple(columns))
    return by_agent(rows.agent, rows.columns)


def planned_absences(
    conn: Connection, agents: Sequence[str] | None, start: datetime, until: datetime
) -> Rows:
    """Planned absences overlapping [start, until); columns `start`, `end`."""
    statement = select(
        absences.c.agent, _epoch(conn, absences.c.start_at), _epoch(conn, absences.c.end_at)
    ).where(
        absences.c.planned.is_(True),
        absences.c.start_at < _instant(until),
        absences.c.end_at > _instant(start),
    )
    if agents is not None:
        statement = statement.where(absences.c.agent.in_(agents))
    return _fetch(conn, statement, ("start", "end"))


def _worked(
    conn: Connection, agents: Sequence[str] | None, start: datetime, until: datetime
) -> Any:
    """In-progress spans of an agent (of `agents`) overlapping [start, until), as a
    subquery (assignee, item_id, start_at, end_at): those containing `start` and
    those that start later in the window, read by the partial index on in-progress
    spans instead of every span that overlaps it."""
    columns = (spans.c.assignee, spans.c.item_id, spans.c.start_at, spans.c.end_at)
    mine = and_(spans.c.status == IN_PROGRESS, spans.c.assignee.is_not(None))
    if agents is not None:
        mine = and_(mine, spans.c.assignee.in_(agents))
    at_start = select(*columns).where(reports_repo.containing(conn, start), mine)
    later = select(*columns).where(
        mine, spans.c.start_at > _instant(start), spans.c.start_at < _instant(until)
    )
    return union_all(at_start, later).subquery("worked")


def _resolved_in(agents: Sequence[str] | None, start: datetime, until: datetime) -> Any:
    condition = and_(
        resolutions.c.at >= _instant(start),
        resolutions.c.at < _instant(until),
        resolutions.c.assignee.is_not(None),
    )
    if agents is not None:
        condition = and_(condition, resolutions.c.assignee.in_(agents))
    return condition


def _epoch(conn: Connection, column: Any) -> Any:
    """An instant as whole epoch seconds (fractions dropped)."""
    if conn.dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column)), BigInteger)
    return cast(func.strftime("%s", column), BigInteger)


def _fetch(conn: Connection, statement: Any, names: Sequence[str]) -> Rows:
    """The rows of `statement` (agent key, then one integer per name) as columns."""
    rows = conn.execute(statement).all()
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return Rows(np.zeros(0, dtype=object), dict.fromkeys(names, empty))
    agent, *values = zip(*rows, strict=True)
    return Rows(
        np.array(agent, dtype=object),
        {name: np.array(v, dtype=np.int64) for name, v in zip(names, values, strict=True)},
    )


def _instant(at: datetime) -> Any:
    return literal(at, UtcDateTime())
