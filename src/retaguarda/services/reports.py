"""Indicator reports (docs/indicators.md): read from the derived tables the refresh
keeps (item spans, stored clocks), aggregated by the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy import Connection

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain import access
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.kpi import backlog as definition
from retaguarda.domain.kpi import flow as flow_definition
from retaguarda.domain.kpi import pareto as pareto_definition
from retaguarda.domain.kpi import settings as report_settings
from retaguarda.domain.kpi.flow import Period
from retaguarda.domain.sla import marks as sla_marks
from retaguarda.domain.types import require_aware
from retaguarda.services import sla_store
from retaguarda.services.sla import configs
from retaguarda.storage.repos import reports as reports_repo
from retaguarda.storage.repos import settings as settings_repo
from retaguarda.storage.repos import sla as sla_repo


def backlog(
    conn: Connection,
    *,
    principal: access.Principal,
    at: datetime,
    now: datetime,
    group_by: str | None = None,
) -> dict[str, Any]:
    """The backlog at `at` (not after `now`): total, current and overdue, aging by age
    and by share of the resolution target used, overall and per group.

    The derived tables are brought up to date first (up to INLINE_REFRESH marked
    items; `pending` says how many are still waiting for the worker)."""
    _in_the_past(at, now)
    if group_by is not None and group_by not in definition.GROUPS:
        raise InvalidInput("group_by", f"must be one of {', '.join(definition.GROUPS)}")
    sla_store.refresh(conn, now=now, limit=sla_store.INLINE_REFRESH)
    reports_repo.tune(conn)
    rows = reports_repo.backlog_counts(
        conn,
        at=at,
        age_limits=definition.age_limits(at),
        group_by=group_by,
        areas=access.visible_areas(principal),
    )
    closed_now = _closed(conn, {r.calendar for r in rows if r.off_hours}, at)
    overall = definition.Tally()
    groups: dict[Any, definition.Tally] = {}
    for row in rows:
        share = row.share
        if row.off_hours and share == ">100%" and row.calendar not in closed_now:
            # Paused right at its due: overdue only while its calendar is closed; else
            # it has used its whole target, no more (docs/sla.md, span marks).
            share = "75-100%"
        one = definition.Tally()
        one.count(age=row.age, share=share, n=row.n)
        overall.add(one)
        groups.setdefault(row.key, definition.Tally()).add(one)
    answer: dict[str, Any] = {"at": at, **overall.as_dict()}
    if group_by is not None:
        answer["group_by"] = group_by
        answer["groups"] = [
            {"key": key, **tally.as_dict()}
            for key, tally in sorted(groups.items(), key=lambda kv: (-kv[1].total, str(kv[0])))
        ]
    answer["pending"] = sla_repo.count_pending(conn)
    return answer


def backlog_series(
    conn: Connection,
    *,
    principal: access.Principal,
    instants: list[datetime],
    now: datetime,
) -> list[tuple[int, int]]:
    """(total, overdue) at each of `instants` (in time order, none after `now`): the
    figures `backlog` gives at each, read by one sweep over the changes between them
    instead of one count per instant."""
    for at in instants:
        _in_the_past(at, now)
    if not instants:
        return []
    sla_store.refresh(conn, now=now, limit=sla_store.INLINE_REFRESH)
    reports_repo.tune(conn)
    areas = access.visible_areas(principal)
    totals = reports_repo.backlog_at(conn, instants, group_by=None, areas=areas)
    overdue, off_hours = reports_repo.overdue_at(conn, instants, areas=areas)
    out = []
    for index, at in enumerate(instants):
        inside = [
            piece.calendar
            for piece in off_hours
            if piece.overdue_from <= at and (piece.end_at is None or at < piece.end_at)
        ]
        closed = _closed(conn, set(inside), at) if inside else set()
        # Paused right at its due: overdue only while its calendar is closed (as in
        # `backlog`).
        working = sum(1 for calendar in inside if calendar not in closed)
        out.append((totals.get((index, None), 0), overdue[index] - working))
    return out


def _in_the_past(at: datetime, now: datetime) -> None:
    """An instant the backlog can be asked at: aware, and not after now."""
    require_aware(at, field="at")
    if at > now:
        raise InvalidInput("at", f"{at.isoformat()} is in the future: the backlog is history")


MAX_PERIODS = 400


@dataclass(frozen=True, slots=True)
class ReportFrame:
    """Where report days start and which days are business days."""

    zone: ZoneInfo
    calendar: BusinessCalendar | None  # None: no SLA calendar, every weekday counts


def frame(conn: Connection) -> ReportFrame:
    """The `reports` settings resolved against the SLA configuration in force."""
    wanted = report_settings.from_document(settings_repo.get(conn, report_settings.REPORTS))
    versions = configs(conn)
    calendars = versions[-1].calendars if versions else {}
    if wanted.calendar is not None and wanted.calendar not in calendars:
        raise InvalidInput(
            "reports.calendar",
            f"calendar {wanted.calendar!r} is not in the SLA configuration in force",
        )
    key = wanted.calendar or next(iter(calendars), None)
    calendar = calendars[key] if key is not None else None
    zone = wanted.timezone or (calendar.spec.timezone if calendar is not None else "UTC")
    return ReportFrame(ZoneInfo(str(zone)), calendar)


def flow(
    conn: Connection,
    *,
    principal: access.Principal,
    start: datetime,
    end: datetime,
    interval: str,
    now: datetime,
    group_by: str | None = None,
) -> dict[str, Any]:
    """Inflow, outflow, backlog at each period's end, growth and backlog in days, per
    period of `interval` from the one holding `start` to the one holding `end`."""
    require_aware(start, field="from")
    require_aware(end, field="to")
    if end <= start:
        raise InvalidInput("to", "must be after 'from'")
    if interval not in flow_definition.INTERVALS:
        raise InvalidInput("interval", f"must be one of {', '.join(flow_definition.INTERVALS)}")
    if group_by is not None and group_by not in definition.GROUPS:
        raise InvalidInput("group_by", f"must be one of {', '.join(definition.GROUPS)}")
    sla_store.refresh(conn, now=now, limit=sla_store.INLINE_REFRESH)
    reports_repo.tune(conn)
    where = frame(conn)
    found = flow_definition.periods(start, end, interval, where.zone)
    if len(found) > MAX_PERIODS:
        raise InvalidInput("interval", f"{len(found)} periods: at most {MAX_PERIODS} per report")
    areas = access.visible_areas(principal)
    windows = [(p.start, p.end) for p in found]
    inflow = reports_repo.created_in(conn, windows, group_by=group_by, areas=areas)
    outflow = reports_repo.resolved_in(conn, windows, group_by=group_by, areas=areas)
    # The backlog just before the first period, then at the last instant of each
    # (not after now: the current period's backlog is today's).
    instants = [min(found[0].start, now) - flow_definition.TICK] + [
        min(p.end - flow_definition.TICK, now) for p in found
    ]
    backlog = reports_repo.backlog_at(conn, instants, group_by=group_by, areas=areas)
    windows_of = _business_windows(found, where, now)
    days = sorted({day for window in windows_of for day in window})
    daily = reports_repo.resolved_in(
        conn, [_day_window(day, where.zone) for day in days], group_by=group_by, areas=areas
    )
    counts = (inflow, outflow, backlog, daily)

    def one(key: Any) -> list[dict[str, Any]]:
        """The rows of one group (`ALL`: every group together)."""
        i_n, o_n, b_n, d_n = (_of(c, key) for c in counts)
        return flow_definition.rows(
            found,
            inflow=i_n,
            outflow=o_n,
            backlog_before=b_n.get(0, 0),
            backlog_end={i - 1: n for i, n in b_n.items() if i > 0},
            outflow_by_day={days[i]: n for i, n in d_n.items()},
            window_of=lambda period: windows_of[found.index(period)],
        )

    answer: dict[str, Any] = {
        "from": found[0].start,
        "to": found[-1].end,
        "interval": interval,
        "timezone": str(where.zone),
        "periods": one(ALL),
    }
    if group_by is not None:
        keys = sorted({k for c in counts[:3] for (_, k) in c}, key=lambda k: (k is None, str(k)))
        answer["group_by"] = group_by
        answer["groups"] = [{"key": key, "periods": one(key)} for key in keys]
    answer["pending"] = sla_repo.count_pending(conn)
    return answer


ALL = object()  # every group together


def _of(counts: dict[tuple[int, Any], int], key: Any) -> dict[int, int]:
    """Counts by index for one group key, or summed over all keys (`ALL`)."""
    out: dict[int, int] = {}
    for (index, k), n in counts.items():
        if key is ALL or k == key:
            out[index] = out.get(index, 0) + n
    return out


def pareto(
    conn: Connection,
    *,
    principal: access.Principal,
    start: datetime,
    end: datetime,
    now: datetime,
    tier: str | None = None,
    area: str | None = None,
) -> dict[str, Any]:
    """Items received in [start, end) by reason, largest first, with the running
    share, the vital few, and the change against the period of the same length just
    before."""
    require_aware(start, field="from")
    require_aware(end, field="to")
    if end <= start:
        raise InvalidInput("to", "must be after 'from'")
    if area is not None:
        access.require_area(principal, area)
    sla_store.refresh(conn, now=now, limit=sla_store.INLINE_REFRESH)
    reports_repo.tune(conn)
    areas = access.visible_areas(principal)

    def counts(a: datetime, b: datetime) -> dict[str | None, int]:
        return reports_repo.reasons_received(conn, a, b, tier=tier, area=area, areas=areas)

    now_counts = counts(start, end)
    before = counts(start - (end - start), start)
    return {
        "from": start,
        "to": end,
        "tier": tier,
        "area": area,
        **pareto_definition.report(now_counts, before),
        "pending": sla_repo.count_pending(conn),
    }


def _business_windows(found: list[Period], where: ReportFrame, now: datetime) -> list[list[date]]:
    today = now.astimezone(where.zone).date()

    def is_business(day: date) -> bool:
        if where.calendar is None:
            return day.weekday() < 5
        return where.calendar.day(day).working

    return [flow_definition.business_window(min(p.last_day, today), is_business) for p in found]


def _day_window(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    (period,) = flow_definition.periods(
        datetime.combine(day, time(12), zone), datetime.combine(day, time(13), zone), "day", zone
    )
    return period.start, period.end


def _closed(conn: Connection, calendars: set[str], at: datetime) -> set[str]:
    """Of `calendars` (keys in the SLA configuration in force), those outside their
    working time at `at` (the second before it is not working time)."""
    if not calendars:
        return set()
    versions = configs(conn)
    known = versions[-1].calendars if versions else {}
    second = np.array([int(at.timestamp())], dtype=np.int64)
    return {
        key
        for key in calendars
        if key in known and bool(sla_marks.outside_working_time(known[key], second)[0])
    }
