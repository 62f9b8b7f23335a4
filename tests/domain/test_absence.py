"""Planned absences: the rules of one absence and of a query window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from retaguarda.domain.absence import Absence, overlaps, plan, window
from retaguarda.domain.errors import InvalidInput

BRT = timezone(timedelta(hours=-3))
MON = datetime(2026, 3, 2, 8, 0, tzinfo=BRT)  # Monday 08:00 in São Paulo
NOW = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)


def planned(
    start: datetime = MON, end: datetime = MON + timedelta(days=5), **fields: Any
) -> Absence:
    """Ana's vacation week from Monday 2 March, recorded by sofia, unless told otherwise."""
    values: dict[str, Any] = {"reason": "vacation", "created_at": NOW, "created_by": "sofia"}
    values.update(fields)
    return plan("ana", start=start, end=end, **values)


class TestPlan:
    def test_keeps_the_interval_in_utc_and_who_recorded_it(self) -> None:
        absence = planned()

        assert absence == Absence(
            agent="ana",
            start_at=datetime(2026, 3, 2, 11, 0, tzinfo=UTC),
            end_at=datetime(2026, 3, 7, 11, 0, tzinfo=UTC),
            reason="vacation",
            planned=True,
            created_at=NOW,
            created_by="sofia",
        )
        assert absence.start_at.tzinfo is UTC

    def test_may_be_marked_unplanned_and_need_no_reason(self) -> None:
        absence = planned(planned=False, reason=None)

        assert (absence.planned, absence.reason) == (False, None)

    @pytest.mark.parametrize("length", [timedelta(0), -timedelta(seconds=1)], ids=["empty", "neg"])
    def test_the_end_must_come_after_the_start(self, length: timedelta) -> None:
        with pytest.raises(InvalidInput) as caught:
            planned(end=MON + length)

        assert caught.value.field == "end"
        assert "must be after the start" in caught.value.message

    def test_the_same_instant_in_other_offsets_is_no_interval(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            planned(end=MON.astimezone(UTC))

        assert caught.value.field == "end"

    @pytest.mark.parametrize("name", ["start", "end"])
    def test_refuses_an_instant_without_offset_naming_it(self, name: str) -> None:
        naive = {"start": MON, "end": MON + timedelta(days=1)}
        naive[name] = naive[name].replace(tzinfo=None)

        with pytest.raises(InvalidInput) as caught:
            planned(**naive)

        assert caught.value.field == name

    def test_a_reason_of_up_to_2000_characters(self) -> None:
        assert planned(reason="r" * 2000).reason == "r" * 2000
        with pytest.raises(InvalidInput) as caught:
            planned(reason="r" * 2001)
        assert caught.value.field == "reason"


class TestWindow:
    def test_either_side_may_be_open(self) -> None:
        assert window(None, None) == (None, None)
        assert window(MON, None) == (MON.astimezone(UTC), None)
        assert window(None, MON) == (None, MON.astimezone(UTC))

    def test_to_must_come_after_from(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            window(MON, MON)
        assert caught.value.field == "to"

    @pytest.mark.parametrize(
        ("start", "end", "field"), [(True, False, "from"), (False, True, "to")]
    )
    def test_refuses_an_instant_without_offset_naming_it(
        self, start: bool, end: bool, field: str
    ) -> None:
        naive = MON.replace(tzinfo=None)
        lower = naive if start else MON
        upper = naive + timedelta(days=1) if end else MON + timedelta(days=1)

        with pytest.raises(InvalidInput) as caught:
            window(lower, upper)

        assert caught.value.field == field


class TestOverlaps:
    # The absence is [Mon 08:00, Sat 08:00) in São Paulo.
    @pytest.mark.parametrize(
        ("start", "end", "expected"),
        [
            (None, None, True),
            (MON - timedelta(days=1), MON, False),  # ends exactly where it starts
            (MON - timedelta(days=1), MON + timedelta(seconds=1), True),
            (MON + timedelta(days=5), None, False),  # starts exactly where it ends
            (MON + timedelta(days=5) - timedelta(seconds=1), None, True),
            (MON + timedelta(days=1), MON + timedelta(days=2), True),  # inside
            (MON - timedelta(days=9), MON + timedelta(days=9), True),  # around
            (None, MON - timedelta(hours=1), False),
        ],
    )
    def test_shares_an_instant_with_the_half_open_window(
        self, start: datetime | None, end: datetime | None, expected: bool
    ) -> None:
        assert overlaps(planned(), start, end) is expected
