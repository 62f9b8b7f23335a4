"""Repeat contacts through intake, on every test database: single and bulk, the window's
edges, customers, the fields matched, and the created event that replays the link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from retaguarda.domain.item import replay
from retaguarda.services import config, intake
from retaguarda.services.config import InvalidConfig
from retaguarda.services.intake import IntakeResult
from retaguarda.services.uow import unit_of_work
from tests.builders import CRM, seed
from tests.services.helpers import history, item_input, stored

# The newer items arrive at T; the earlier ones are backdated from it.
T = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
FIRST = {"customer": {"external_id": "C-1"}, "reason": "charged_twice"}


def apply(engine: Engine, text: str) -> None:
    with unit_of_work(engine) as conn:
        config.apply(conn, text, source="office.yaml", now=T - timedelta(days=90))


def take_in(engine: Engine, *bodies: dict[str, Any], now: datetime = T) -> list[IntakeResult]:
    with unit_of_work(engine) as conn:
        return intake.intake(
            conn, [item_input(**b) for b in bodies], principal=CRM, now=now, with_items=True
        )


def one(engine: Engine, ref: str, at: datetime, **fields: Any) -> int:
    """Take in one item received at `at` (backdated); its id."""
    [result] = take_in(engine, {"external_ref": ref, "created_at": at.isoformat(), **fields})
    assert result.status == "created", result
    assert result.item_id is not None
    return result.item_id


def repeat_of(engine: Engine, item_id: int) -> int | None:
    """The stored link, after checking the log replays to the stored row."""
    item = stored(engine, item_id)
    assert replay.fold(item_id, history(engine, item_id)) == item
    return item.repeat_of


@pytest.fixture
def linking(engine: Engine) -> Engine:
    seed(engine)
    apply(engine, "repeat_contacts: {within_days: 30, match: [case_type, reason]}\n")
    return engine


class TestConfiguration:
    def test_a_bad_section_is_refused_with_paths(self, engine: Engine) -> None:
        with pytest.raises(InvalidConfig) as refused:
            apply(engine, "repeat_contacts: {within_days: -3, match: [reason, phone]}\n")
        assert refused.value.lines() == [
            "office.yaml: repeat_contacts.within_days: must be a whole number of days, 0 to 36500",
            "office.yaml: repeat_contacts.match[1]: unknown field 'phone'; "
            "known: case_type, reason",
        ]

    def test_without_the_section_nothing_is_linked(self, engine: Engine) -> None:
        seed(engine)
        one(engine, "A", T - timedelta(days=1), **FIRST)
        second = one(engine, "B", T, **FIRST)
        assert repeat_of(engine, second) is None


class TestSingleIntake:
    @pytest.mark.parametrize(
        ("earlier", "linked"),
        [
            # T minus 30 days of 24 hours: 1 March 12:00:00 UTC; the bound is included.
            pytest.param(datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC), True, id="exactly 30 days"),
            pytest.param(
                datetime(2026, 3, 1, 11, 59, 59, tzinfo=UTC), False, id="30 days and 1 second"
            ),
        ],
    )
    def test_the_window_reaches_back_exactly_within_days(
        self, linking: Engine, earlier: datetime, linked: bool
    ) -> None:
        first = one(linking, "A", earlier, **FIRST)
        [result] = take_in(linking, {"external_ref": "B", **FIRST})
        assert result.item_id is not None
        assert repeat_of(linking, result.item_id) == (first if linked else None)
        # The single create answers with the link too, and its created event carries it.
        assert result.item is not None
        assert result.item.repeat_of == (first if linked else None)
        assert history(linking, result.item_id)[0].data.get("repeat_of") == (
            first if linked else None
        )

    def test_another_customer_is_not_linked(self, linking: Engine) -> None:
        one(linking, "A", T - timedelta(days=1), **FIRST)
        other = one(linking, "B", T, customer={"external_id": "C-2"}, reason="charged_twice")
        assert repeat_of(linking, other) is None

    def test_an_item_without_a_customer_is_never_linked(self, linking: Engine) -> None:
        one(linking, "A", T - timedelta(days=1), reason="charged_twice")
        assert repeat_of(linking, one(linking, "B", T, reason="charged_twice")) is None

    def test_the_same_reason_under_another_case_type_is_a_repeat(self, linking: Engine) -> None:
        first = one(linking, "A", T - timedelta(days=3), case_type="refund_request", **FIRST)
        second = one(linking, "B", T, case_type="invoice_dispute", **FIRST)
        assert repeat_of(linking, second) == first

    def test_matching_case_type_only_ignores_a_shared_reason(self, linking: Engine) -> None:
        apply(linking, "repeat_contacts: {within_days: 30, match: [case_type]}\n")
        one(linking, "A", T - timedelta(days=3), case_type="refund_request", **FIRST)
        assert repeat_of(linking, one(linking, "B", T, **FIRST)) is None

    def test_the_most_recent_matching_item_is_linked(self, linking: Engine) -> None:
        one(linking, "A", T - timedelta(days=20), **FIRST)
        latest = one(linking, "B", T - timedelta(days=2), customer={"external_id": "C-1"})
        one(linking, "C", T - timedelta(days=1), case_type="delivery_missing", **FIRST)
        # C is more recent and shares the reason; B shares the case type; C wins.
        assert repeat_of(linking, one(linking, "D", T, customer={"external_id": "C-1"})) == latest

    def test_a_repeat_of_a_repeat_links_to_the_one_before_it(self, linking: Engine) -> None:
        a = one(linking, "A", T - timedelta(days=10), **FIRST)
        b = one(linking, "B", T - timedelta(days=5), **FIRST)
        c = one(linking, "C", T, **FIRST)
        assert [repeat_of(linking, i) for i in (a, b, c)] == [None, a, b]


class TestBulkIntake:
    def test_two_items_of_one_customer_in_a_batch_link_in_the_callers_order(
        self, linking: Engine
    ) -> None:
        # Z-1 is listed first: it is the first contact even though A-1 is stored first
        # (rows go in by (channel, external_ref) order, so A-1 gets the lower id).
        z, other, a = take_in(
            linking,
            {"external_ref": "Z-1", **FIRST},
            {"external_ref": "M-1", "customer": {"external_id": "C-2"}},
            {"external_ref": "A-1", **FIRST},
        )
        assert a.item_id is not None
        assert z.item_id is not None
        assert other.item_id is not None
        assert a.item_id < z.item_id
        assert repeat_of(linking, z.item_id) is None
        assert repeat_of(linking, other.item_id) is None
        assert repeat_of(linking, a.item_id) == z.item_id

    def test_a_batch_links_to_stored_items_and_to_its_own(self, linking: Engine) -> None:
        stored_one = one(linking, "OLD", T - timedelta(days=29), **FIRST)
        bodies = [
            {"external_ref": f"N-{n:03}", "customer": {"external_id": f"C-{n % 60}"}}
            for n in range(120)
        ]
        results = take_in(linking, {"external_ref": "OLD", **FIRST}, *bodies)
        assert results[0].status == "existing"
        assert repeat_of(linking, stored_one) is None  # re-sent: nothing changed
        ids = [r.item_id for r in results[1:]]
        # C-1's first new item repeats the stored one (same case type); each customer's
        # second item (n + 60) repeats its first.
        assert repeat_of(linking, ids[1]) == stored_one
        assert repeat_of(linking, ids[0]) is None  # C-0 has no history
        for n in range(60):
            assert repeat_of(linking, ids[n + 60]) == ids[n]
