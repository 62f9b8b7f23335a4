"""A calendar's configuration, parsed and checked.

Invariants:
- A `CalendarSpec` is valid by construction: its zone exists, every weekday's spans
  are `(start, end)` seconds after local midnight with `0 <= start < end <= 86400`,
  increasing and non-overlapping, at least one weekday has a span, and the holiday
  source names a country, subdivision, categories and language the `holidays`
  package knows.
- Every rejection is a `CalendarError` whose `field` is the configuration path at
  fault (`timezone`, `hours.mon-fri[0]`, `holidays.subdivision`, `open[2].date`).
- Nothing here reads the clock or the environment; the only file access is the one
  `zoneinfo` and `holidays` do to load their data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_pkg

from retaguarda.calendar.errors import CalendarError

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_SECONDS = 86_400

Span = tuple[int, int]
"""Seconds after local midnight: `(start, end)`, `end` may be 86400 (24:00)."""
DaySpans = tuple[Span, ...]

_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_TOP_KEYS = ("key", "timezone", "hours", "holidays", "closed", "open")
_HOLIDAY_KEYS = ("country", "subdivision", "categories", "language")
_DEFAULT_LANGUAGE = "en_US"


@dataclass(frozen=True, slots=True)
class HolidaySource:
    """Which holidays of the `holidays` package close the calendar."""

    country: str
    subdivision: str | None
    categories: tuple[str, ...]
    language: str | None


@dataclass(frozen=True, slots=True)
class CalendarSpec:
    """A checked calendar configuration (see the module invariants)."""

    timezone: str
    zone: ZoneInfo
    weekly: tuple[DaySpans, ...]  # index 0 is Monday
    holidays: HolidaySource | None
    closed: frozenset[date]
    open: Mapping[date, DaySpans]
    key: str | None = None


def build_spec(
    *,
    timezone: object,
    hours: object,
    holidays: object = None,
    closed: object = (),
    open: object = (),
    key: object = None,
) -> CalendarSpec:
    """Check every part of a calendar's configuration.

    Raises:
        CalendarError: the first problem found, with its configuration path.
    """
    if key is not None and not isinstance(key, str):
        raise CalendarError(f"must be a text, got {key!r}", field="key")
    zone = parse_timezone(timezone)
    weekly = parse_hours(hours)
    return CalendarSpec(
        timezone=zone.key,
        zone=zone,
        weekly=weekly,
        holidays=parse_holidays(holidays),
        closed=parse_closed(closed),
        open=parse_open(open, weekly),
        key=key,
    )


def spec_from_config(config: Mapping[str, Any]) -> CalendarSpec:
    """One entry of the `calendars:` list of the configuration file."""
    if not isinstance(config, Mapping):
        raise CalendarError(f"a calendar must be a mapping, got {config!r}", field="calendar")
    for name in config:
        if name not in _TOP_KEYS:
            known = ", ".join(_TOP_KEYS)
            raise CalendarError(f"unknown key {name!r}; known: {known}", field=str(name))
    for name in ("timezone", "hours"):
        if name not in config:
            raise CalendarError(f"{name} is required", field=name)
    return build_spec(
        timezone=config["timezone"],
        hours=config["hours"],
        holidays=config.get("holidays"),
        closed=config.get("closed") or (),
        open=config.get("open") or (),
        key=config.get("key"),
    )


def parse_timezone(value: object) -> ZoneInfo:
    if not isinstance(value, str) or not value:
        raise CalendarError(f"must be an IANA time zone name, got {value!r}", field="timezone")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise CalendarError(f"unknown timezone {value!r}", field="timezone") from None


def parse_hours(value: object) -> tuple[DaySpans, ...]:
    """`{mon-fri: ["08:00-18:00"], sat: ["09:00-13:00"]}` → spans per weekday."""
    if not isinstance(value, Mapping) or not value:
        raise CalendarError(
            'must map days to spans, e.g. {mon-fri: ["08:00-18:00"]}', field="hours"
        )
    weekly: list[DaySpans | None] = [None] * 7
    given_by: dict[int, str] = {}
    for raw_key, spans in value.items():
        field = f"hours.{raw_key}"
        days = parse_day_key(raw_key, field)
        parsed = parse_spans(spans, field)
        for day in days:
            if day in given_by:
                raise CalendarError(
                    f"{WEEKDAYS[day]} is already given by {given_by[day]!r}", field=field
                )
            given_by[day] = str(raw_key)
            weekly[day] = parsed
    result = tuple(spans or () for spans in weekly)
    if not any(result):
        raise CalendarError("no working hours on any day", field="hours")
    return result


def parse_day_key(key: object, field: str) -> range:
    """`mon` or an increasing range `mon-fri` → weekday indices (0 = Monday)."""
    text = str(key).strip().lower()
    first, sep, last = text.partition("-")
    if first not in WEEKDAYS or (sep and last not in WEEKDAYS):
        raise CalendarError(
            f"unknown day {key!r}; use mon..sun or a range such as mon-fri", field=field
        )
    lo = WEEKDAYS.index(first)
    hi = WEEKDAYS.index(last) if sep else lo
    if hi < lo:
        raise CalendarError(
            f"day range {key!r} runs backwards; split it, e.g. {first}-sun and mon-{last}",
            field=field,
        )
    return range(lo, hi + 1)


def parse_spans(value: object, field: str) -> DaySpans:
    """A list of "HH:MM-HH:MM" texts, increasing and non-overlapping."""
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise CalendarError(
            f'must be a list of spans such as ["08:00-18:00"], got {value!r}', field=field
        )
    spans: list[Span] = []
    for index, text in enumerate(value):
        span = parse_span(text, f"{field}[{index}]")
        if spans and span[0] < spans[-1][1]:
            raise CalendarError(
                f"span {text!r} starts before the previous span ends; "
                "spans must be increasing and non-overlapping",
                field=f"{field}[{index}]",
            )
        spans.append(span)
    return tuple(spans)


def parse_span(text: object, field: str) -> Span:
    match = _SPAN.match(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarError(f"span {text!r} is not HH:MM-HH:MM", field=field)
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    for hour, minute in ((h1, m1), (h2, m2)):
        if minute > 59 or hour > 24 or (hour == 24 and minute):
            raise CalendarError(
                f"span {text!r} has an invalid time {hour:02d}:{minute:02d}", field=field
            )
    start, end = h1 * 3600 + m1 * 60, h2 * 3600 + m2 * 60
    if start == DAY_SECONDS:
        raise CalendarError(f"span {text!r} cannot start at 24:00", field=field)
    if end < start:
        raise CalendarError(f"span {text!r} ends before it starts", field=field)
    if end == start:
        raise CalendarError(f"span {text!r} is empty", field=field)
    return (start, end)


def parse_holidays(value: object) -> HolidaySource | None:
    """`{country: BR, subdivision: SP, categories: [public], language: en_US}`."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise CalendarError(
            f"must be a mapping such as {{country: BR, subdivision: SP}}, got {value!r}",
            field="holidays",
        )
    for name in value:
        if name not in _HOLIDAY_KEYS:
            known = ", ".join(_HOLIDAY_KEYS)
            raise CalendarError(f"unknown key {name!r}; known: {known}", field=f"holidays.{name}")
    country = _text(value.get("country"), "holidays.country")
    if country is None:
        raise CalendarError("is required", field="holidays.country")
    supported = holidays_pkg.list_supported_countries()
    if country not in supported:
        raise CalendarError(
            f"unknown country {country!r} in the holidays package (use ISO 3166 codes like 'BR')",
            field="holidays.country",
        )
    entity = holidays_pkg.country_holidays(country)
    subdivision = _text(value.get("subdivision"), "holidays.subdivision")
    if subdivision is not None and not _has_subdivision(entity, subdivision):
        known = ", ".join(supported[country]) or "none"
        raise CalendarError(
            f"{country} has no subdivision {subdivision!r}; known: {known}",
            field="holidays.subdivision",
        )
    categories = _categories(value.get("categories"), country, entity)
    language = _text(value.get("language"), "holidays.language")
    languages: Sequence[str] = entity.supported_languages
    if language is not None and language not in languages:
        raise CalendarError(
            f"{country} has no holiday names in {language!r}; known: {', '.join(languages)}",
            field="holidays.language",
        )
    if language is None and _DEFAULT_LANGUAGE in languages:
        language = _DEFAULT_LANGUAGE
    return HolidaySource(country, subdivision, categories, language)


def _has_subdivision(entity: holidays_pkg.HolidayBase, subdivision: str) -> bool:
    aliases: Mapping[str, str] = getattr(entity, "subdivisions_aliases", {}) or {}
    return subdivision in entity.subdivisions or subdivision in aliases


def _categories(value: object, country: str, entity: holidays_pkg.HolidayBase) -> tuple[str, ...]:
    if value is None:
        return ("public",)
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise CalendarError(
            f"must be a non-empty list such as [public, optional], got {value!r}",
            field="holidays.categories",
        )
    supported: Sequence[str] = entity.supported_categories
    for index, category in enumerate(value):
        if category not in supported:
            raise CalendarError(
                f"{country} has no holiday category {category!r}; known: {', '.join(supported)}",
                field=f"holidays.categories[{index}]",
            )
    return tuple(dict.fromkeys(value))


def _text(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise CalendarError(f"must be a text, got {value!r}", field=field)
    return value


def parse_date(value: object, field: str) -> date:
    """A `date` (YAML gives one for an unquoted 2026-12-24) or a "YYYY-MM-DD" text."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DATE.match(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CalendarError(f"{value!r} is not a date (YYYY-MM-DD)", field=field)


def parse_closed(value: object) -> frozenset[date]:
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise CalendarError(f"must be a list of dates, got {value!r}", field="closed")
    return frozenset(parse_date(item, f"closed[{i}]") for i, item in enumerate(value))


def parse_open(value: object, weekly: tuple[DaySpans, ...]) -> dict[date, DaySpans]:
    """Dates worked whatever else says; a bare date takes its weekday's hours.

    A bare date on a weekday without hours takes the hours of the first weekday,
    Monday to Sunday, that has some.
    """
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise CalendarError(f"must be a list of dates, got {value!r}", field="open")
    fallback = next(spans for spans in weekly if spans)
    result: dict[date, DaySpans] = {}
    where: dict[date, str] = {}
    for index, item in enumerate(value):
        field = f"open[{index}]"
        if isinstance(item, Mapping):
            day, spans = _open_entry(item, field)
        else:
            day = parse_date(item, field)
            spans = weekly[day.weekday()] or fallback
        if day in result:
            raise CalendarError(f"{day} is already listed at {where[day]}", field=field)
        result[day], where[day] = spans, field
    return result


def _open_entry(item: Mapping[Any, Any], field: str) -> tuple[date, DaySpans]:
    for name in item:
        if name not in ("date", "hours"):
            raise CalendarError(
                f"unknown key {name!r}; known: date, hours", field=f"{field}.{name}"
            )
    if "date" not in item:
        raise CalendarError("date is required", field=f"{field}.date")
    day = parse_date(item["date"], f"{field}.date")
    if "hours" not in item:
        raise CalendarError("hours is required with a date mapping", field=f"{field}.hours")
    spans = parse_spans(item["hours"], f"{field}.hours")
    if not spans:
        raise CalendarError("an open day needs at least one span", field=f"{field}.hours")
    return day, spans
