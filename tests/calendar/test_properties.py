"""Property-based checks on random calendars (hypothesis).

Random zones (DST in both hemispheres, half-hour offsets and a midnight clock change in
America/Santiago), random split shifts, closed and open dates near the instants,
sometimes public holidays; instants 2024-2030. Each example checks a batch of
instants, so one calendar (and its table) serves several checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retaguarda.calendar import BusinessCalendar
from tests.calendar.reference import DAYS, EPOCH, Reference

ZONES = [
    "UTC",
    "Europe/Madrid",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Santiago",  # clocks change at midnight
    "Australia/Sydney",  # southern hemisphere DST
    "Australia/Lord_Howe",  # a 30-minute DST change
    "Asia/Kolkata",  # +05:30
]
HOLIDAYS = [None, {"country": "BR", "subdivision": "SP"}, {"country": "ES", "subdivision": "MD"}]
FIRST = int(datetime(2024, 1, 1, tzinfo=UTC).timestamp())
LAST = int(datetime(2030, 12, 31, tzinfo=UTC).timestamp())


def aware(t: int) -> datetime:
    return EPOCH + timedelta(seconds=t)


PROFILE = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _clock_changes(zone: str) -> list[int]:
    """Instants (to the hour) just after the zone's UTC offset changed, 2024-2030."""
    tz = ZoneInfo(zone)

    def offset(t: int) -> timedelta | None:
        return aware(t).astimezone(tz).utcoffset()

    found = []
    for day in range(FIRST, LAST, 86400):
        if offset(day) != offset(day + 86400):
            hour = next(h for h in range(day, day + 86401, 3600) if offset(h) != offset(day))
            found.append(hour)
    return found or [FIRST]


CHANGES = {zone: _clock_changes(zone) for zone in ZONES}


@dataclass
class Case:
    config: dict[str, Any]
    calendar: BusinessCalendar
    reference: Reference
    instants: list[int]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@st.composite
def day_spans(draw: st.DrawFn) -> list[str]:
    """0-3 increasing spans; boundaries on any minute, 24:00 allowed as an end."""
    count = draw(st.integers(0, 3))
    marks = sorted(draw(st.sets(st.integers(0, 1440), min_size=2 * count, max_size=2 * count)))
    return [f"{_hhmm(a)}-{_hhmm(b)}" for a, b in zip(marks[::2], marks[1::2], strict=True)]


@st.composite
def cases(draw: st.DrawFn, instants: int = 12) -> Case:
    weekly = {name: draw(day_spans()) for name in DAYS}
    if not any(weekly.values()):
        weekly["mon"] = ["09:00-17:00"]
    timezone = draw(st.sampled_from(ZONES))
    # Half of the cases start a few days before a clock change of their zone.
    change = st.sampled_from(CHANGES[timezone]).map(lambda t: max(FIRST, t - 3 * 86400))
    anchor = draw(st.one_of(st.integers(FIRST, LAST), change))
    near = st.integers(-3, 40).map(
        lambda k: (datetime.fromtimestamp(anchor, UTC).date() + timedelta(days=k)).isoformat()
    )
    closed = draw(st.lists(near, max_size=6, unique=True))
    opened = draw(st.lists(near, max_size=3, unique=True))
    config = {
        "timezone": timezone,
        "hours": {name: spans for name, spans in weekly.items() if spans},
        "holidays": draw(st.sampled_from(HOLIDAYS)),
        "closed": closed,
        "open": opened,
    }
    spread = st.integers(-2 * 86400, 45 * 86400).map(lambda s: anchor + s)
    points = draw(
        st.lists(st.one_of(spread, st.integers(FIRST, LAST)), min_size=instants, max_size=instants)
    )
    reference = Reference(config["timezone"], config["hours"], closed, opened, config["holidays"])
    return Case(config, BusinessCalendar.from_config(config), reference, points)


def epoch(moment: datetime) -> int:
    return (moment - EPOCH) // timedelta(seconds=1)


def as_array(instants: list[int]) -> np.ndarray[Any, np.dtype[np.datetime64]]:
    return np.array(instants, dtype="datetime64[s]")


hours_amounts = st.one_of(st.integers(0, 200), st.sampled_from([0.25, 0.5, 1.5, 7.75]))


class TestAgainstTheReference:
    @PROFILE
    @given(cases(), st.integers(0, 120), st.integers(1, 25), st.integers(0, 30))
    def test_scalar_add_matches_a_day_by_day_walk(
        self, case: Case, hours: int, days: int, calendar_days: int
    ) -> None:
        cal, ref = case.calendar, case.reference
        for t in case.instants[:4]:
            start = aware(t)
            assert epoch(cal.add(start, hours, "business_hours")) == ref.add_business_seconds(
                t, hours * 3600
            )
            assert epoch(cal.add(start, days, "business_days")) == ref.add_business_days(t, days)
            assert epoch(cal.add(start, calendar_days, "calendar_days")) == (
                ref.add_calendar_days(t, calendar_days)
            )

    @PROFILE
    @given(cases())
    def test_scalar_between_matches_a_day_by_day_walk(self, case: Case) -> None:
        pairs = zip(case.instants[:6], case.instants[6:], strict=True)
        for a, b in pairs:
            if abs(b - a) < 60 * 86400:
                assert case.calendar.between(aware(a), aware(b)) == case.reference.between(a, b)

    @PROFILE
    @given(cases(), st.integers(1, 3))
    def test_day_info_matches_the_reference_spans(self, case: Case, offset: int) -> None:
        day = (aware(case.instants[0]).astimezone(case.calendar.zone)).date()
        expected = dict(
            islice(case.reference.days_from(day - timedelta(days=offset)), 2 * offset + 1)
        )
        for k in range(-offset, offset + 1):
            some = day + timedelta(days=k)
            spans = [(epoch(a), epoch(b)) for a, b in case.calendar.day(some).spans]
            assert spans == expected[some]


class TestBulkEqualsScalar:
    @PROFILE
    @given(
        cases(instants=30),
        st.sampled_from(["business_hours", "business_days", "calendar_days", "calendar_hours"]),
        st.lists(st.integers(1, 60), min_size=30, max_size=30),
    )
    def test_add_many(self, case: Case, unit: str, amounts: list[int]) -> None:
        cal = case.calendar
        per_item = cal.add_many(as_array(case.instants), amounts, unit)
        one = cal.add_many(as_array(case.instants), amounts[0], unit)

        for t, amount, got, got_one in zip(case.instants, amounts, per_item, one, strict=True):
            assert got == np.datetime64(epoch(cal.add(aware(t), amount, unit)), "s")
            assert got_one == np.datetime64(epoch(cal.add(aware(t), amounts[0], unit)), "s")

    @PROFILE
    @given(cases(instants=30))
    def test_between_many(self, case: Case) -> None:
        a, b = case.instants[:15], case.instants[15:]

        got = case.calendar.between_many(as_array(a), as_array(b))

        expected = [case.calendar.between(aware(x), aware(y)) for x, y in zip(a, b, strict=True)]
        assert got.tolist() == expected


class TestLaws:
    @PROFILE
    @given(cases(), hours_amounts)
    def test_between_measures_what_add_added(self, case: Case, hours: float) -> None:
        cal = case.calendar
        for t in case.instants:
            start = aware(t)
            assert cal.between(start, cal.add(start, hours, "business_hours")) == round(
                hours * 3600
            )

    @PROFILE
    @given(cases(), st.integers(1, 100), st.integers(1, 100))
    def test_additivity_of_business_hours(self, case: Case, x: int, y: int) -> None:
        cal = case.calendar
        for t in case.instants:
            start = aware(t)
            once = cal.add(start, x + y, "business_hours")
            twice = cal.add(cal.add(start, x, "business_hours"), y, "business_hours")
            # Compared as instants: Python compares two datetimes of one zone on the wall
            # clock, ignoring `fold`, so 02:30 (first) == 02:30 (second) in an overlap.
            assert epoch(once) == epoch(twice)

    @PROFILE
    @given(
        cases(),
        st.sampled_from(["business_hours", "business_days", "calendar_days", "calendar_hours"]),
        st.integers(1, 40),
    )
    def test_monotone_in_start_and_in_amount(self, case: Case, unit: str, amount: int) -> None:
        cal = case.calendar
        instants = sorted(case.instants)
        due = [epoch(cal.add(aware(t), amount, unit)) for t in instants]
        more = [epoch(cal.add(aware(t), amount + 1, unit)) for t in instants]

        assert due == sorted(due)
        assert all(a <= b for a, b in zip(due, more, strict=True))
        assert all(d >= t for d, t in zip(due, instants, strict=True))

    @PROFILE
    @given(cases(instants=6))
    def test_results_are_in_the_calendars_zone(self, case: Case) -> None:
        cal = case.calendar
        for t in case.instants:
            assert cal.add(aware(t), 3, "business_days").tzinfo is cal.zone


def test_reference_agrees_on_the_hand_worked_case() -> None:
    # Guard on the reference itself: Thu 2 Apr 2026 15:00 -03:00, 5 business days in BR-SP.
    ref = Reference(
        "America/Sao_Paulo",
        {d: ["08:00-18:00"] for d in DAYS[:5]},
        holidays={"country": "BR", "subdivision": "SP"},
    )
    received = int(datetime(2026, 4, 2, 18, tzinfo=UTC).timestamp())

    assert aware(ref.add_business_days(received, 5)) == datetime(2026, 4, 10, 21, tzinfo=UTC)
    assert date(2026, 4, 3) in ref._holidays
