"""What each local date is: its working spans in wall-clock time and why.

Invariants:
- `classify(day)` is the one definition of a day's status, used both to build the
  span tables and to explain them, so the two cannot disagree.
- Precedence: an `open` date works with its own spans whatever else says; otherwise a
  weekday without hours is off (reason "weekend" on Saturday and Sunday), then a
  `closed` date, then a holiday of the configured source; anything else works with
  its weekday's spans.
- Holidays are loaded from the `holidays` package a year at a time, only for the
  years asked for.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import holidays as holidays_pkg

from retaguarda.calendar.spec import WEEKDAY_NAMES, CalendarSpec, DaySpans


class DayRules:
    """Classifies local dates for one calendar; caches the holidays of years seen."""

    def __init__(self, spec: CalendarSpec) -> None:
        self.spec = spec
        self._names: dict[date, str] = {}
        self._years: set[int] = set()

    def load_years(self, years: Iterable[int]) -> None:
        """Fetch the holidays of `years` not yet loaded."""
        source = self.spec.holidays
        missing = sorted(set(years) - self._years)
        if source is None or not missing:
            self._years.update(missing)
            return
        found = holidays_pkg.country_holidays(
            source.country,
            subdiv=source.subdivision,
            years=missing,
            language=source.language,
            categories=source.categories,
        )
        for day, name in found.items():
            self._names[day] = str(name)
        self._years.update(missing)

    def holiday(self, day: date) -> str | None:
        """The holiday's name on `day` (several joined by "; "), or None."""
        if day.year not in self._years:
            self.load_years([day.year])
        return self._names.get(day)

    def classify(self, day: date) -> tuple[DaySpans, str | None]:
        """Wall-clock spans of `day` and the reason it is special (None: an ordinary day)."""
        spec = self.spec
        if day in spec.open:
            return spec.open[day], "open (exception)"
        weekly = spec.weekly[day.weekday()]
        if not weekly:
            weekday = day.weekday()
            return (), "weekend" if weekday >= 5 else f"no hours on {WEEKDAY_NAMES[weekday]}s"
        if day in spec.closed:
            return (), "closed"
        name = self.holiday(day)
        if name is not None:
            return (), f"holiday: {name}"
        return weekly, None
