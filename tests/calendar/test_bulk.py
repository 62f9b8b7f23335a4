"""The NumPy API: inputs, missing values, shapes and amounts per item."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import pytest

from retaguarda.calendar import MISSING, BusinessCalendar, CalendarError
from tests.calendar.calendars import calendar, sp

H = 3600


def utc(moment: datetime) -> np.datetime64:
    return np.datetime64(moment.astimezone(UTC).replace(tzinfo=None), "s")


@pytest.fixture(scope="module")
def br() -> BusinessCalendar:
    return calendar("br-sp")


class TestAddMany:
    def test_the_hand_worked_deadlines(self, br: BusinessCalendar) -> None:
        # See test_units.TestBusinessDays: Thu 2 Apr 15:00 -> Fri 10 18:00 (Good Friday);
        # Fri 17 Apr 10:00 -> Mon 27 18:00 (Tiradentes). 18:00 -03:00 is 21:00Z.
        starts = np.array([utc(sp(2026, 4, 2, 15)), utc(sp(2026, 4, 17, 10))])

        due = br.add_many(starts, 5, "business_days")

        assert due.dtype == np.dtype("datetime64[s]")
        assert (
            due.tolist()
            == np.array(
                ["2026-04-10T21:00:00", "2026-04-27T21:00:00"], dtype="datetime64[s]"
            ).tolist()
        )

    @pytest.mark.parametrize("unit", ["ns", "us", "ms", "s", "m"])
    def test_any_datetime64_unit_is_floored_to_the_second(
        self, br: BusinessCalendar, unit: str
    ) -> None:
        # Mon 13 Apr 09:00:00.9 -03:00 (12:00:00.9Z) floors to 09:00:00; + 1 h = 10:00.
        start = np.array(["2026-04-13T12:00:00.9"], dtype="datetime64[ms]").astype(
            f"datetime64[{unit}]"
        )

        due = br.add_many(start, 1, "business_hours")

        assert due[0] == np.datetime64("2026-04-13T13:00:00")

    def test_nat_gives_nat(self, br: BusinessCalendar) -> None:
        starts = np.array(["NaT", "2026-04-13T12:00:00", "NaT"], dtype="datetime64[s]")

        due = br.add_many(starts, 1, "business_hours")

        assert np.isnat(due).tolist() == [True, False, True]
        assert due[1] == np.datetime64("2026-04-13T13:00:00")
        assert np.isnat(br.add_many(starts[[0]], 1, "business_days")).all()

    def test_one_amount_per_item(self, br: BusinessCalendar) -> None:
        # Mon 13 Apr 09:00 -03:00: + 0 h (itself), + 0.5 h, + 9 h (18:00), + 10 h (Tue 09:00).
        starts = np.full(4, np.datetime64("2026-04-13T12:00:00"))

        due = br.add_many(starts, np.array([0, 0.5, 9, 10]), "business_hours")

        expected = [
            "2026-04-13T12:00:00",
            "2026-04-13T12:30:00",
            "2026-04-13T21:00:00",
            "2026-04-14T12:00:00",
        ]
        assert due.tolist() == np.array(expected, dtype="datetime64[s]").tolist()

    def test_shape_is_kept(self, br: BusinessCalendar) -> None:
        starts = np.full((2, 3), np.datetime64("2026-04-13T12:00:00"))

        assert br.add_many(starts, 1, "calendar_days").shape == (2, 3)
        assert br.between_many(starts, starts).shape == (2, 3)

    def test_empty_input(self, br: BusinessCalendar) -> None:
        empty = np.array([], dtype="datetime64[s]")

        assert br.add_many(empty, 1, "business_days").shape == (0,)
        assert br.between_many(empty, empty).shape == (0,)

    def test_far_deadlines_grow_the_table_and_match_the_scalar_path(self) -> None:
        cal = BusinessCalendar.from_config(
            {
                "timezone": "America/Sao_Paulo",
                "hours": {"mon-fri": ["08:00-18:00"]},
                "holidays": {"country": "BR"},
            }
        )
        start = sp(2026, 4, 13, 9)

        due = cal.add_many(np.array([utc(start)]), 3000, "business_days")

        assert due[0] == utc(cal.add(start, 3000, "business_days"))
        assert due[0] > np.datetime64("2037-01-01")

    def test_threads_sharing_a_calendar_agree_with_one_thread(self) -> None:
        def fresh() -> BusinessCalendar:
            return BusinessCalendar(
                "Europe/Madrid",
                {"mon-fri": ["09:00-17:00"]},
                holidays={"country": "ES", "subdivision": "MD"},
            )

        years = [np.datetime64(f"{2024 + k}-06-01T10:00:00") for k in range(8)]
        batches = [
            np.arange(y, y + np.timedelta64(400, "D"), np.timedelta64(7, "h")) for y in years
        ]
        shared = fresh()
        with ThreadPoolExecutor(4) as pool:
            parallel = list(pool.map(lambda b: shared.add_many(b, 30, "business_hours"), batches))

        alone = fresh()
        for batch, got in zip(batches, parallel, strict=True):
            assert (got == alone.add_many(batch, 30, "business_hours")).all()


class TestBetweenMany:
    def test_weekend_pause(self, br: BusinessCalendar) -> None:
        # Fri 10 Apr 17:00 -> Mon 13 09:00 -03:00 = 1 h + 1 h; reversed is negative.
        a = np.array([utc(sp(2026, 4, 10, 17)), utc(sp(2026, 4, 13, 9))])
        b = np.array([utc(sp(2026, 4, 13, 9)), utc(sp(2026, 4, 10, 17))])

        assert br.between_many(a, b).tolist() == [2 * H, -2 * H]

    def test_nat_gives_the_missing_marker_which_reads_as_nat(self, br: BusinessCalendar) -> None:
        a = np.array(["2026-04-13T12:00:00", "NaT"], dtype="datetime64[s]")
        b = np.array(["NaT", "2026-04-13T12:00:00"], dtype="datetime64[s]")

        seconds = br.between_many(a, b)

        assert seconds.tolist() == [MISSING, MISSING]
        assert np.isnat(seconds.view("timedelta64[s]")).all()


class TestRefusals:
    def test_not_datetime64(self, br: BusinessCalendar) -> None:
        with pytest.raises(CalendarError) as error:
            br.add_many(np.array([1, 2]), 1, "business_days")

        assert (error.value.field, str(error.value)) == (
            "starts",
            "must be a datetime64 array of UTC instants, got int64",
        )

    def test_wrong_number_of_amounts(self, br: BusinessCalendar) -> None:
        starts = np.full(3, np.datetime64("2026-04-13T12:00:00"))

        with pytest.raises(CalendarError) as error:
            br.add_many(starts, [1, 2], "business_days")

        assert error.value.field == "amount"

    @pytest.mark.parametrize(
        ("amounts", "unit"),
        [
            ([1, 0], "business_days"),
            ([1.5], "business_days"),
            ([-1], "business_hours"),
            ([1 / 7], "business_hours"),
            ([float("nan")], "calendar_hours"),
            (["1"], "calendar_days"),
        ],
    )
    def test_bad_amounts(self, br: BusinessCalendar, amounts: list[object], unit: str) -> None:
        starts = np.full(len(amounts), np.datetime64("2026-04-13T12:00:00"))

        with pytest.raises(CalendarError) as error:
            br.add_many(starts, amounts, unit)

        assert error.value.field == "amount"

    def test_out_of_range_instants(self, br: BusinessCalendar) -> None:
        with pytest.raises(CalendarError) as error:
            br.add_many(np.array(["2300-01-01"], dtype="datetime64[s]"), 1, "business_days")

        assert error.value.field == "starts"


def test_decimal_amounts_per_item(br: BusinessCalendar) -> None:
    starts = np.full(2, np.datetime64("2026-04-13T12:00:00"))  # Mon 09:00 -03:00
    amounts = np.array([Decimal("0.25"), Decimal(2)], dtype=object)

    due = br.add_many(starts, amounts, "business_hours")

    # + 15 min -> 09:15 -03:00 (12:15Z); + 2 h -> 11:00 -03:00 (14:00Z).
    assert (
        due.tolist()
        == np.array(["2026-04-13T12:15:00", "2026-04-13T14:00:00"], dtype="datetime64[s]").tolist()
    )
