"""Hand-worked deadlines and elapsed times, the arithmetic in a comment per row.

br-sp: America/Sao_Paulo (UTC-03:00 all year since 2019), Mon-Fri 08:00-18:00 (10 h a
day), public holidays of BR + SP from the `holidays` package (2026: Good Friday 3 Apr,
Tiradentes Tue 21 Apr, ...), closed 24 and 31 Dec 2026.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from retaguarda.calendar import BusinessCalendar, CalendarError, Unit
from tests.calendar.calendars import calendar, sp

H = 3600


@pytest.fixture(scope="module")
def br() -> BusinessCalendar:
    return calendar("br-sp")


class TestBusinessDays:
    @pytest.mark.parametrize(
        ("received", "days", "due"),
        [
            # Thu 2 Apr 15:00: the day of receipt never counts; Fri 3 is Good Friday;
            # count Mon 6 (1), Tue 7 (2), Wed 8 (3), Thu 9 (4), Fri 10 (5) -> end of Fri 10.
            (sp(2026, 4, 2, 15), 5, "2026-04-10T18:00:00-03:00"),
            # Fri 17 Apr 10:00: Mon 20 (1), Tue 21 Tiradentes skipped, Wed 22 (2),
            # Thu 23 (3), Fri 24 (4), Mon 27 (5) -> end of Mon 27.
            (sp(2026, 4, 17, 10), 5, "2026-04-27T18:00:00-03:00"),
            # Fri 17 Apr 19:40, after closing: same count as above, Mon 20 is day 1.
            (sp(2026, 4, 17, 19, 40), 5, "2026-04-27T18:00:00-03:00"),
            # Sat 18 Apr 23:30 (Saturday night): Mon 20 (1), Tue 21 holiday, Wed 22 (2).
            (sp(2026, 4, 18, 23, 30), 2, "2026-04-22T18:00:00-03:00"),
            # Mon 6 Apr 07:59, before opening: still the day of receipt -> Tue 7 is day 1.
            (sp(2026, 4, 6, 7, 59), 1, "2026-04-07T18:00:00-03:00"),
            # Tue 22 Dec: Wed 23 (1), Thu 24 closed, Fri 25 Christmas, Mon 28 (2),
            # Tue 29 (3), Wed 30 (4), Thu 31 closed, Fri 1 Jan holiday, Mon 4 Jan (5).
            (sp(2026, 12, 22, 9), 5, "2027-01-04T18:00:00-03:00"),
        ],
        ids=[
            "Thu 15:00, Good Friday skipped",
            "Fri 10:00, Tiradentes skipped",
            "Fri 19:40 after closing",
            "Saturday night",
            "before opening, day of receipt still does not count",
            "closed 24/31 Dec and holidays around new year",
        ],
    )
    def test_deadline(self, br: BusinessCalendar, received: datetime, days: int, due: str) -> None:
        assert br.add(received, days, "business_days").isoformat() == due

    def test_the_receipt_instant_is_read_in_the_calendars_zone(self, br: BusinessCalendar) -> None:
        # 2026-04-03T02:00Z is Thu 2 Apr 23:00 in Sao Paulo: the receipt date is Thu 2.
        received = datetime(2026, 4, 3, 2, 0, tzinfo=UTC)

        assert br.add(received, 1, Unit.BUSINESS_DAYS).isoformat() == "2026-04-06T18:00:00-03:00"

    def test_zero_is_refused_because_the_day_of_receipt_never_counts(
        self, br: BusinessCalendar
    ) -> None:
        with pytest.raises(CalendarError) as error:
            br.add(sp(2026, 4, 6, 9), 0, "business_days")

        assert error.value.field == "amount"
        assert "at least 1" in error.value.message


class TestBusinessHours:
    @pytest.mark.parametrize(
        ("received", "hours", "due"),
        [
            # Within hours: Fri 17 Apr 10:00 + 8 h (to 18:00) = 8; Mon 20: +10 = 18;
            # Tue 21 Tiradentes; Wed 22 +10 = 28; Thu 23 +10 = 38; Fri 24 08:00 + 2 h.
            (sp(2026, 4, 17, 10), 40, "2026-04-24T10:00:00-03:00"),
            # Outside hours (Fri 19:40): counting starts Mon 20 08:00; 4 h -> 12:00.
            (sp(2026, 4, 17, 19, 40), 4, "2026-04-20T12:00:00-03:00"),
            # Saturday night: counting starts Mon 20 08:00; 10 h ends at 18:00 exactly:
            # the closing time, not Wed 22 08:00 (the next opening).
            (sp(2026, 4, 18, 23, 30), 10, "2026-04-20T18:00:00-03:00"),
            # Exactly at close: Mon 6 Apr 16:00 + 2 h = 18:00 the same day.
            (sp(2026, 4, 6, 16), 2, "2026-04-06T18:00:00-03:00"),
            # Half an hour: Mon 6 Apr 17:45 + 0.5 h = 15 min Monday + 15 min Tuesday.
            (sp(2026, 4, 6, 17, 45), 0.5, "2026-04-07T08:15:00-03:00"),
            # Zero: the start itself, even outside hours.
            (sp(2026, 4, 4, 12), 0, "2026-04-04T12:00:00-03:00"),
        ],
        ids=[
            "40 h over a weekend and a holiday",
            "after hours starts at next opening",
            "Saturday night, ends exactly at close",
            "exactly at close the same day",
            "fractional hours",
            "zero is the start",
        ],
    )
    def test_deadline(
        self, br: BusinessCalendar, received: datetime, hours: float, due: str
    ) -> None:
        assert br.add(received, hours, "business_hours").isoformat() == due

    @pytest.mark.parametrize("hours", [Decimal("0.25"), Fraction(1, 4), 0.25])
    def test_exact_fractions_are_accepted(self, br: BusinessCalendar, hours: object) -> None:
        due = br.add(sp(2026, 4, 6, 9), hours, "business_hours")  # type: ignore[arg-type]

        assert due == sp(2026, 4, 6, 9, 15)

    @pytest.mark.parametrize("hours", [1 / 7, Fraction(1, 7), -1, float("nan"), True, "4"])
    def test_amounts_that_are_not_whole_seconds_or_not_numbers_are_refused(
        self, br: BusinessCalendar, hours: object
    ) -> None:
        with pytest.raises(CalendarError) as error:
            br.add(sp(2026, 4, 6, 9), hours, "business_hours")  # type: ignore[arg-type]

        assert error.value.field == "amount"


class TestSplitShifts:
    def test_lunch_break_does_not_count(self) -> None:
        cal = calendar("es-md")
        # Mon 20 Apr 2026 13:00 Madrid (+02:00): 13-14 = 1 h, lunch 14-15 skipped,
        # 15-17 = 2 h -> 3 h at 17:00.
        received = datetime(2026, 4, 20, 13, tzinfo=cal.zone)

        assert cal.add(received, 3, "business_hours").isoformat() == "2026-04-20T17:00:00+02:00"
        # Ending exactly at the start of lunch gives 14:00, not 15:00.
        assert cal.add(received, 1, "business_hours").isoformat() == "2026-04-20T14:00:00+02:00"

    def test_friday_has_its_own_span(self) -> None:
        cal = calendar("es-md")
        # Thu 23 Apr 17:00: 1 h to 18:00; Fri 24 08:00-15:00 = 7 h -> 8 h at Fri 15:00.
        received = datetime(2026, 4, 23, 17, tzinfo=cal.zone)

        assert cal.add(received, 8, "business_hours").isoformat() == "2026-04-24T15:00:00+02:00"
        # Thu 23 09:00-14:00 + 15:00-18:00 = 8 h; Fri 7 h.
        assert cal.day(date(2026, 4, 23)).business_seconds == 8 * H
        assert cal.day(date(2026, 4, 24)).business_seconds == 7 * H


class TestClosedAndOpenDates:
    def make(self) -> BusinessCalendar:
        return BusinessCalendar(
            "America/Sao_Paulo",
            {"mon-fri": ["08:00-18:00"]},
            holidays={"country": "BR", "subdivision": "SP"},
            closed=["2026-04-08"],
            open=["2026-04-11", {"date": "2026-04-21", "hours": ["09:00-13:00"]}],
        )

    def test_closed_day_is_skipped_and_open_days_count(self) -> None:
        cal = self.make()
        # Tue 7 Apr 10:00: Wed 8 closed; Thu 9 (1), Fri 10 (2), Sat 11 open with the
        # hours of Saturday's weekday... none, so Monday's 08:00-18:00 (3).
        assert cal.add(sp(2026, 4, 7, 10), 3, "business_days").isoformat() == (
            "2026-04-11T18:00:00-03:00"
        )

    def test_open_holiday_with_its_own_hours(self) -> None:
        cal = self.make()
        # Mon 20 Apr 17:00: 1 h Monday, Tue 21 (Tiradentes, open 09:00-13:00) 4 h,
        # Wed 22 08:00 + 1 h -> 09:00.
        assert cal.add(sp(2026, 4, 20, 17), 6, "business_hours") == sp(2026, 4, 22, 9)
        info = cal.day(date(2026, 4, 21))
        assert (info.working, info.reason) == (True, "open (exception)")
        assert [(a.hour, b.hour) for a, b in info.spans] == [(9, 13)]


class TestAlwaysCalendar:
    def test_business_time_is_elapsed_time(self) -> None:
        cal = calendar("always")
        start = datetime(2026, 4, 18, 22, 30, tzinfo=UTC)  # a Saturday night

        assert cal.add(start, 5, "business_hours") == start + timedelta(hours=5)
        assert cal.between(start, start + timedelta(days=3)) == 3 * 24 * H
        # Every date is a business day: Sat 18 received, Sun 19 (1), Mon 20 (2) -> 24:00.
        assert cal.add(start, 2, "business_days").isoformat() == "2026-04-21T00:00:00+00:00"


class TestCalendarUnits:
    def test_calendar_days_end_at_local_midnight(self, br: BusinessCalendar) -> None:
        # Mon 6 Apr 10:00: day 1 after receipt is Tue 7; due at its end, Wed 8 00:00.
        assert br.add(sp(2026, 4, 6, 10), 1, "calendar_days").isoformat() == (
            "2026-04-08T00:00:00-03:00"
        )
        # Zero calendar days: the end of the day of receipt.
        assert br.add(sp(2026, 4, 6, 10), 0, "calendar_days") == sp(2026, 4, 7)

    def test_calendar_hours_are_elapsed_time(self, br: BusinessCalendar) -> None:
        # Sat 4 Apr 12:00 + 30 h = Sun 5 18:00, holidays and weekends irrelevant.
        assert br.add(sp(2026, 4, 4, 12), 30, "calendar_hours") == sp(2026, 4, 5, 18)


class TestBetween:
    @pytest.mark.parametrize(
        ("a", "b", "seconds"),
        [
            # Fri 17:00 -> Mon 09:00: 1 h Friday + 1 h Monday.
            (sp(2026, 4, 10, 17), sp(2026, 4, 13, 9), 2 * H),
            # A pause entirely outside hours (Fri 19:00 -> Mon 07:00) counts nothing.
            (sp(2026, 4, 10, 19), sp(2026, 4, 13, 7), 0),
            # Thu 2 Apr 15:00 -> Mon 6 10:00: 3 h Thu, Good Friday 0, Mon 2 h.
            (sp(2026, 4, 2, 15), sp(2026, 4, 6, 10), 5 * H),
            # Backwards is negative.
            (sp(2026, 4, 13, 9), sp(2026, 4, 10, 17), -2 * H),
            (sp(2026, 4, 13, 9), sp(2026, 4, 13, 9), 0),
        ],
        ids=["weekend pause", "pause outside hours", "over Good Friday", "negative", "empty"],
    )
    def test_business_seconds(
        self, br: BusinessCalendar, a: datetime, b: datetime, seconds: int
    ) -> None:
        assert br.between(a, b) == seconds

    def test_instants_in_other_zones_are_the_same_instants(self, br: BusinessCalendar) -> None:
        a = datetime(2026, 4, 10, 20, tzinfo=UTC)  # Fri 17:00 in Sao Paulo

        assert br.between(a, sp(2026, 4, 13, 9)) == 2 * H

    def test_sub_second_parts_are_floored(self, br: BusinessCalendar) -> None:
        a = sp(2026, 4, 13, 9).replace(microsecond=999_999)
        b = sp(2026, 4, 13, 10).replace(microsecond=1)

        assert br.between(a, b) == H
        assert br.add(a, 1, "business_hours") == sp(2026, 4, 13, 10)


class TestRefusals:
    def test_naive_datetimes_are_refused(self, br: BusinessCalendar) -> None:
        with pytest.raises(CalendarError) as error:
            br.add(datetime(2026, 4, 6, 9), 1, "business_hours")  # noqa: DTZ001

        assert error.value.field == "start"
        assert "naive" in error.value.message

    def test_naive_datetimes_are_refused_by_between(self, br: BusinessCalendar) -> None:
        with pytest.raises(CalendarError) as error:
            br.between(sp(2026, 4, 6), datetime(2026, 4, 7))  # noqa: DTZ001

        assert error.value.field == "b"

    def test_unknown_unit(self, br: BusinessCalendar) -> None:
        with pytest.raises(CalendarError) as error:
            br.add(sp(2026, 4, 6), 1, "working_days")

        assert (error.value.field, str(error.value)) == (
            "unit",
            "unknown unit 'working_days'; known: business_days, business_hours, "
            "calendar_days, calendar_hours",
        )

    def test_instants_outside_the_supported_years(self, br: BusinessCalendar) -> None:
        with pytest.raises(CalendarError) as error:
            br.add(datetime(2250, 1, 1, tzinfo=UTC), 1, "business_days")

        assert error.value.field == "start"
