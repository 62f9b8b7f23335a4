"""Agents' working hours: a calendar of the configuration, or spans of their own.

`schedule: {calendar: br-sp}` makes the agent work when that calendar is open;
`schedule: {timezone: ..., hours: {...}}` (the shape of a calendar, holidays and
closed days included if given) gives them spans of their own. No schedule: they
may work whenever present.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from retaguarda.calendar import BusinessCalendar, CalendarError
from retaguarda.domain.catalog import Problem


def check(at: str, schedule: Any, calendars: set[str]) -> list[Problem]:
    """Problems of one agent's `schedule` (at path `at`), given the calendar keys."""
    if schedule is None:
        return []
    if not isinstance(schedule, Mapping):
        return [Problem(at, "must be {calendar: KEY} or {timezone: ..., hours: {...}}")]
    if "calendar" in schedule:
        extra = sorted(set(schedule) - {"calendar"})
        if extra:
            return [Problem(f"{at}.{extra[0]}", "give either a calendar or hours, not both")]
        if schedule["calendar"] not in calendars:
            known = ", ".join(sorted(calendars)) or "none configured"
            return [
                Problem(
                    f"{at}.calendar", f"unknown calendar {schedule['calendar']!r}; known: {known}"
                )
            ]
        return []
    try:
        BusinessCalendar.from_config(schedule)
    except CalendarError as error:
        return [Problem(f"{at}.{error.field}" if error.field else at, str(error))]
    return []


def calendar_of(
    schedule: Mapping[str, Any] | None, calendars: Mapping[str, BusinessCalendar]
) -> BusinessCalendar | None:
    """The calendar an agent works by (None: always), from a checked schedule."""
    if schedule is None:
        return None
    if "calendar" in schedule:
        return calendars[schedule["calendar"]]
    return BusinessCalendar.from_config(schedule)
