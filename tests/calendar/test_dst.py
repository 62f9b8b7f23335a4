"""Daylight-saving changes: Madrid on 29 March 2026 (02:00 CET -> 03:00 CEST, the
night is an hour shorter) and 25 October 2026 (03:00 CEST -> 02:00 CET, an hour
longer). es-md: Mon-Thu 09:00-14:00 + 15:00-18:00, Fri 08:00-15:00, holidays ES-MD.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from retaguarda.calendar import BusinessCalendar
from tests.calendar.calendars import MADRID, calendar, md

H = 3600


@pytest.fixture(scope="module")
def es() -> BusinessCalendar:
    return calendar("es-md")


class TestSpringForward:
    def test_business_hours_across_the_change(self, es: BusinessCalendar) -> None:
        # Fri 27 Mar 14:00 +01:00: 1 h to 15:00; weekend; Mon 30 09:00 +02:00 + 1 h.
        due = es.add(md(2026, 3, 27, 14), 2, "business_hours")

        assert due.isoformat() == "2026-03-30T10:00:00+02:00"
        assert es.between(md(2026, 3, 27, 14), due) == 2 * H

    def test_business_days_across_the_change(self, es: BusinessCalendar) -> None:
        # Thu 26 Mar: Fri 27 (1) ends 15:00 +01:00; Mon 30 (2) ends 18:00 +02:00.
        assert es.add(md(2026, 3, 26, 10), 1, "business_days").isoformat() == (
            "2026-03-27T15:00:00+01:00"
        )
        assert es.add(md(2026, 3, 26, 10), 2, "business_days").isoformat() == (
            "2026-03-30T18:00:00+02:00"
        )

    def test_calendar_units_across_the_change(self, es: BusinessCalendar) -> None:
        # Fri 27 14:00 +01:00 -> Mon 30 10:00 +02:00 is 68 wall-clock hours but 67 real.
        assert es.add(md(2026, 3, 27, 14), 67, "calendar_hours") == md(2026, 3, 30, 10)
        # Sat 28: the end of Sunday 29 (a 23-hour day) is Mon 30 00:00 +02:00.
        assert es.add(md(2026, 3, 28, 10), 1, "calendar_days").isoformat() == (
            "2026-03-30T00:00:00+02:00"
        )


class TestFallBack:
    def test_business_hours_across_the_change(self, es: BusinessCalendar) -> None:
        # Fri 23 Oct 14:00 +02:00: 1 h to 15:00; Mon 26 09:00 +01:00 + 1 h.
        due = es.add(md(2026, 10, 23, 14), 2, "business_hours")

        assert due.isoformat() == "2026-10-26T10:00:00+01:00"

    def test_between_across_the_change(self, es: BusinessCalendar) -> None:
        # Fri 23 Oct 08:00-15:00 = 7 h; Mon 26 09:00-14:00 + 15:00-18:00 = 8 h.
        assert es.between(md(2026, 10, 23, 8), md(2026, 10, 26, 18)) == 15 * H

    def test_calendar_hours_count_the_repeated_hour(self, es: BusinessCalendar) -> None:
        # Fri 23 Oct 12:00 +02:00 + 72 h = Mon 26 11:00 +01:00 (Sunday has 25 hours).
        assert es.add(md(2026, 10, 23, 12), 72, "calendar_hours").isoformat() == (
            "2026-10-26T11:00:00+01:00"
        )


class TestSpanBoundariesInsideTheChange:
    """A Sunday night shift in Madrid, to put span boundaries inside the changes."""

    @staticmethod
    def night(span: str) -> BusinessCalendar:
        return BusinessCalendar("Europe/Madrid", {"sun": [span]})

    def test_a_span_around_the_spring_gap_is_an_hour_shorter(self) -> None:
        # 01:00 +01:00 = 00:00Z, 04:00 +02:00 = 02:00Z: 2 real hours.
        info = self.night("01:00-04:00").day(date(2026, 3, 29))

        assert info.business_seconds == 2 * H

    def test_a_boundary_in_the_gap_takes_the_offset_before_the_change(self) -> None:
        # 02:30 does not exist; fold=0 reads it with +01:00 = 01:30Z = 03:30 +02:00.
        # To 05:00 +02:00 = 03:00Z: 1 h 30 min.
        cal = self.night("02:30-05:00")
        info = cal.day(date(2026, 3, 29))

        assert [(a.isoformat(), b.isoformat()) for a, b in info.spans] == [
            ("2026-03-29T03:30:00+02:00", "2026-03-29T05:00:00+02:00")
        ]
        # Sat 23:00 +01:00 (22:00Z): counting starts 01:30Z; + 1 h = 02:30Z = 04:30 +02:00.
        due = cal.add(md(2026, 3, 28, 23), 1, "business_hours")
        assert due.isoformat() == "2026-03-29T04:30:00+02:00"

    def test_a_span_that_the_gap_swallows_is_empty(self) -> None:
        # 02:30 -> 03:30 +02:00 (01:30Z) but 03:10 +02:00 is 01:10Z: nothing is left.
        info = self.night("02:30-03:10").day(date(2026, 3, 29))

        assert (info.working, info.spans) == (False, ())
        assert info.reason == "no working time left after the clock change"

    def test_a_span_around_the_autumn_overlap_is_an_hour_longer(self) -> None:
        # 01:00 +02:00 = 23:00Z (Sat), 04:00 +01:00 = 03:00Z: 4 real hours.
        assert self.night("01:00-04:00").day(date(2026, 10, 25)).business_seconds == 4 * H

    def test_a_boundary_in_the_overlap_is_its_first_occurrence(self) -> None:
        # 02:30 happens twice; the first is +02:00 = 00:30Z. To 06:00 +01:00 = 05:00Z.
        cal = self.night("02:30-06:00")
        ((start, end),) = cal.day(date(2026, 10, 25)).spans

        assert start.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
        assert start.utcoffset() == md(2026, 10, 24).utcoffset()
        assert end.astimezone(UTC) == datetime(2026, 10, 25, 5, tzinfo=UTC)
        assert cal.between(datetime(2026, 10, 24, tzinfo=MADRID), end) == 4 * H + 30 * 60
