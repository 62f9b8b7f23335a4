"""A straightforward day-by-day reference for calendar arithmetic, sharing no code
with `retaguarda.calendar` beyond zoneinfo and the holidays package.

It walks local dates one at a time: each date's wall-clock spans come from the
configuration as given (open > weekday without hours > closed > holiday > weekday),
each boundary becomes an instant with zoneinfo (fold=0), and a span never starts
before an earlier one ended (one left empty is dropped). Slow and obvious on purpose.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _seconds(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 3600 + int(minutes) * 60


def _spans(texts: Sequence[str]) -> list[tuple[int, int]]:
    pairs = [text.split("-") for text in texts]
    return [(_seconds(a), _seconds(b)) for a, b in pairs]


@dataclass
class Reference:
    timezone: str
    hours: Mapping[str, Sequence[str]]  # single-day keys only
    closed: Sequence[str] = ()
    open: Sequence[str] = ()
    holidays: Mapping[str, str] | None = None
    _holidays: dict[date, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.timezone)
        if self.holidays:
            found = holidays.country_holidays(
                self.holidays["country"],
                subdiv=self.holidays.get("subdivision"),
                years=range(2022, 2034),
            )
            self._holidays = dict(found.items())

    def wall_spans(self, day: date) -> list[tuple[int, int]]:
        weekly = [_spans(self.hours.get(name, ())) for name in DAYS]
        if day.isoformat() in self.open:
            return weekly[day.weekday()] or next(w for w in weekly if w)
        if not weekly[day.weekday()]:
            return []
        if day.isoformat() in self.closed or day in self._holidays:
            return []
        return weekly[day.weekday()]

    def instant(self, day: date, seconds: int) -> int:
        wall = datetime.combine(day, time()) + timedelta(seconds=seconds)
        return (wall.replace(tzinfo=self.zone) - EPOCH) // timedelta(seconds=1)

    def local_date(self, t: int) -> date:
        return (EPOCH + timedelta(seconds=t)).astimezone(self.zone).date()

    def days_from(self, first: date) -> Iterator[tuple[date, list[tuple[int, int]]]]:
        """(date, UTC spans) from `first` on; starts two days early for the clamping."""
        reach = None
        day = first - timedelta(days=2)
        while True:
            spans = []
            for a, b in self.wall_spans(day):
                start, end = self.instant(day, a), self.instant(day, b)
                if reach is not None:
                    start = max(start, reach)
                end = max(end, start)
                reach = end if reach is None else max(reach, end)
                if end > start:
                    spans.append((start, end))
            if day >= first:
                yield day, spans
            day += timedelta(days=1)

    def add_business_seconds(self, t: int, seconds: int) -> int:
        if seconds == 0:
            return t
        left = seconds
        for _day, spans in self.days_from(self.local_date(t) - timedelta(days=1)):
            for start, end in spans:
                start = max(start, t)
                if end <= start:
                    continue
                if end - start >= left:
                    return start + left
                left -= end - start
        raise AssertionError("unreachable")

    def between(self, a: int, b: int) -> int:
        if b < a:
            return -self.between(b, a)
        total = 0
        for day, spans in self.days_from(self.local_date(a) - timedelta(days=1)):
            if day > self.local_date(b) + timedelta(days=1):
                return total
            total += sum(max(0, min(end, b) - max(start, a)) for start, end in spans)
        raise AssertionError("unreachable")

    def add_business_days(self, t: int, days: int) -> int:
        counted = 0
        for _day, spans in self.days_from(self.local_date(t) + timedelta(days=1)):
            if spans:
                counted += 1
                if counted == days:
                    return spans[-1][1]
        raise AssertionError("unreachable")

    def add_calendar_days(self, t: int, days: int) -> int:
        return self.instant(self.local_date(t) + timedelta(days=days + 1), 0)
