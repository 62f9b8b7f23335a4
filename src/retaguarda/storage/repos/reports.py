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
    SlaClockRecord,
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


# -- service and quality (kpis) ------------------------------------------------------

clocks = table_of(SlaClockRecord)
_resolution_clock = clocks.alias("rc")


def seconds_between(conn: Connection, a: Any, b: Any) -> Any:
    """b - a in seconds, as a float SQL expression (SQLite: to about 0.1 ms)."""
    if conn.dialect.name == "postgresql":
        return func.extract("epoch", b - a)
    return (func.julianday(b) - func.julianday(a)) * 86400.0


def _resolution_key(group_by: str | None) -> Any:
    r, rc = resolutions, _resolution_clock
    keys = {
        "area": r.c.area,
        "tier": r.c.tier,
        "assignee": r.c.assignee,
        "case_type": items.c.case_type,
        "channel": items.c.channel,
        "policy": rc.c.policy,
    }
    return keys[group_by] if group_by else literal(None)


def _resolutions_in(start: datetime, end: datetime) -> Any:
    r, rc = resolutions, _resolution_clock
    return (
        r.join(items, items.c.id == r.c.item_id).outerjoin(
            rc, and_(rc.c.item_id == r.c.item_id, rc.c.metric == "resolution")
        ),
        and_(r.c.at >= _instant(start), r.c.at < _instant(end)),
    )


def resolution_figures(
    conn: Connection,
    start: datetime,
    end: datetime,
    *,
    group_by: str | None,
    areas: Sequence[str] | None,
    repeat_days: int,
    top_tier: str | None,
) -> list[Any]:
    """Per group, over the resolutions in [start, end): counts and sums the rates
    and means are made of (docs/indicators.md, "Service and quality")."""
    r = resolutions
    joined, when = _resolutions_in(start, end)
    definitive = ~r.c.reopened
    later = items.alias("later")
    repeated = (
        select(literal(1))
        .select_from(later)
        .where(
            later.c.repeat_of == r.c.item_id,
            _within_days(conn, r.c.at, later.c.created_at, repeat_days),
        )
        .exists()
    )
    first_contact = definitive & (r.c.seq == 0) & (r.c.tier == r.c.entry_tier)
    if repeat_days > 0:
        first_contact = first_contact & ~repeated
    top = _reached(conn, top_tier) if top_tier else literal(False)
    key = _resolution_key(group_by)
    statement = (
        select(
            key.label("key"),
            func.count().label("resolved"),
            func.sum(case((r.c.reopened, 1), else_=0)).label("reopened"),
            func.sum(case((r.c.reopened | (r.c.outcome == "failed"), 1), else_=0)).label("failed"),
            func.sum(case((definitive, 1), else_=0)).label("definitive"),
            func.sum(case((first_contact, 1), else_=0)).label("first_contact"),
            func.sum(case((definitive & top, 1), else_=0)).label("reached_top"),
            func.sum(r.c.handling_s).label("handling_s"),
            func.sum(case((definitive, items.c.csat), else_=None)).label("csat_sum"),
            func.count(case((definitive, items.c.csat), else_=None)).label("csat_count"),
        )
        .select_from(joined)
        .where(when)
        .group_by(key)
    )
    if areas is not None:
        statement = statement.where(r.c.area.in_(areas))
    return list(conn.execute(statement))


def resolution_durations(
    conn: Connection,
    start: datetime,
    end: datetime,
    *,
    group_by: str | None,
    areas: Sequence[str] | None,
) -> dict[Any, tuple[list[float], list[float]]]:
    """Per group, the calendar and the business seconds from receipt to each
    resolution in [start, end) (business: only where there is a resolution clock)."""
    r = resolutions
    joined, when = _resolutions_in(start, end)
    key = _resolution_key(group_by)
    statement = (
        select(key.label("key"), seconds_between(conn, r.c.received_at, r.c.at), r.c.business_s)
        .select_from(joined)
        .where(when)
    )
    if areas is not None:
        statement = statement.where(r.c.area.in_(areas))
    out: dict[Any, tuple[list[float], list[float]]] = {}
    for group, seconds, business in conn.execute(statement):
        calendar, worked = out.setdefault(group, ([], []))
        calendar.append(float(seconds))
        if business is not None:
            worked.append(float(business))
    return out


def sla_outcomes(
    conn: Connection,
    start: datetime,
    end: datetime,
    *,
    group_by: str | None,
    areas: Sequence[str] | None,
) -> dict[Any, tuple[int, int]]:
    """Per group, (met, counted) resolution clocks stopped in [start, end) by a
    resolution (the item resolved or closed now; cancelled items do not count)."""
    c = clocks
    keys = {
        "area": items.c.area,
        "tier": items.c.tier,
        "assignee": items.c.assignee,
        "case_type": items.c.case_type,
        "channel": items.c.channel,
        "policy": c.c.policy,
    }
    key = keys[group_by] if group_by else literal(None)
    statement = (
        select(
            key.label("key"),
            func.sum(case((c.c.state == "met", 1), else_=0)).label("met"),
            func.count().label("n"),
        )
        .select_from(c.join(items, items.c.id == c.c.item_id))
        .where(
            c.c.metric == "resolution",
            c.c.stopped_at >= _instant(start),
            c.c.stopped_at < _instant(end),
            items.c.status.in_(("resolved", "closed")),
        )
        .group_by(key)
    )
    if areas is not None:
        statement = statement.where(items.c.area.in_(areas))
    return {row.key: (int(row.met), int(row.n)) for row in conn.execute(statement)}


def ola_outcomes(
    conn: Connection, start: datetime, end: datetime, *, areas: Sequence[str] | None
) -> dict[str, tuple[int, int]]:
    """Per area, (met, counted) OLA clocks (waits on that area) ended in [start, end)."""
    c = clocks
    statement = (
        select(
            c.c.area,
            func.sum(case((c.c.state == "met", 1), else_=0)).label("met"),
            func.count().label("n"),
        )
        .where(
            c.c.metric == "ola",
            c.c.stopped_at >= _instant(start),
            c.c.stopped_at < _instant(end),
        )
        .group_by(c.c.area)
    )
    if areas is not None:
        statement = statement.where(c.c.area.in_(areas))
    return {row.area: (int(row.met), int(row.n)) for row in conn.execute(statement)}


def waits_on_areas(
    conn: Connection, start: datetime, end: datetime, *, areas: Sequence[str] | None
) -> dict[str, tuple[float, int]]:
    """Per area waited on, (total seconds, waits) of the waits that ended in [start, end)."""
    s = spans
    statement = (
        select(
            s.c.pending_area,
            func.sum(seconds_between(conn, s.c.start_at, s.c.end_at)).label("seconds"),
            func.count().label("n"),
        )
        .where(
            s.c.status == "pending_area",
            s.c.end_at >= _instant(start),
            s.c.end_at < _instant(end),
        )
        .group_by(s.c.pending_area)
    )
    if areas is not None:
        statement = statement.where(s.c.area.in_(areas))
    return {row.pending_area: (float(row.seconds), int(row.n)) for row in conn.execute(statement)}


def escalations_by_tier(
    conn: Connection, start: datetime, end: datetime, *, areas: Sequence[str] | None
) -> dict[str, tuple[int, int]]:
    """Per tier, (escalations out of it in [start, end), items at that tier at some
    instant of [start, end))."""
    before, after = spans.alias("before"), spans.alias("after")
    out_of = (
        select(before.c.tier, func.count().label("n"))
        .select_from(
            before.join(
                after,
                and_(after.c.item_id == before.c.item_id, after.c.seq == before.c.seq + 1),
            )
        )
        .where(
            after.c.tier != before.c.tier,
            after.c.start_at >= _instant(start),
            after.c.start_at < _instant(end),
        )
        .group_by(before.c.tier)
    )
    present = (
        select(spans.c.tier, func.count(func.distinct(spans.c.item_id)).label("n"))
        .where(_overlapping(conn, start, end))
        .group_by(spans.c.tier)
    )
    if areas is not None:
        out_of = out_of.where(before.c.area.in_(areas))
        present = present.where(spans.c.area.in_(areas))
    escalated = {row.tier: int(row.n) for row in conn.execute(out_of)}
    return {row.tier: (escalated.get(row.tier, 0), int(row.n)) for row in conn.execute(present)}


def items_open_during(
    conn: Connection, start: datetime, end: datetime, *, areas: Sequence[str] | None
) -> int:
    """Distinct items open at some instant of [start, end)."""
    statement = select(func.count(func.distinct(spans.c.item_id))).where(
        _overlapping(conn, start, end)
    )
    if areas is not None:
        statement = statement.where(spans.c.area.in_(areas))
    return int(conn.scalar(statement) or 0)


def _overlapping(conn: Connection, start: datetime, end: datetime) -> Any:
    """Spans that overlap [start, end): on PostgreSQL by the GiST index."""
    if conn.dialect.name == "postgresql":
        during = func.tstzrange(spans.c.start_at, spans.c.end_at, literal("[)"))
        window = func.tstzrange(_instant(start), _instant(end), literal("[)"))
        return during.op("&&")(window)
    return and_(
        spans.c.start_at < _instant(end),
        or_(spans.c.end_at.is_(None), spans.c.end_at > _instant(start)),
    )


def _within_days(conn: Connection, earlier: Any, later: Any, days: int) -> Any:
    """`later` is at most `days` days of 24 hours after `earlier` (or before it)."""
    if conn.dialect.name == "postgresql":
        return later <= earlier + func.make_interval(0, 0, 0, days)
    return func.julianday(later) <= func.julianday(earlier) + days
