"""The daily and monthly reports: every table and chart series of one day or month,
assembled from the indicator reports (services.reports) for the CLI and files."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection

from retaguarda.domain import access
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.kpi.backlog import AGE_BUCKETS, NO_SLA, SHARE_BUCKETS
from retaguarda.domain.kpi.tables import Column, Table, Unit
from retaguarda.services import quality, reports

TREND_DAYS = 14  # the daily report's trend: the day and the 13 before
SPAN_DAYS = 366  # the longest run of days `span` reports on (one row per day)


@dataclass
class Summary:
    """What a daily or monthly report shows: tables, and the series of its charts."""

    title: str
    tables: list[Table] = field(default_factory=list)
    days: list[date] = field(default_factory=list)  # the trend's days
    current: list[int] = field(default_factory=list)  # backlog at each day's end
    overdue: list[int] = field(default_factory=list)
    inflow: list[int] = field(default_factory=list)
    outflow: list[int] = field(default_factory=list)
    aging_by_age: dict[str, int] = field(default_factory=dict)
    aging_by_sla: dict[str, int] = field(default_factory=dict)
    pareto: list[tuple[str, int]] = field(default_factory=list)
    compliance_by_area: dict[str, float | None] = field(default_factory=dict)


def daily(conn: Connection, day: date, *, principal: access.Principal, now: datetime) -> Summary:
    """The report of one local day: its figures, the 14-day trend, the Pareto."""
    return _summary(
        conn,
        title=f"Daily report {day.isoformat()}",
        first=day,
        last=day,
        trend_first=day - timedelta(days=TREND_DAYS - 1),
        principal=principal,
        now=now,
    )


def monthly(
    conn: Connection, month: date, *, principal: access.Principal, now: datetime
) -> Summary:
    """The report of one calendar month: its figures, every day of it, the Pareto
    against the month before."""
    first = month.replace(day=1)
    last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
    return _summary(
        conn,
        title=f"Monthly report {first.strftime('%Y-%m')}",
        first=first,
        last=last,
        trend_first=first,
        principal=principal,
        now=now,
    )


def span(
    conn: Connection, first: date, last: date, *, principal: access.Principal, now: datetime
) -> Summary:
    """The report of any run of whole local days (the web page's from-to): its figures,
    every day of it, the Pareto against the same number of days before."""
    if last < first:
        raise InvalidInput("to", f"{last.isoformat()} is before {first.isoformat()}")
    if (last - first).days >= SPAN_DAYS:
        raise InvalidInput("to", f"at most {SPAN_DAYS} days per report")
    return _summary(
        conn,
        title=f"Report {first.isoformat()} to {last.isoformat()}",
        first=first,
        last=last,
        trend_first=first,
        principal=principal,
        now=now,
        interval="day",
    )


def _summary(
    conn: Connection,
    *,
    title: str,
    first: date,
    last: date,
    trend_first: date,
    principal: access.Principal,
    now: datetime,
    interval: str | None = None,
) -> Summary:
    zone = reports.frame(conn).zone
    start = datetime.combine(first, time(0), zone)
    end = datetime.combine(last + timedelta(days=1), time(0), zone)
    if start > now:
        raise InvalidInput("date", f"{first.isoformat()} has not begun yet")
    whole = reports.flow(
        conn,
        principal=principal,
        start=start,
        end=end,
        interval=interval or ("month" if first != last else "day"),
        now=now,
    )
    # Days that have not begun have no figures yet: the trend stops at today.
    tomorrow = datetime.combine(now.astimezone(zone).date() + timedelta(days=1), time(0), zone)
    trend = reports.flow(
        conn,
        principal=principal,
        start=datetime.combine(trend_first, time(0), zone),
        end=min(end, tomorrow),
        interval="day",
        now=now,
    )
    out = Summary(title=title)
    rows = []
    ends = [min(p["end"] - timedelta(microseconds=1), now) for p in trend["periods"]]
    series = reports.backlog_series(conn, principal=principal, instants=ends, now=now)
    for period, (total, overdue) in zip(trend["periods"], series, strict=True):
        out.days.append(period["start"].astimezone(zone).date())
        out.current.append(total - overdue)
        out.overdue.append(overdue)
        out.inflow.append(period["inflow"])
        out.outflow.append(period["outflow"])
        rows.append((out.days[-1], *_flow_values(period), total - overdue, overdue))
    at_end = min(end - timedelta(microseconds=1), now)
    by_area = reports.backlog(conn, principal=principal, at=at_end, now=now, group_by="area")
    out.aging_by_age = by_area["aging_by_age"]
    out.aging_by_sla = by_area["aging_by_sla"]
    pareto = reports.pareto(conn, principal=principal, start=start, end=end, now=now)
    out.pareto = [(r["reason"], r["count"]) for r in pareto["reasons"] if r["count"]]
    service = quality.kpis(
        conn, principal=principal, start=start, end=end, now=now, group_by="area"
    )
    out.compliance_by_area = {g["key"]: g["sla_compliance"] for g in service["groups"]}
    out.tables = [
        _figures(whole["periods"], by_area),
        _service(service),
        _areas(by_area),
        _trend(rows),
        _pareto(pareto),
    ]
    return out


def _flow_values(period: dict[str, Any]) -> tuple[Any, ...]:
    return (
        period["inflow"],
        period["outflow"],
        period["backlog_end"],
        period["growth"],
        period["growth_pct"],
        period["backlog_days"],
    )


def _figures(periods: list[dict[str, Any]], backlog: dict[str, Any]) -> Table:
    """The headline figures of the day or month (sums over its periods)."""
    inflow = sum(p["inflow"] for p in periods)
    outflow = sum(p["outflow"] for p in periods)
    before, after = periods[0]["backlog_start"], periods[-1]["backlog_end"]
    rows: list[tuple[object, ...]] = [
        ("Backlog at the end", backlog["total"]),
        ("of which current", backlog["current"]),
        ("of which overdue", backlog["overdue"]),
        ("Inflow (items received)", inflow),
        ("Outflow (items resolved)", outflow),
        ("Backlog growth", after - before),
        ("Backlog growth (ratio)", None if before == 0 else (after - before) / before),
        ("Backlog in days", periods[-1]["backlog_days"]),
    ]
    return Table(
        "figures",
        "Figures",
        (Column("indicator", "Indicator", Unit.TEXT), Column("value", "Value", Unit.NUMBER)),
        tuple(rows),
    )


def _service(found: dict[str, Any]) -> Table:
    """Service and quality of the day or month (docs/indicators.md)."""
    spread = found["resolution_seconds"]
    rows: list[tuple[object, ...]] = [
        ("Resolutions", found["resolved"], Unit.COUNT.value),
        ("SLA compliance", found["sla_compliance"], Unit.RATIO.value),
        ("Average handling time (hours)", _hours(found["aht_seconds"]), Unit.HOURS.value),
        ("Resolution time, median (hours)", _hours(spread["p50"]), Unit.HOURS.value),
        ("Resolution time, 90th percentile (hours)", _hours(spread["p90"]), Unit.HOURS.value),
        ("First-contact resolution", found["fcr_rate"], Unit.RATIO.value),
        ("Escalation rate", found["escalation_rate"], Unit.RATIO.value),
        ("Reopen rate", found["reopen_rate"], Unit.RATIO.value),
        ("Failure rate", found["failure_rate"], Unit.RATIO.value),
        ("Reached the ombudsman, per 1,000", found["ombudsman_per_1000"], Unit.NUMBER.value),
        ("Satisfaction (1-5)", found["csat_mean"], Unit.NUMBER.value),
        ("Satisfaction answers", found["csat_count"], Unit.COUNT.value),
    ]
    return Table(
        "service_quality",
        "Service and quality",
        (
            Column("indicator", "Indicator", Unit.TEXT),
            Column("value", "Value", Unit.NUMBER),
            Column("unit", "Unit", Unit.TEXT),
        ),
        tuple(rows),
    )


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


_AGE_KEYS = {name: "age_" + name.replace("-", "_").replace(">", "over_") for name, _ in AGE_BUCKETS}
_SHARE_KEYS = {
    "<50%": "sla_under_50",
    "50-75%": "sla_50_75",
    "75-100%": "sla_75_100",
    ">100%": "sla_over_100",
    NO_SLA: "no_sla",
}


def _areas(backlog: dict[str, Any]) -> Table:
    columns = [
        Column("area", "Area", Unit.TEXT),
        Column("total", "Backlog", Unit.COUNT),
        Column("current", "Current", Unit.COUNT),
        Column("overdue", "Overdue", Unit.COUNT),
        *(Column(key, f"Age {name}", Unit.COUNT) for name, key in _AGE_KEYS.items()),
        *(Column(key, f"SLA used {name}", Unit.COUNT) for name, key in _SHARE_KEYS.items()),
    ]
    rows = [
        (
            g["key"],
            g["total"],
            g["current"],
            g["overdue"],
            *(g["aging_by_age"][name] for name in _AGE_KEYS),
            *(g["aging_by_sla"][name] for name in (*SHARE_BUCKETS, NO_SLA)),
        )
        for g in backlog["groups"]
    ]
    return Table("backlog_by_area", "Backlog by area", tuple(columns), tuple(rows))


def _trend(rows: list[tuple[Any, ...]]) -> Table:
    columns = (
        Column("day", "Day", Unit.DATE),
        Column("inflow", "Inflow", Unit.COUNT),
        Column("outflow", "Outflow", Unit.COUNT),
        Column("backlog_end", "Backlog at the end", Unit.COUNT),
        Column("growth", "Growth", Unit.COUNT),
        Column("growth_pct", "Growth (ratio)", Unit.RATIO),
        Column("backlog_days", "Backlog in days", Unit.DAYS),
        Column("current", "Current", Unit.COUNT),
        Column("overdue", "Overdue", Unit.COUNT),
    )
    return Table("flow_by_day", "Flow by day", columns, tuple(rows))


def _pareto(found: dict[str, Any]) -> Table:
    columns = (
        Column("reason", "Reason", Unit.TEXT),
        Column("count", "Items", Unit.COUNT),
        Column("share", "Share", Unit.RATIO),
        Column("cumulative_share", "Cumulative share", Unit.RATIO),
        Column("vital_few", "Vital few", Unit.TEXT),
        Column("previous_count", "Previous period", Unit.COUNT),
        Column("change", "Change", Unit.COUNT),
    )
    rows = tuple(
        (
            r["reason"],
            r["count"],
            r["share"],
            r["cumulative_share"],
            "yes" if r["vital_few"] else "no",
            r["previous_count"],
            r["change"],
        )
        for r in found["reasons"]
    )
    return Table("pareto", "Pareto of reasons", columns, rows)
