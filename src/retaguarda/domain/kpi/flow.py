"""Flow per period: inflow, outflow, backlog at the end, growth, backlog in days.

docs/indicators.md ("Flow") is the written definition. Periods are whole local
days, ISO weeks (Monday first) or calendar months in the report's time zone; the
counts come from storage, the arithmetic is here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

INTERVALS = ("day", "week", "month")
BACKLOG_DAYS_WINDOW = 20  # business days of outflow averaged for "backlog in days"
TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end) in UTC; `first_day`, `last_day`: its local dates."""

    start: datetime
    end: datetime
    first_day: date
    last_day: date


def periods(start: datetime, end: datetime, interval: str, zone: ZoneInfo) -> list[Period]:
    """The whole periods of `interval` in `zone` from the one holding `start` to the
    one holding the last instant before `end`, in order."""
    if interval not in INTERVALS:
        raise ValueError(interval)
    day = _floor(start.astimezone(zone).date(), interval)
    out: list[Period] = []
    while True:
        after = _next(day, interval)
        finish = _midnight(after, zone)
        out.append(Period(_midnight(day, zone), finish, day, after - timedelta(days=1)))
        if finish >= end:
            return out
        day = after


def _floor(day: date, interval: str) -> date:
    if interval == "week":
        return day - timedelta(days=day.weekday())
    if interval == "month":
        return day.replace(day=1)
    return day


def _next(day: date, interval: str) -> date:
    if interval == "day":
        return day + timedelta(days=1)
    if interval == "week":
        return day + timedelta(days=7)
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def business_window(last_day: date, is_business_day: Callable[[date], bool]) -> list[date]:
    """The BACKLOG_DAYS_WINDOW business days up to and including `last_day`, oldest
    first (searching back at most a year)."""
    found: list[date] = []
    day = last_day
    while len(found) < BACKLOG_DAYS_WINDOW and last_day - day < timedelta(days=366):
        if is_business_day(day):
            found.append(day)
        day -= timedelta(days=1)
    return found[::-1]


def backlog_days(
    backlog: int, outflow_by_day: Mapping[date, int], window: Sequence[date]
) -> float | None:
    """backlog ÷ mean daily outflow over `window`: how many days the team needs to
    clear the pile at its recent pace. None when nothing was resolved in the window."""
    if not window:
        return None
    mean = sum(outflow_by_day.get(day, 0) for day in window) / len(window)
    return None if mean == 0 else backlog / mean


def growth(before: int, after: int) -> tuple[int, float | None]:
    """Absolute and relative change of the backlog (None when it was empty)."""
    change = after - before
    return change, None if before == 0 else change / before


def rows(
    found: Sequence[Period],
    *,
    inflow: Mapping[int, int],
    outflow: Mapping[int, int],
    backlog_before: int,
    backlog_end: Mapping[int, int],
    outflow_by_day: Mapping[date, int],
    window_of: Callable[[Period], Sequence[date]],
) -> list[dict[str, Any]]:
    """One row per period for one group (or the whole), counts keyed by period index."""
    out = []
    previous = backlog_before
    for index, period in enumerate(found):
        end = backlog_end.get(index, 0)
        change, change_pct = growth(previous, end)
        out.append(
            {
                "start": period.start,
                "end": period.end,
                "inflow": inflow.get(index, 0),
                "outflow": outflow.get(index, 0),
                "backlog_start": previous,
                "backlog_end": end,
                "growth": change,
                "growth_pct": change_pct,
                "backlog_days": backlog_days(end, outflow_by_day, window_of(period)),
            }
        )
        previous = end
    return out
