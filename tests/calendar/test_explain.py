"""Plain-English explanations and day information."""

from __future__ import annotations

from datetime import date

import pytest

from retaguarda.calendar import BusinessCalendar
from tests.calendar.calendars import calendar, md, sp


@pytest.fixture(scope="module")
def br() -> BusinessCalendar:
    return calendar("br-sp")


class TestExplainAdd:
    def test_business_days_received_outside_hours(self, br: BusinessCalendar) -> None:
        assert br.explain_add(sp(2026, 4, 17, 19, 40), 5, "business_days") == [
            "received Friday 2026-04-17 19:40 (outside hours)",
            "the day of receipt does not count; counting 5 business days from Monday 2026-04-20",
            "Saturday 2026-04-18 to Sunday 2026-04-19 skipped: weekend",
            "Tuesday 2026-04-21 skipped: holiday (Tiradentes' Day)",
            "Saturday 2026-04-25 to Sunday 2026-04-26 skipped: weekend",
            "business days counted: 2026-04-20, 2026-04-22, 2026-04-23, 2026-04-24, 2026-04-27",
            "due at the end of Monday 2026-04-27, 18:00 -03:00",
        ]

    def test_business_days_received_on_a_weekend(self, br: BusinessCalendar) -> None:
        lines = br.explain_add(sp(2026, 4, 4, 22), 1, "business_days")

        assert lines == [
            "received Saturday 2026-04-04 22:00 (outside hours: weekend)",
            "counting 1 business day from Monday 2026-04-06",
            "Sunday 2026-04-05 skipped: weekend",
            "business days counted: 2026-04-06",
            "due at the end of Monday 2026-04-06, 18:00 -03:00",
        ]

    def test_business_hours(self, br: BusinessCalendar) -> None:
        assert br.explain_add(sp(2026, 4, 2, 15), 15, "business_hours") == [
            "received Thursday 2026-04-02 15:00 (within hours)",
            "counting 15 business hours from Thursday 2026-04-02 15:00 -03:00",
            "Thursday 2026-04-02: 3 h counted (15:00-18:00), 12 h left",
            "Friday 2026-04-03 skipped: holiday (Good Friday)",
            "Saturday 2026-04-04 to Sunday 2026-04-05 skipped: weekend",
            "Monday 2026-04-06: 10 h counted (08:00-18:00), 2 h left",
            "Tuesday 2026-04-07: 2 h counted (08:00-10:00), 0 h left",
            "due Tuesday 2026-04-07 10:00 -03:00",
        ]

    def test_business_hours_ending_at_a_closing_time(self) -> None:
        es = calendar("es-md")

        lines = es.explain_add(md(2026, 4, 20, 13, 30), 0.5, "business_hours")

        assert lines[-2:] == [
            "Monday 2026-04-20: 30 min counted (13:30-14:00), 0 h left",
            "due Monday 2026-04-20 14:00 +02:00 (closing time)",
        ]

    def test_calendar_days(self) -> None:
        es = calendar("es-md")

        assert es.explain_add(md(2026, 3, 28, 10), 1, "calendar_days") == [
            "received Saturday 2026-03-28 10:00 (outside hours: weekend)",
            "counting 1 calendar day after Saturday 2026-03-28",
            "due at 00:00 +02:00 on Monday 2026-03-30 (the end of Sunday 2026-03-29)",
        ]

    def test_calendar_hours_mention_a_clock_change(self) -> None:
        es = calendar("es-md")

        assert es.explain_add(md(2026, 10, 23, 12), 72, "calendar_hours")[1:] == [
            "due 72 hours later: Monday 2026-10-26 11:00 +01:00",
            "the clock changed from +02:00 to +01:00 in between",
        ]


class TestDay:
    @pytest.mark.parametrize(
        ("day", "working", "reason"),
        [
            (date(2026, 4, 2), True, None),
            (date(2026, 4, 3), False, "holiday: Good Friday"),
            (date(2026, 4, 4), False, "weekend"),
            (date(2026, 12, 24), False, "closed"),
            (date(2026, 12, 25), False, "holiday: Christmas Day"),
        ],
    )
    def test_reasons(
        self, br: BusinessCalendar, day: date, working: bool, reason: str | None
    ) -> None:
        info = br.day(day)

        assert (info.date, info.working, info.reason) == (day, working, reason)

    def test_spans_are_aware_in_the_calendars_zone(self, br: BusinessCalendar) -> None:
        ((start, end),) = br.day(date(2026, 4, 2)).spans

        assert (start.isoformat(), end.isoformat()) == (
            "2026-04-02T08:00:00-03:00",
            "2026-04-02T18:00:00-03:00",
        )
