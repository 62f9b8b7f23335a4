"""Arrivals forecast from the database: items created per local day, per case type or
channel, forecast by the domain's backtested model choice (`domain/forecast.py`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Connection

from retaguarda.domain import access
from retaguarda.domain import forecast as rules
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.types import require_aware
from retaguarda.services import reports
from retaguarda.storage.repos import forecast as forecast_repo

GROUPS = forecast_repo.GROUPS
MAX_DAYS = 20 * 366


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("timezone", f"unknown time zone {name!r} (an IANA name)") from None


def daily_arrivals(
    conn: Connection,
    *,
    principal: access.Principal,
    now: datetime,
    timezone: str | None = None,
    days: int = 365,
    by: str | None = None,
) -> tuple[date, dict[str, tuple[list[date], list[int]]]]:
    """The last complete local day (yesterday in `timezone`, by default the zone the
    reports count days in) and, per key, the days of the `days` before it that had
    arrivals with their counts."""
    require_aware(now, field="now")
    if by is not None and by not in GROUPS:
        raise InvalidInput("by", f"must be one of {', '.join(GROUPS)}, not {by!r}")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput("days", f"must be between 1 and {MAX_DAYS}, not {days}")
    tz = reports.frame(conn).zone if timezone is None else zone(timezone)
    today = now.astimezone(tz).date()
    last = today - timedelta(days=1)
    first = today - timedelta(days=days)
    rows = forecast_repo.arrivals(
        conn,
        start=datetime.combine(first, time(), tz),
        end=datetime.combine(today, time(), tz),
        by=by,
        areas=access.visible_areas(principal),
    )
    per_key: dict[str, Counter[date]] = defaultdict(Counter)
    for created_at, key in rows:
        per_key[key][created_at.astimezone(tz).date()] += 1
    series = {
        key: (sorted(counts), [counts[d] for d in sorted(counts)])
        for key, counts in per_key.items()
    }
    return last, series


def forecast(
    conn: Connection,
    *,
    principal: access.Principal,
    now: datetime,
    horizon: int,
    level: int = 80,
    timezone: str | None = None,
    days: int = 365,
    by: str | None = None,
) -> list[rules.SeriesForecast]:
    """Forecast arrivals `horizon` days from today (local), from the items created in the
    `days` complete days before it; one series per `by` key (or "all")."""
    rules.check(horizon, level)
    last, series = daily_arrivals(
        conn, principal=principal, now=now, timezone=timezone, days=days, by=by
    )
    if not series:
        raise InvalidInput(
            "history", f"no items were created in the {days} days before {last + timedelta(1)}"
        )
    return rules.forecast(series, horizon, level, end=last)
