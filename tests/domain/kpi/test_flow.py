"""Flow arithmetic: periods in a time zone, the business-day window, backlog in days."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retaguarda.domain.kpi.flow import (
    BACKLOG_DAYS_WINDOW,
    INTERVALS,
    backlog_days,
    business_window,
    growth,
    periods,
)

SP = ZoneInfo("America/Sao_Paulo")
MADRID = ZoneInfo("Europe/Madrid")


class TestPeriods:
    def test_days_start_at_local_midnight(self) -> None:
        # 2 Mar 2026 10:00 UTC is 07:00 in Sao Paulo (UTC-3): the day began at 03:00 UTC.
        found = periods(
            datetime(2026, 3, 2, 10, tzinfo=UTC), datetime(2026, 3, 4, 1, tzinfo=UTC), "day", SP
        )
        assert [(p.start.hour, p.first_day) for p in found] == [
            (3, date(2026, 3, 2)),
            (3, date(2026, 3, 3)),
        ]  # 4 Mar 01:00 UTC is still 3 Mar in Sao Paulo

    def test_weeks_start_on_monday_and_months_on_the_first(self) -> None:
        weeks = periods(
            datetime(2026, 3, 5, tzinfo=UTC), datetime(2026, 3, 20, tzinfo=UTC), "week", UTC
        )
        assert [p.first_day for p in weeks] == [
            date(2026, 3, 2),
            date(2026, 3, 9),
            date(2026, 3, 16),
        ]
        assert weeks[0].last_day == date(2026, 3, 8)  # a Sunday
        months = periods(
            datetime(2026, 1, 31, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC), "month", UTC
        )
        # January and February: 1 March 00:00 is the end of February, not in March.
        assert [(p.first_day, p.last_day) for p in months] == [
            (date(2026, 1, 1), date(2026, 1, 31)),
            (date(2026, 2, 1), date(2026, 2, 28)),
        ]

    def test_a_day_across_a_clock_change_is_23_or_25_hours_long(self) -> None:
        # Madrid: 29 March 2026 has 23 hours, 25 October 2026 has 25.
        spring = periods(
            datetime(2026, 3, 29, 12, tzinfo=UTC),
            datetime(2026, 3, 29, 13, tzinfo=UTC),
            "day",
            MADRID,
        )[0]
        autumn = periods(
            datetime(2026, 10, 25, 12, tzinfo=UTC),
            datetime(2026, 10, 25, 13, tzinfo=UTC),
            "day",
            MADRID,
        )[0]
        assert spring.end - spring.start == timedelta(hours=23)
        assert autumn.end - autumn.start == timedelta(hours=25)

    @settings(max_examples=300, deadline=None)
    @given(
        st.datetimes(
            min_value=datetime(2020, 1, 1),  # noqa: DTZ001 - hypothesis wants naive bounds
            max_value=datetime(2030, 1, 1),  # noqa: DTZ001
            timezones=st.just(UTC),
        ),
        st.integers(1, 90 * 24 * 3600),
        st.sampled_from(INTERVALS),
        st.sampled_from([UTC, SP, MADRID, ZoneInfo("Asia/Kathmandu")]),
    )
    def test_periods_are_contiguous_whole_local_periods_covering_the_range(
        self, start: datetime, seconds: int, interval: str, zone: ZoneInfo
    ) -> None:
        end = start + timedelta(seconds=seconds)
        found = periods(start, end, interval, zone)

        assert found[0].start <= start < found[0].end
        assert found[-1].start < end <= found[-1].end
        for before, after in itertools.pairwise(found):
            assert before.end == after.start
            assert after.first_day == before.last_day + timedelta(days=1)
        for period in found:
            # The first instant of its first local day (midnight, or the first instant
            # after a clock change that skips midnight).
            assert period.start.astimezone(zone).date() == period.first_day
            tick = timedelta(microseconds=1)
            assert (period.start - tick).astimezone(zone).date() < period.first_day


class TestBacklogDays:
    def test_the_window_is_the_last_20_business_days_oldest_first(self) -> None:
        # Weekdays only: up to Friday 6 March 2026, 20 weekdays go back to Monday 9 Feb.
        window = business_window(date(2026, 3, 8), lambda d: d.weekday() < 5)
        assert len(window) == BACKLOG_DAYS_WINDOW == 20
        assert (window[0], window[-1]) == (date(2026, 2, 9), date(2026, 3, 6))

    def test_backlog_over_mean_daily_outflow(self) -> None:
        window = [date(2026, 3, d) for d in (2, 3, 4, 5)]
        # 6 resolved over 4 days = 1.5 a day; 30 waiting -> 20 days to clear.
        assert (
            backlog_days(
                30, {date(2026, 3, 2): 2, date(2026, 3, 5): 4, date(2026, 3, 9): 99}, window
            )
            == 20
        )
        assert backlog_days(30, {}, window) is None  # nothing resolved: no pace to divide by
        assert backlog_days(0, {date(2026, 3, 2): 1}, window) == 0

    def test_growth_from_an_empty_backlog_has_no_percentage(self) -> None:
        assert growth(4, 5) == (1, 0.25)
        assert growth(0, 3) == (3, None)
        assert growth(5, 0) == (-5, -1.0)

    def test_an_unknown_interval_is_refused(self) -> None:
        with pytest.raises(ValueError, match="hour"):
            periods(datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC), "hour", UTC)
