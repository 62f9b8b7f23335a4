"""Set-based reads for the indicator reports: aggregates computed by the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, or_, select, union_all

from retaguarda.domain.kpi.backlog import NO_SLA
from retaguarda.storage.records import (
    ItemRecord,
    ItemResolutionRecord,
    ItemSpanRecord,
    table_of,
)
from retaguarda.storage.types import UtcDateTime

spans = table_of(ItemSpanRecord)
items = table_of(ItemRecord)
resolutions = table_of(ItemResolutionRecord)

_GROUP_COLUMNS = {
    "area": spans.c.area,
    "tier": spans.c.tier,
    "assignee": spans.c.assignee,
    "case_type": items.c.case_type,
    "channel": items.c.channel,
}


def containing(conn: Connection, t: Any) -> Any:
    """The spans that contain instant `t` (a value or a column): on PostgreSQL by the
    GiST index on their range."""
    if isinstance(t, datetime):
        t = _instant(t)
    if conn.dialect.name == "postgresql":
        during = func.tstzrange(spans.c.start_at, spans.c.end_at, literal("[)"))
        return during.op("@>")(t)
    return and_(spans.c.start_at <= t, or_(spans.c.end_at.is_(None), spans.c.end_at > t))


def backlog_counts(
    conn: Connection,
    *,
    at: datetime,
    age_limits: Sequence[tuple[str, datetime]],
    group_by: str | None,
    areas: Sequence[str] | None,
) -> list[Any]:
    """Items in the backlog at `at`, counted by (group key, age bucket, share bucket,
    off-hours candidate, calendar).

    The share bucket is ">100%" when the clock is past `overdue_after`; rows flagged
    `off_hours` are overdue only if `at` is outside their calendar's working time,
    which the caller decides (the database knows no calendars)."""
    t = _instant(at)
    age = case(
        *((items.c.created_at <= _instant(limit), name) for name, limit in age_limits[:-1]),
        else_=age_limits[-1][0],
    )
    share = case(
        (spans.c.calendar.is_(None), NO_SLA),
        (spans.c.overdue_after < t, ">100%"),
        (spans.c.three_quarters_at <= t, "75-100%"),
        (spans.c.half_at <= t, "50-75%"),
        else_="<50%",
    )
    key = _GROUP_COLUMNS[group_by] if group_by else literal(None)
    inner = (
        select(
            key.label("key"),
            age.label("age"),
            share.label("share"),
            spans.c.overdue_off_hours.label("off_hours"),
            spans.c.calendar,
        )
        .select_from(spans.join(items, items.c.id == spans.c.item_id))
        .where(containing(conn, at))
    )
    if areas is not None:
        inner = inner.where(spans.c.area.in_(areas))
    rows = inner.subquery()
    # Grouped outside: PostgreSQL sees the CASEs' parameters twice as different
    # expressions if the same CASE is written in SELECT and GROUP BY.
    columns = [rows.c.key, rows.c.age, rows.c.share, rows.c.off_hours, rows.c.calendar]
    return list(conn.execute(select(*columns, func.count().label("n")).group_by(*columns)))


Window = tuple[datetime, datetime]  # [start, end) in UTC


def _windows(windows: Sequence[Window]) -> Any:
    """The windows as a small table (idx, start, stop) to join against."""
    return _rows([(k, a, b) for k, (a, b) in enumerate(windows)], ("idx", "start", "stop"))


def _rows(rows: Sequence[tuple[Any, ...]], names: Sequence[str]) -> Any:
    """Literal rows as a table: SELECT ... UNION ALL SELECT ... (SQLite cannot name
    the columns of a VALUES list); instants typed as UtcDateTime."""
    selects = [
        select(
            *(
                literal(value, UtcDateTime() if isinstance(value, datetime) else None).label(name)
                for name, value in zip(names, row, strict=True)
            )
        )
        for row in rows
    ]
    return union_all(*selects).subquery("w")


def _counted(conn: Connection, statement: Any) -> dict[tuple[int, Any], int]:
    """Rows of (idx, key) counted per pair."""
    inner = statement.subquery()
    rows = conn.execute(
        select(inner.c.idx, inner.c.key, func.count().label("n")).group_by(inner.c.idx, inner.c.key)
    )
    return {(r.idx, r.key): r.n for r in rows}


def created_in(
    conn: Connection,
    windows: Sequence[Window],
    *,
    group_by: str | None,
    areas: Sequence[str] | None,
) -> dict[tuple[int, Any], int]:
    """Items created in each window, by group (area, tier as right after creation)."""
    w = _windows(windows)
    first = spans.alias("first")
    state = {
        "area": func.coalesce(first.c.area, items.c.area),
        "tier": func.coalesce(first.c.tier, items.c.tier),
        "assignee": first.c.assignee,
        "case_type": items.c.case_type,
        "channel": items.c.channel,
    }
    key = state[group_by] if group_by else literal(None)
    statement = select(w.c.idx, key.label("key")).select_from(
        w.join(
            items, and_(items.c.created_at >= w.c.start, items.c.created_at < w.c.stop)
        ).outerjoin(first, and_(first.c.item_id == items.c.id, first.c.seq == 0))
    )
    if areas is not None:
        statement = statement.where(state["area"].in_(areas))
    return _counted(conn, statement)


def resolved_in(
    conn: Connection,
    windows: Sequence[Window],
    *,
    group_by: str | None,
    areas: Sequence[str] | None,
) -> dict[tuple[int, Any], int]:
    """Resolutions in each window, by group (area, tier, assignee at resolution)."""
    w = _windows(windows)
    r = resolutions
    state = {
        "area": r.c.area,
        "tier": r.c.tier,
        "assignee": r.c.assignee,
        "case_type": items.c.case_type,
        "channel": items.c.channel,
    }
    key = state[group_by] if group_by else literal(None)
    statement = select(w.c.idx, key.label("key")).select_from(
        w.join(r, and_(r.c.at >= w.c.start, r.c.at < w.c.stop)).join(
            items, items.c.id == r.c.item_id
        )
    )
    if areas is not None:
        statement = statement.where(r.c.area.in_(areas))
    return _counted(conn, statement)


def backlog_at(
    conn: Connection,
    instants: Sequence[datetime],
    *,
    group_by: str | None,
    areas: Sequence[str] | None,
) -> dict[tuple[int, Any], int]:
    """The backlog at each instant, by group (as at that instant)."""
    t = _rows(list(enumerate(instants)), ("idx", "t"))
    key = _GROUP_COLUMNS[group_by] if group_by else literal(None)
    statement = select(t.c.idx, key.label("key")).select_from(
        t.join(spans, containing(conn, t.c.t)).join(items, items.c.id == spans.c.item_id)
    )
    if areas is not None:
        statement = statement.where(spans.c.area.in_(areas))
    return _counted(conn, statement)


def reasons_received(
    conn: Connection,
    start: datetime,
    end: datetime,
    *,
    tier: str | None,
    area: str | None,
    areas: Sequence[str] | None,
) -> dict[str | None, int]:
    """Items created in [start, end) by reason; `tier`: only those that reached it;
    `area` (and the caller's `areas`): by the area they arrived in."""
    first = spans.alias("first")
    arrived = func.coalesce(first.c.area, items.c.area)
    statement = (
        select(items.c.reason, func.count().label("n"))
        .select_from(items.outerjoin(first, and_(first.c.item_id == items.c.id, first.c.seq == 0)))
        .where(items.c.created_at >= _instant(start), items.c.created_at < _instant(end))
        .group_by(items.c.reason)
    )
    if tier is not None:
        statement = statement.where(_reached(conn, tier))
    if area is not None:
        statement = statement.where(arrived == area)
    if areas is not None:
        statement = statement.where(arrived.in_(areas))
    return {r.reason: r.n for r in conn.execute(statement)}


def _reached(conn: Connection, tier: str) -> Any:
    """The item's journey holds `tier`."""
    if conn.dialect.name == "postgresql":
        return items.c.journey.op("@>")(func.jsonb_build_array(tier))
    steps = func.json_each(items.c.journey).table_valued("value")
    return select(literal(1)).select_from(steps).where(steps.c.value == tier).exists()


def _instant(at: datetime) -> Any:
    return literal(at, UtcDateTime())
