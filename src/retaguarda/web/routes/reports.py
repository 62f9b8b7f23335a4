"""The reports page: the indicators of docs/indicators.md over a chosen run of days, as
charts with their tables, and the report files (CSV, XLSX) of the same days.

Who may read them follows the API's report routes (area scoping by the services),
narrowed to the roles that read reports in a browser: supervisors (their areas),
admins and integrations (all); specialists get 403. Every number comes from the
services the API calls (`reports.flow`, `reports.backlog`, `reports.pareto`,
`quality.kpis`) and the files from the ones the CLI writes (`summaries`,
`interop.report_files`).
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton
from fastapi import APIRouter, Query
from fastapi.responses import Response
from markupsafe import Markup
from sqlalchemy import Connection

from retaguarda import clock
from retaguarda.domain import access
from retaguarda.domain.catalog import Role
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.kpi.backlog import AGE_BUCKETS, NO_SLA, SHARE_BUCKETS
from retaguarda.interop import report_files
from retaguarda.services import quality, reports, summaries
from retaguarda.web import svg
from retaguarda.web.deps import WebDep
from retaguarda.web.i18n import N_
from retaguarda.web.labels import AGE_NAMES, SHARE_NAMES
from retaguarda.web.templating import Page

router = APIRouter(include_in_schema=False)

READERS = (Role.SUPERVISOR, Role.ADMIN, Role.INTEGRATION)
DEFAULT_DAYS = 7  # the page opens on the last seven days, today included
MAX_DAYS = summaries.SPAN_DAYS
MAX_ROWS = 100  # groups and reasons listed in a table (largest first)
PARETO_BARS = 15  # reasons drawn in the Pareto chart
CHART_LABEL = 19  # characters of a name that fit beside a bar (svg.hbars)

GROUPINGS: dict[str, str] = {
    "": N_("No grouping"),
    "area": N_("Area"),
    "tier": N_("Tier"),
    "case_type": N_("Case type"),
    "channel": N_("Channel"),
    "assignee": N_("Assignee"),
}
PERIODS: dict[str, str] = {"day": N_("Day"), "week": N_("Week"), "month": N_("Month")}
# One report per page by default: each is a few database sweeps, and four of them
# together outgrow the page's time budget on a large back office.
KINDS: dict[str, str] = {
    "flow": N_("Flow"),
    "backlog": N_("Backlog"),
    "quality": N_("Service and quality"),
    "pareto": N_("Pareto of reasons"),
    "all": N_("Every indicator"),
}
DEFAULT_KIND = "flow"
FIELDS: dict[str, str] = {
    "from": N_("From"),
    "to": N_("To"),
    "group": N_("Grouping"),
    "period": N_("Period"),
    "kind": N_("Report"),
    "format": N_("File format"),
    "table": N_("Table"),
}

# The registry's slugs (domain/kpi/registry.py) -> label and one-line description.
INDICATORS: dict[str, tuple[str, str]] = {
    "backlog_total": (N_("Backlog"), N_("Open items at the instant.")),
    "backlog_current": (
        N_("Current"),
        N_("Open items whose resolution deadline has not passed (or that have none)."),
    ),
    "backlog_overdue": (N_("Overdue"), N_("Open items past their resolution deadline.")),
    "backlog_aging_by_age": (
        N_("Backlog by age"),
        N_("Open items by calendar days since they were received."),
    ),
    "backlog_aging_by_sla": (
        N_("Backlog by share of the SLA used"),
        N_("Open items by the share of their resolution target already used."),
    ),
    "inflow": (N_("Inflow"), N_("Items received in the period.")),
    "outflow": (
        N_("Outflow"),
        N_("Resolutions in the period (an item resolved twice counts twice)."),
    ),
    "backlog_end": (N_("Backlog at the end"), N_("Open items at the end of the period.")),
    "growth": (N_("Growth"), N_("Backlog at the end minus the backlog before the period.")),
    "growth_pct": (N_("Growth (%)"), N_("Growth divided by the backlog before the period.")),
    "backlog_days": (
        N_("Backlog in days"),
        N_("Days needed to clear the backlog at the pace of the last 20 business days."),
    ),
    "pareto_reasons": (
        N_("Pareto of reasons"),
        N_("Items received in the period by reason, largest first, with their running share."),
    ),
    "vital_few": (
        N_("Vital few"),
        N_("The fewest leading reasons that together make 80% of the items."),
    ),
    "sla_compliance": (
        N_("SLA compliance"),
        N_("Resolution deadlines met, of those stopped by a resolution in the period."),
    ),
    "ola_compliance": (
        N_("OLA compliance"),
        N_("Per area: waits on it that ended within their target, of those that ended."),
    ),
    "pending_seconds": (
        N_("Time waiting on areas"),
        N_("Per area: the waits on it that ended in the period, their total and mean length."),
    ),
    "aht_seconds": (
        N_("Average handling time"),
        N_("Time in progress before each resolution, per resolution."),
    ),
    "resolution_seconds": (
        N_("Resolution time"),
        N_("From receipt to resolution in calendar time: median, 90th percentile and mean."),
    ),
    "resolution_business_seconds": (
        N_("Resolution time in business hours"),
        N_("The same in business time of the item's calendar."),
    ),
    "fcr_rate": (
        N_("First-contact resolution"),
        N_("Resolved at the first attempt and tier, with no reopening or repeat contact."),
    ),
    "escalation_rate": (
        N_("Escalation rate"),
        N_("Escalations in the period per item open in it."),
    ),
    "ombudsman_per_1000": (
        N_("Reached the ombudsman, per 1,000"),
        N_("Of 1,000 definitive resolutions, how many reached the top tier."),
    ),
    "reopen_rate": (N_("Reopen rate"), N_("Resolutions after which the item was reopened.")),
    "failure_rate": (
        N_("Failure rate"),
        N_("Resolutions that failed or after which the item was reopened."),
    ),
    "csat_mean": (
        N_("Customer satisfaction"),
        N_("Mean of the last score (1 to 5) of the items resolved for good in the period."),
    ),
}
# The summary tables (services/summaries.py) offered as CSV, and their names.
TABLES: dict[str, str] = {
    "figures": N_("Figures"),
    "service_quality": N_("Service and quality"),
    "backlog_by_area": N_("Backlog by area"),
    "flow_by_day": N_("Flow by day"),
    "pareto": N_("Pareto of reasons"),
}
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True, slots=True)
class Choice:
    """What the form asked for, checked: local days [first, last] and how to show them."""

    first: date
    last: date
    group: str | None
    period: str
    kind: str

    def query(self, **extra: str) -> str:
        """The form's values as a query string (links to the files and other reports)."""
        values: dict[str, str] = {
            "from": self.first.isoformat(),
            "to": self.last.isoformat(),
            "group": self.group or "",
            "period": self.period,
            "kind": self.kind,
            **extra,
        }
        return urlencode(values)


def _read(page: Page, raw: Mapping[str, str], today: date) -> tuple[Choice | None, dict[str, str]]:
    """The checked choice, or the errors by form field (translated sentences)."""
    errors: dict[str, str] = {}
    days: dict[str, date] = {}
    for name in ("to", "from"):  # an empty "from" is the week up to "to"
        text = raw[name].strip()
        if not text:
            last = days.get("to", today)
            days[name] = last - timedelta(days=DEFAULT_DAYS - 1) if name == "from" else today
            continue
        try:
            days[name] = date.fromisoformat(text)
        except ValueError:
            errors[name] = page.gettext("Not a date: write it as YYYY-MM-DD.")
    if "from" in days and "to" in days:
        first, last = days["from"], days["to"]
        if first > today:
            errors["from"] = page.gettext("This day has not begun yet.")
        elif first > last:
            errors["from"] = page.gettext("The first day is after the last day.")
        elif (last - first).days >= MAX_DAYS:
            errors["to"] = page.gettext("At most %(days)s days per report.", days=MAX_DAYS)
    for name, allowed in (("group", GROUPINGS), ("period", PERIODS), ("kind", KINDS)):
        if raw[name] not in allowed:
            errors[name] = page.gettext("Choose one of the options offered.")
    if errors:
        return None, errors
    choice = Choice(days["from"], days["to"], raw["group"] or None, raw["period"], raw["kind"])
    return choice, errors


def _raw(start: str, to: str, group: str, period: str, kind: str) -> dict[str, str]:
    return {"from": start, "to": to, "group": group, "period": period, "kind": kind}


FromQuery = Annotated[str, Query(alias="from")]


@router.get("/reports")
def reports_page(
    web: WebDep,
    start: FromQuery = "",
    to: str = "",
    group: str = "",
    period: str = "day",
    kind: str = DEFAULT_KIND,
) -> Response:
    """The form, then the charts and tables of the chosen indicators (422 with the
    errors beside their fields when the form is not valid)."""
    with web.transaction() as (conn, page):
        assert page.principal is not None
        access.require_any_role(page.principal, READERS, what="the reports page")
        now = clock.now()
        zone = reports.frame(conn).zone
        today = now.astimezone(zone).date()
        raw = _raw(start, to, group, period, kind)
        choice, errors = _read(page, raw, today)
        if choice is None:
            return _form(page, raw, errors)
        try:
            found = _indicators(conn, page, choice, zone=zone, now=now)
        except InvalidInput as error:
            return _form(page, raw, {_field(error.field): _refused(page, error)})
        return page.render(
            "reports/page.html",
            form=raw | {"from": choice.first.isoformat(), "to": choice.last.isoformat()},
            errors={},
            choice=choice,
            zone=str(zone),
            downloads=_downloads(choice),
            tabs=[
                (f"/reports?{choice.query(kind=key)}", key, label) for key, label in KINDS.items()
            ],
            **found,
            **_vocabulary(),
        )


@router.get("/reports/download")
def download(
    web: WebDep,
    start: FromQuery = "",
    to: str = "",
    group: str = "",
    period: str = "day",
    kind: str = DEFAULT_KIND,
    format: str = "xlsx",
    table: str = "figures",
) -> Response:
    """The report files of the chosen days, as `retaguarda report` writes them: one
    table as CSV, or every table in one workbook."""
    with web.transaction() as (conn, page):
        assert page.principal is not None
        access.require_any_role(page.principal, READERS, what="the reports page")
        now = clock.now()
        zone = reports.frame(conn).zone
        raw = _raw(start, to, group, period, kind)
        choice, errors = _read(page, raw, now.astimezone(zone).date())
        if format not in MEDIA_TYPES:
            errors["format"] = page.gettext("Choose one of the options offered.")
        elif format == "csv" and table not in TABLES:
            errors["table"] = page.gettext("Choose one of the options offered.")
        if choice is None or errors:
            return _form(page, raw, errors)
        summary = summaries.span(conn, choice.first, choice.last, principal=page.principal, now=now)
    stem = f"{choice.first.isoformat()}_{choice.last.isoformat()}"
    with tempfile.TemporaryDirectory(prefix="retaguarda-report-") as folder:
        if format == "csv":
            (chosen,) = [t for t in summary.tables if t.key == table]
            name = f"{table}_{stem}.csv"
            report_files.write_csv(chosen, Path(folder) / name)
        else:
            name = f"report_{stem}.xlsx"
            report_files.write_xlsx(summary.tables, Path(folder) / name, tz=zone)
        body = (Path(folder) / name).read_bytes()
    return Response(
        body,
        media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _form(page: Page, raw: Mapping[str, str], errors: dict[str, str]) -> Response:
    """The page with the form only, its errors beside the fields (422)."""
    return page.render(
        "reports/page.html",
        status_code=422,
        form=raw,
        errors=errors,
        choice=None,
        downloads=[],
        **_vocabulary(),
    )


def _vocabulary() -> dict[str, Any]:
    return {
        "groupings": GROUPINGS,
        "periods": PERIODS,
        "kinds": KINDS,
        "fields": FIELDS,
        "indicators": INDICATORS,
    }


def _field(name: str | None) -> str:
    """The form field a service's InvalidInput is about."""
    found = {"interval": "period", "group_by": "group", "at": "to"}.get(name or "", name or "")
    return found if found in FIELDS else "to"


def _refused(page: Page, error: InvalidInput) -> str:
    return page.gettext("Not accepted: %(reason)s", reason=error.message)


def _downloads(choice: Choice) -> list[tuple[str, str, str]]:
    """(href, label msgid, format) of the files of the chosen days."""
    links = [(f"/reports/download?{choice.query(format='xlsx')}", N_("Every table"), "XLSX")]
    links += [
        (f"/reports/download?{choice.query(format='csv', table=key)}", label, "CSV")
        for key, label in TABLES.items()
    ]
    return links


def _indicators(
    conn: Connection, page: Page, choice: Choice, *, zone: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """The figures, tables and charts of the chosen report kinds."""
    assert page.principal is not None
    me = page.principal
    start = datetime.combine(choice.first, time(0), zone)
    end = datetime.combine(choice.last + timedelta(days=1), time(0), zone)
    wanted = {"flow", "backlog", "quality", "pareto"} if choice.kind == "all" else {choice.kind}
    out: dict[str, Any] = {"flow": None, "backlog": None, "quality": None, "pareto": None}
    if "flow" in wanted:
        found = reports.flow(
            conn,
            principal=me,
            start=start,
            end=end,
            interval=choice.period,
            now=now,
            group_by=choice.group,
        )
        out["flow"] = _flow_view(page, found, choice.period, zone)
    if "backlog" in wanted:
        at = min(end - timedelta(microseconds=1), now)
        found = reports.backlog(conn, principal=me, at=at, now=now, group_by=choice.group)
        out["backlog"] = _backlog_view(page, found)
    if "quality" in wanted:
        found = quality.kpis(
            conn, principal=me, start=start, end=end, now=now, group_by=choice.group
        )
        out["quality"] = _quality_view(page, found)
    if "pareto" in wanted:
        found = reports.pareto(conn, principal=me, start=start, end=end, now=now)
        out["pareto"] = _pareto_view(page, found)
    return out


def _period_names(
    page: Page, starts: Sequence[datetime], interval: str, zone: ZoneInfo
) -> tuple[list[str], list[str]]:
    """Each period's name in the table, and its short name under the chart."""
    locale = page.formats.locale
    long, short = [], []
    for start in starts:
        day = start.astimezone(zone).date()
        if interval == "month":
            long.append(format_skeleton("yMMMM", day, locale=locale))
            short.append(format_skeleton("yMMM", day, locale=locale))
        elif interval == "week":
            long.append(page.gettext("Week of %(date)s", date=page.formats.date(day)))
            short.append(format_skeleton("MMMd", day, locale=locale))
        else:
            long.append(page.formats.date(day))
            short.append(format_skeleton("MMMd", day, locale=locale))
    return long, short


def group_name(page: Page, key: object) -> str:
    return page.gettext("(none)") if key is None else str(key)


def _flow_view(page: Page, found: dict[str, Any], interval: str, zone: ZoneInfo) -> dict[str, Any]:
    periods = found["periods"]
    names, short = _period_names(page, [p["start"] for p in periods], interval, zone)
    inflow = [p["inflow"] for p in periods]
    outflow = [p["outflow"] for p in periods]
    backlog = [p["backlog_end"] for p in periods]
    groups = [
        {
            "name": group_name(page, g["key"]),
            "inflow": sum(p["inflow"] for p in g["periods"]),
            "outflow": sum(p["outflow"] for p in g["periods"]),
            "backlog_start": g["periods"][0]["backlog_start"],
            "backlog_end": g["periods"][-1]["backlog_end"],
        }
        for g in (found.get("groups") or [])
    ]
    groups.sort(key=lambda g: (-g["inflow"] - g["backlog_end"], g["name"]))
    return {
        "rows": [{"name": name, **p} for name, p in zip(names, periods, strict=True)],
        "total_inflow": sum(inflow),
        "total_outflow": sum(outflow),
        "groups": groups[:MAX_ROWS],
        "more_groups": max(len(groups) - MAX_ROWS, 0),
        "timezone": found["timezone"],
        "pending": found["pending"],
        "chart_flow": svg.columns(
            short,
            [(page.gettext("Inflow"), inflow), (page.gettext("Outflow"), outflow)],
            title=page.gettext("Inflow and outflow per period"),
        ),
        "chart_backlog": svg.lines(
            short,
            [(page.gettext("Backlog at the end"), backlog)],
            title=page.gettext("Backlog at the end of each period"),
        ),
    }


def _counts_bars(page: Page, rows: Sequence[tuple[str, int]], title: str) -> Markup:
    return svg.hbars(rows, title=title, labels=[page.formats.number(n) for _, n in rows])


def _short(name: str) -> str:
    """A bar's name cut to what the chart's label column holds (the table has it whole)."""
    return name if len(name) <= CHART_LABEL else name[: CHART_LABEL - 1] + "…"


def _backlog_view(page: Page, found: dict[str, Any]) -> dict[str, Any]:
    by_age, by_sla = found["aging_by_age"], found["aging_by_sla"]
    ages = [(page.gettext(label), by_age.get(key, 0)) for key, label in AGE_NAMES.items()]
    shares = [(page.gettext(label), by_sla.get(key, 0)) for key, label in SHARE_NAMES.items()]
    # The SLA chart names its buckets by their bounds (the labels beside the bars are
    # narrow); the table under it says them in words.
    marks = [
        (key if key != NO_SLA else page.gettext("No SLA"), by_sla.get(key, 0))
        for key in SHARE_NAMES
    ]
    groups = [
        {
            "name": group_name(page, g["key"]),
            "total": g["total"],
            "current": g["current"],
            "overdue": g["overdue"],
            "ages": [g["aging_by_age"].get(name, 0) for name, _ in AGE_BUCKETS],
            "shares": [g["aging_by_sla"].get(name, 0) for name in (*SHARE_BUCKETS, NO_SLA)],
        }
        for g in (found.get("groups") or [])
    ]
    return {
        "at": found["at"],
        "total": found["total"],
        "current": found["current"],
        "overdue": found["overdue"],
        "ages": ages,
        "shares": shares,
        "age_names": [AGE_NAMES[name] for name, _ in AGE_BUCKETS],
        "share_names": [SHARE_NAMES[name] for name in (*SHARE_BUCKETS, NO_SLA)],
        "chart_ages": _counts_bars(page, ages, page.gettext("Backlog by age")),
        "chart_shares": _counts_bars(page, marks, page.gettext("Backlog by share of the SLA used")),
        "groups": groups[:MAX_ROWS],
        "more_groups": max(len(groups) - MAX_ROWS, 0),
        "pending": found["pending"],
    }


def _quality_view(page: Page, found: dict[str, Any]) -> dict[str, Any]:
    fmt = page.formats
    spread, business = found["resolution_seconds"], found["resolution_business_seconds"]

    def spread_text(values: Mapping[str, float | None]) -> str:
        return page.gettext(
            "median %(p50)s · 90th percentile %(p90)s · mean %(mean)s",
            p50=fmt.duration(values["p50"]),
            p90=fmt.duration(values["p90"]),
            mean=fmt.duration(values["mean"]),
        )

    counted = found["sla_counted"]
    kpis = [
        ("sla_compliance", fmt.percent(found["sla_compliance"]), _of_clocks(page, counted)),
        ("aht_seconds", fmt.duration(found["aht_seconds"]), ""),
        ("resolution_seconds", spread_text(spread), ""),
        ("resolution_business_seconds", spread_text(business), ""),
        ("fcr_rate", fmt.percent(found["fcr_rate"]), ""),
        ("escalation_rate", fmt.percent(found["escalation_rate"]), ""),
        ("ombudsman_per_1000", fmt.number(found["ombudsman_per_1000"], 1), ""),
        ("reopen_rate", fmt.percent(found["reopen_rate"]), ""),
        ("failure_rate", fmt.percent(found["failure_rate"]), ""),
        ("csat_mean", fmt.number(found["csat_mean"], 2), _answers(page, found["csat_count"])),
    ]
    ola = list(found["ola_compliance"].items())
    groups = [{"name": group_name(page, g["key"]), **g} for g in (found.get("groups") or [])]
    groups.sort(key=lambda g: (-g["resolved"], g["name"]))
    compliance = [
        (g["name"], g["sla_compliance"]) for g in groups if g["sla_compliance"] is not None
    ]
    return {
        "resolved": found["resolved"],
        "kpis": kpis,
        "ola": ola,
        "chart_ola": _ratio_bars(page, ola, page.gettext("OLA compliance by area"))
        if ola
        else None,
        "waits": list(found["pending_by_area"].items()),
        "escalation_by_tier": list(found["escalation_by_tier"].items()),
        "groups": groups[:MAX_ROWS],
        "more_groups": max(len(groups) - MAX_ROWS, 0),
        "chart_groups": _ratio_bars(
            page, compliance[:PARETO_BARS], page.gettext("SLA compliance by group")
        )
        if compliance
        else None,
        "pending": found["pending"],
    }


def _of_clocks(page: Page, counted: int) -> str:
    return page.gettext("deadlines counted: %(count)s", count=page.formats.number(counted))


def _answers(page: Page, count: int) -> str:
    return page.gettext("answers: %(count)s", count=page.formats.number(count))


def _ratio_bars(page: Page, rows: Sequence[tuple[str, float | None]], title: str) -> Markup:
    values = [(_short(name), (value or 0.0) * 100) for name, value in rows]
    return svg.hbars(values, title=title, labels=[page.formats.percent(v) for _, v in rows])


def _pareto_view(page: Page, found: dict[str, Any]) -> dict[str, Any]:
    reasons = found["reasons"]
    drawn = [(_short(r["reason"]), r["count"]) for r in reasons if r["count"]][:PARETO_BARS]
    chart = _counts_bars(page, drawn, page.gettext("Items received by reason")) if drawn else None
    return {
        "total": found["total"],
        "unspecified": found["unspecified"],
        "previous_total": found["previous_total"],
        "vital_few": found["vital_few"],
        "reasons": reasons[:MAX_ROWS],
        "more_reasons": max(len(reasons) - MAX_ROWS, 0),
        "chart": chart,
        "pending": found["pending"],
    }
