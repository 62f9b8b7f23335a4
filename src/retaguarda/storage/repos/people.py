"""Set-based reads for the people report: agents' presence changes, in-progress work
and planned absences over a window as columns of epoch seconds, and their handled
and resolved items counted by the database (the arithmetic: domain/kpi/workforce.py).

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
    literal_column,
    or_,
    select,
    union,
)

from retaguarda.domain.kpi.workforce import OFFLINE, STATUS_CODES
from retaguarda.storage.records import (
    AgentAbsenceRecord,
    AgentEventRecord,
    AgentRecord,
    ItemResolutionRecord,
    ItemSpanRecord,
    table_of,
)
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
) -> Rows:
    """The in_progress spans overlapping [start, until), by assignee; columns
    `start`, `end` (epoch seconds; a span still open ends at `until`)."""
    statement = select(
        spans.c.assignee,
        _epoch(conn, spans.c.start_at),
        _epoch(conn, func.coalesce(spans.c.end_at, _instant(until))),
    ).where(_worked(conn, agents, start, until))
    return _fetch(conn, statement, ("start", "end"))


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


def resolved(
    conn: Connection, agents: Sequence[str] | None, start: datetime, until: datetime
) -> dict[str, int]:
    """Resolutions in [start, until) per assignee right after them."""
    statement = (
        select(resolutions.c.assignee, func.count().label("n"))
        .where(_resolved_in(agents, start, until))
        .group_by(resolutions.c.assignee)
    )
    return {row.assignee: row.n for row in conn.execute(statement)}


def handled(
    conn: Connection, agents: Sequence[str] | None, start: datetime, until: datetime
) -> dict[str, int]:
    """Distinct items per agent that were in progress with them in [start, until) or
    that they resolved then."""
    pairs = union(
        select(spans.c.assignee.label("agent"), spans.c.item_id).where(
            _worked(conn, agents, start, until)
        ),
        select(resolutions.c.assignee.label("agent"), resolutions.c.item_id).where(
            _resolved_in(agents, start, until)
        ),
    ).subquery()
    statement = select(pairs.c.agent, func.count().label("n")).group_by(pairs.c.agent)
    return {row.agent: row.n for row in conn.execute(statement)}


def _worked(
    conn: Connection, agents: Sequence[str] | None, start: datetime, until: datetime
) -> Any:
    """In-progress spans of an agent (of `agents`) overlapping [start, until): on
    PostgreSQL by the GiST index on their range."""
    overlaps: Any
    if conn.dialect.name == "postgresql":
        during = func.tstzrange(spans.c.start_at, spans.c.end_at, literal_column("'[)'"))
        window = func.tstzrange(_instant(start), _instant(until), literal_column("'[)'"))
        overlaps = during.op("&&")(window)
    else:
        overlaps = and_(
            spans.c.start_at < _instant(until),
            or_(spans.c.end_at.is_(None), spans.c.end_at > _instant(start)),
        )
    condition = and_(spans.c.status == IN_PROGRESS, spans.c.assignee.is_not(None), overlaps)
    if agents is not None:
        condition = and_(condition, spans.c.assignee.in_(agents))
    return condition


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
