"""Set-based reads for the indicator reports: aggregates computed by the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise
from typing import Any

from sqlalchemy import (
    ARRAY,
    BindParameter,
    Connection,
    Float,
    Text,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    text,
    true,
    tuple_,
    union_all,
)

from retaguarda.domain.kpi.backlog import NO_SLA
from retaguarda.domain.kpi.service_level import Spread, spread
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
    "case_type": spans.c.case_type,
    "channel": spans.c.channel,
}
# Where the backlog counted by each grouping changes (records.ItemSpanRecord): the
# starts of the spans flagged `in`, the ends of those flagged `out`. Case type and
# channel never change, so only entering and leaving the backlog moves them.
_ENTERS = spans.c.enters
_LEAVES = spans.c.left_to.is_not(None)
_CHANGES: dict[str | None, tuple[Any, Any]] = {
    None: (_ENTERS, _LEAVES),
    "case_type": (_ENTERS, _LEAVES),
    "channel": (_ENTERS, _LEAVES),
    "area": (spans.c.area_in, spans.c.area_out),
    "tier": (spans.c.tier_in, spans.c.tier_out),
    "assignee": (spans.c.assignee_in, spans.c.assignee_out),
}


# Report statements sort and hash up to a month of rows (distinct items, percentiles);
# PostgreSQL's default work_mem (4 MB) sends them to disk.
REPORT_WORK_MEM = "64MB"


def tune(conn: Connection) -> None:
    """Settings for the report statements of this transaction (PostgreSQL; SET LOCAL
    ends with it): more memory for sorts and hashes, and no JIT compilation, which
    costs more than it saves on statements that run for well under a second."""
    if conn.dialect.name == "postgresql":
        conn.execute(text(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'"))
        conn.execute(text("SET LOCAL jit = off"))


def containing(conn: Connection, t: Any) -> Any:
    """The spans that contain instant `t` (a value or a column): on PostgreSQL by the
    GiST index on their range."""
    if isinstance(t, datetime):
        t = _instant(t)
    if conn.dialect.name == "postgresql":
        during = func.tstzrange(spans.c.start_at, spans.c.end_at, literal("[)"))
        return during.op("@>")(t)
    ends_after = or_(spans.c.end_at.is_(None), spans.c.end_at > t)
    late = isinstance(t, BindParameter) and isinstance(t.value, datetime)
    if late and _late_in_the_history(conn, t.value):
        # SQLite has neither a range index nor range statistics (no STAT4), and left
        # alone it walks the start_at index over every span begun before t: the whole
        # history when t is recent (73 ms on 86,000 spans for "now", 0.7 ms this way).
        # Late in the history few spans end after t, so they are looked up by end_at;
        # the CAST keeps the planner off the start_at index (the stored text compares
        # as the instant does).
        begun = cast(spans.c.start_at, Text) <= cast(t, Text)
        return and_(ends_after, begun)
    return and_(spans.c.start_at <= t, ends_after)


def _late_in_the_history(conn: Connection, at: datetime) -> bool:
    """Whether `at` lies in the later half of the spans' starts (two index seeks)."""
    # Two scalar subqueries: SQLite answers a lone min() or max() from the index, but
    # scans the table for both in one SELECT.
    first = select(func.min(spans.c.start_at)).scalar_subquery()
    last = select(func.max(spans.c.start_at)).scalar_subquery()
    first, last = conn.execute(select(first, last)).one()
    return first is not None and at >= first + (last - first) / 2


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
        *((spans.c.received_at <= _instant(limit), name) for name, limit in age_limits[:-1]),
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
        .select_from(spans)
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
    """Items created in each window, by group (area, tier, assignee as right after
    creation: the item's first span)."""
    w = _windows(windows)
    received = w.join(items, and_(items.c.created_at >= w.c.start, items.c.created_at < w.c.stop))
    if group_by in (None, "case_type", "channel") and areas is None:
        fixed = items.c[group_by] if group_by else literal(None)
        return _counted(conn, select(w.c.idx, fixed.label("key")).select_from(received))
    # Every item has a first span (seq 0, carrying its receipt) but one that was never
    # open for an instant (created and cancelled at once): read the first spans by
    # their receipt (index-only on PostgreSQL) and fall back to joining the items when
    # the counts per window say one is missing.
    first_key = _GROUP_COLUMNS[group_by] if group_by else literal(None)
    firsts = select(w.c.idx, first_key.label("key"), spans.c.area.label("area")).select_from(
        w.join(
            spans,
            and_(
                spans.c.seq == 0,
                spans.c.received_at >= w.c.start,
                spans.c.received_at < w.c.stop,
            ),
        )
    )
    found = _counted_by_area(conn, firsts)
    totals = _counted(conn, select(w.c.idx, literal(None).label("key")).select_from(received))
    per_window: dict[int, int] = {}
    for (index, _, _), n in found.items():
        per_window[index] = per_window.get(index, 0) + n
    if all(per_window.get(index, 0) == n for (index, _), n in totals.items()):
        out: dict[tuple[int, Any], int] = {}
        for (index, k, area), n in found.items():
            if areas is None or area in areas:
                out[index, k] = out.get((index, k), 0) + n
        return out
    first = spans.alias("first")
    state = {
        "area": func.coalesce(first.c.area, items.c.area),
        "tier": func.coalesce(first.c.tier, items.c.tier),
        "assignee": first.c.assignee,
        "case_type": items.c.case_type,
        "channel": items.c.channel,
    }
    key = state[group_by] if group_by else literal(None)
    joined = received.outerjoin(first, and_(first.c.item_id == items.c.id, first.c.seq == 0))
    statement = select(w.c.idx, key.label("key")).select_from(joined)
    if areas is not None:
        statement = statement.where(state["area"].in_(areas))
    return _counted(conn, statement)


def _counted_by_area(conn: Connection, statement: Any) -> dict[tuple[int, Any, Any], int]:
    """Rows of (idx, key, area) counted per triple."""
    inner = statement.subquery()
    columns = (inner.c.idx, inner.c.key, inner.c.area)
    rows = conn.execute(select(*columns, func.count().label("n")).group_by(*columns))
    return {(r.idx, r.key, r.area): r.n for r in rows}


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
        "case_type": r.c.case_type,
        "channel": r.c.channel,
    }
    key = state[group_by] if group_by else literal(None)
    statement = select(w.c.idx, key.label("key")).select_from(
        w.join(r, and_(r.c.at >= w.c.start, r.c.at < w.c.stop))
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
    """The backlog at each instant (in time order), by group (as at that instant):
    `_sweep` over the spans flagged where the grouping's backlog changes (`_CHANGES`)."""
    key = _GROUP_COLUMNS[group_by] if group_by else literal(None)
    enter, leave = _CHANGES[group_by]
    if areas is not None and group_by != "area":
        # Moving in or out of the areas seen changes it too.
        enter, leave = or_(enter, spans.c.area_in), or_(leave, spans.c.area_out)
    moves = ((spans.c.start_at, enter, 1), (spans.c.end_at, leave, -1))
    return _sweep(conn, instants, key=key, at_first=true(), moves=moves, areas=areas)


def overdue_at(
    conn: Connection, instants: Sequence[datetime], *, areas: Sequence[str] | None
) -> tuple[dict[int, int], list[Any]]:
    """Per instant (in time order), the items past their resolution due by the wall
    clock (`overdue_from` <= t), by a `_sweep` over the spans' overdue parts; and the
    pieces among them overdue only off hours (`overdue_off_hours`: start, end,
    calendar), which the caller takes out at the instants their calendar is working."""
    first, last = _instant(instants[0]), _instant(instants[-1])
    piece = spans.c.overdue_from.is_not(None)
    moves = ((spans.c.overdue_from, piece, 1), (spans.c.end_at, piece, -1))
    found = _sweep(
        conn,
        instants,
        key=literal(None),
        at_first=spans.c.overdue_from <= first,
        moves=moves,
        areas=areas,
    )
    off_hours = select(spans.c.overdue_from, spans.c.end_at, spans.c.calendar).where(
        spans.c.overdue_off_hours,
        spans.c.overdue_from <= last,
        or_(spans.c.end_at.is_(None), spans.c.end_at > first),
    )
    if areas is not None:
        off_hours = off_hours.where(spans.c.area.in_(areas))
    counted = {index: found.get((index, None), 0) for index in range(len(instants))}
    return counted, list(conn.execute(off_hours))


def _sweep(
    conn: Connection,
    instants: Sequence[datetime],
    *,
    key: Any,
    at_first: Any,
    moves: Sequence[tuple[Any, Any, int]],
    areas: Sequence[str] | None,
) -> dict[tuple[int, Any], int]:
    """Counts by `key` at each instant (in time order; zeros left out): the spans
    containing the first instant (and meeting `at_first`), then, from one instant to
    the next, + or - the spans whose `column` falls in between among those meeting
    `flag`, for each (column, flag, sign) of `moves`. Reads only the changes, not
    every span at every instant."""
    if any(b < a for a, b in pairwise(instants)):
        raise ValueError("instants must be in time order")
    start = (
        select(key.label("key"), func.count().label("n"))
        .where(containing(conn, instants[0]), at_first)
        .group_by(key)
    )
    if areas is not None:
        start = start.where(spans.c.area.in_(areas))
    running = {row.key: int(row.n) for row in conn.execute(start)}
    delta: dict[int, dict[Any, int]] = {}
    steps = list(pairwise(instants))
    if steps:
        w = _rows([(k + 1, a, b) for k, (a, b) in enumerate(steps)], ("idx", "after", "upto"))
        for column, flag, sign in moves:
            inside = and_(flag, column > w.c.after, column <= w.c.upto)
            statement = select(w.c.idx, key.label("key")).select_from(w.join(spans, inside))
            if areas is not None:
                statement = statement.where(spans.c.area.in_(areas))
            for (index, k), n in _counted(conn, statement).items():
                at = delta.setdefault(index, {})
                at[k] = at.get(k, 0) + sign * n
    out: dict[tuple[int, Any], int] = {}
    for index in range(len(instants)):
        for k, n in delta.get(index, {}).items():
            running[k] = running.get(k, 0) + n
        out.update({(index, k): n for k, n in running.items() if n})
    return out


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
        "case_type": r.c.case_type,
        "channel": r.c.channel,
        "policy": rc.c.policy,
    }
    return keys[group_by] if group_by else literal(None)


def _resolutions_in(
    start: datetime, end: datetime, *, group_by: str | None, with_items: bool
) -> Any:
    """The resolutions in [start, end), with their items when asked and their
    resolution clocks when grouped by policy."""
    r, rc = resolutions, _resolution_clock
    joined: Any = r
    if with_items:
        joined = joined.join(items, items.c.id == r.c.item_id)
    if group_by == "policy":
        joined = joined.outerjoin(
            rc, and_(rc.c.item_id == r.c.item_id, rc.c.metric == "resolution")
        )
    return joined, and_(r.c.at >= _instant(start), r.c.at < _instant(end))


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
    and means are made of (docs/indicators.md, "Service and quality").

    SLA compliance (`sla_met` of `sla_counted`) is read from the same rows: a
    resolution clock stopped in the window by a resolution (the item resolved or
    closed now) is the clock of a definitive resolution in the window. An item is
    resolved or closed now exactly when its last resolution was not reopened (closing
    needs a resolved item, cancelling an open one), and its clock stopped then, at
    the start of that resolved streak."""
    r, rc = resolutions, _resolution_clock
    joined, when = _resolutions_in(start, end, group_by="policy", with_items=True)
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
            func.sum(case((definitive & (rc.c.state == "met"), 1), else_=0)).label("sla_met"),
            func.sum(case((definitive & rc.c.item_id.is_not(None), 1), else_=0)).label(
                "sla_counted"
            ),
        )
        .select_from(joined)
        .where(when)
        .group_by(key)
    )
    if areas is not None:
        statement = statement.where(r.c.area.in_(areas))
    return list(conn.execute(statement))


WHOLE = object()  # the key of the figures over every group together


def resolution_spreads(
    conn: Connection,
    start: datetime,
    end: datetime,
    *,
    group_by: str | None,
    areas: Sequence[str] | None,
) -> dict[Any, tuple[Spread, Spread]]:
    """Per group and for the whole (key WHOLE), the spreads (mean, p50, p90) of the
    calendar and the business seconds from receipt to each resolution in
    [start, end) (business: only where there is a resolution clock).

    PostgreSQL computes them (percentile_cont, grouping sets); elsewhere the
    durations are read and `service_level.spread` computes the same."""
    r = resolutions
    joined, when = _resolutions_in(start, end, group_by=group_by, with_items=False)
    key = _resolution_key(group_by)
    seconds = seconds_between(conn, r.c.received_at, r.c.at)
    if conn.dialect.name == "postgresql":
        ranks = literal([0.5, 0.9], ARRAY(Float()))

        def three(value: Any, name: str) -> list[Any]:
            return [
                func.avg(value).label(f"{name}_mean"),
                func.percentile_cont(ranks).within_group(value).label(f"{name}_p"),
            ]

        figures = (*three(seconds, "calendar"), *three(r.c.business_s, "business"))
        if group_by is None:
            statement = select(literal(1).label("whole"), *figures)
        else:  # the groups and, with grouping(key) = 1, the whole
            statement = select(
                key.label("key"), func.grouping(key).label("whole"), *figures
            ).group_by(func.grouping_sets(tuple_(key), tuple_()))
        statement = statement.select_from(joined).where(when)
        if areas is not None:
            statement = statement.where(r.c.area.in_(areas))
        out: dict[Any, tuple[Spread, Spread]] = {}
        for row in conn.execute(statement):
            out[WHOLE if row.whole else row.key] = (
                _spread(row.calendar_mean, row.calendar_p),
                _spread(row.business_mean, row.business_p),
            )
        return out
    statement = select(key.label("key"), seconds, r.c.business_s).select_from(joined).where(when)
    if areas is not None:
        statement = statement.where(r.c.area.in_(areas))
    found: dict[Any, tuple[list[float], list[float]]] = {WHOLE: ([], [])}
    for group, calendar_s, business_s in conn.execute(statement):
        for k in (group, WHOLE):
            calendar, worked = found.setdefault(k, ([], []))
            calendar.append(float(calendar_s))
            if business_s is not None:
                worked.append(float(business_s))
    return {k: (spread(c), spread(b)) for k, (c, b) in found.items()}


def _spread(mean: Any, ranks: Any) -> Spread:
    if mean is None:
        return spread(())
    p50, p90 = ranks
    return {"mean": float(mean), "p50": float(p50), "p90": float(p90)}


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


def escalations(
    conn: Connection, start: datetime, end: datetime, *, areas: Sequence[str] | None
) -> tuple[dict[str, tuple[int, int]], int]:
    """Per tier, (escalations out of it in [start, end), items at that tier at some
    instant of [start, end)); and the items open at some instant of it.

    An escalation is a change of tier between two consecutive open spans of an item
    (the tier left: the span's `prior_tier`), read from the spans flagged `tier_in`
    (a change of tier, or a reopening: an escalation of a resolved item enters the
    backlog again)."""
    out_of = (
        select(spans.c.prior_tier.label("tier"), func.count().label("n"))
        .where(
            spans.c.tier_in,
            spans.c.prior_tier.is_not(None),
            spans.c.prior_tier != spans.c.tier,
            spans.c.start_at >= _instant(start),
            spans.c.start_at < _instant(end),
        )
        .group_by(spans.c.prior_tier)
    )
    if areas is not None:
        out_of = out_of.where(spans.c.prior_area.in_(areas))
    escalated = {row.tier: int(row.n) for row in conn.execute(out_of)}
    # `tier_in` includes `enters`: the same rows give the items open in the window.
    rows = _open_during(conn, start, end, spans.c.tier_in, areas, spans.c.tier).cte("open_during")
    rows = rows.prefix_with("MATERIALIZED", dialect="postgresql")
    present = union_all(
        select(rows.c.key, func.count(func.distinct(rows.c.item_id)).label("n")).group_by(
            rows.c.key
        ),
        select(literal(None).label("key"), func.count(func.distinct(rows.c.item_id))),
    )
    by_tier, items_open = {}, 0
    for row in conn.execute(present):
        if row.key is None:
            items_open = int(row.n)
        else:
            by_tier[row.key] = (escalated.get(row.key, 0), int(row.n))
    return by_tier, items_open


def _open_during(
    conn: Connection,
    start: datetime,
    end: datetime,
    enter: Any,
    areas: Sequence[str] | None,
    key: Any,
) -> Any:  # a UNION ALL of (key, item_id)
    """(key, item_id) of the spans that put an item in the backlog (in a group) at
    some instant of [start, end): those containing `start`, and those that start
    later in it where it enters (flag `enter`; or the areas seen, with `areas`).
    An item open in the window is open at `start` or entered after it, so these
    are all of them without reading every span that overlaps the window."""
    at_start = select(key.label("key"), spans.c.item_id).where(containing(conn, start))
    if areas is not None:
        enter = or_(enter, spans.c.area_in)
    later = select(key.label("key"), spans.c.item_id).where(
        enter, spans.c.start_at > _instant(start), spans.c.start_at < _instant(end)
    )
    if areas is not None:
        at_start = at_start.where(spans.c.area.in_(areas))
        later = later.where(spans.c.area.in_(areas))
    return union_all(at_start, later)


def _within_days(conn: Connection, earlier: Any, later: Any, days: int) -> Any:
    """`later` is at most `days` days of 24 hours after `earlier` (or before it)."""
    if conn.dialect.name == "postgresql":
        return later <= earlier + func.make_interval(0, 0, 0, days)
    return func.julianday(later) <= func.julianday(earlier) + days
