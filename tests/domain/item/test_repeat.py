"""Repeat contacts: the configuration section's checks and the linking rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from retaguarda.domain.item import repeat
from retaguarda.domain.item.repeat import Contact, RepeatContacts

T = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)  # when the new item arrives
SETTINGS = RepeatContacts(within_days=30, match=("case_type", "reason"))


def contact(
    key: int,
    at: datetime,
    *,
    customer: str = "C-1",
    case_type: str = "invoice_dispute",
    reason: str | None = None,
) -> Contact[int]:
    return Contact(key, customer, case_type, reason, at)


def problems(document: Any) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in repeat.check(document)]


class TestCheck:
    @pytest.mark.parametrize(
        "document",
        [
            {"within_days": 30},
            {"within_days": 30, "match": ["case_type", "reason"]},
            {"within_days": 7, "match": ["reason"]},
            {"within_days": 0},  # linking off
        ],
    )
    def test_good_sections_are_accepted(self, document: Any) -> None:
        assert problems(document) == []

    @pytest.mark.parametrize(
        ("document", "expected"),
        [
            (
                [30],
                [("repeat_contacts", "must be a mapping: {within_days: N, match: [...]}")],
            ),
            (
                {"match": ["reason"]},
                [
                    (
                        "repeat_contacts.within_days",
                        "is required: days to look back (0 turns linking off)",
                    )
                ],
            ),
            (
                {"within_days": -1},
                [("repeat_contacts.within_days", "must be a whole number of days, 0 to 36500")],
            ),
            (
                {"within_days": 1.5},
                [("repeat_contacts.within_days", "must be a whole number of days, 0 to 36500")],
            ),
            (
                {"within_days": "30"},
                [("repeat_contacts.within_days", "must be a whole number of days, 0 to 36500")],
            ),
            (
                {"within_days": True},
                [("repeat_contacts.within_days", "must be a whole number of days, 0 to 36500")],
            ),
            (
                {"within_days": 30, "match": []},
                [("repeat_contacts.match", "must be a list of one or more of case_type, reason")],
            ),
            (
                {"within_days": 30, "match": ["reason", "customer", "reason"]},
                [
                    (
                        "repeat_contacts.match[1]",
                        "unknown field 'customer'; known: case_type, reason",
                    ),
                    ("repeat_contacts.match[2]", "duplicate 'reason'"),
                ],
            ),
            (
                {"within_days": 30, "days": 30},
                [("repeat_contacts.days", "unknown key")],
            ),
        ],
    )
    def test_a_bad_section_names_each_problem_with_its_path(
        self, document: Any, expected: list[tuple[str, str]]
    ) -> None:
        assert problems(document) == expected

    def test_from_document_defaults_to_case_type_or_reason_and_absent_is_off(self) -> None:
        assert repeat.from_document({"within_days": 30}) == SETTINGS
        assert repeat.from_document(None) == RepeatContacts(within_days=0)
        assert not repeat.from_document(None).enabled
        assert not repeat.from_document({"within_days": 0}).enabled


class TestLink:
    @pytest.mark.parametrize(
        ("earlier_at", "linked"),
        [
            # 31 March 12:00 minus 30 days of 24 hours = 1 March 12:00: the bound is included.
            pytest.param(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), True, id="exactly 30 days"),
            pytest.param(
                datetime(2026, 3, 1, 11, 59, 59, tzinfo=UTC), False, id="30 days and 1 second"
            ),
            pytest.param(datetime(2026, 3, 31, 12, 0, tzinfo=UTC), True, id="the same instant"),
            pytest.param(datetime(2026, 3, 31, 12, 0, 1, tzinfo=UTC), False, id="1 second later"),
        ],
    )
    def test_the_window_is_within_days_times_24_hours_bound_included(
        self, earlier_at: datetime, linked: bool
    ) -> None:
        links = repeat.link([contact(2, T)], [contact(1, earlier_at)], SETTINGS)
        assert links == ({2: 1} if linked else {})

    def test_another_customer_is_not_a_repeat(self) -> None:
        earlier = [contact(1, T - timedelta(days=1), customer="C-2")]
        assert repeat.link([contact(2, T)], earlier, SETTINGS) == {}

    @pytest.mark.parametrize(
        ("match", "linked"),
        [
            (("case_type", "reason"), True),
            (("reason",), True),
            (("case_type",), False),  # different case types
        ],
    )
    def test_the_same_reason_with_another_case_type_is_linked_when_reason_is_matched(
        self, match: tuple[str, ...], linked: bool
    ) -> None:
        earlier = [contact(1, T - timedelta(days=2), case_type="refund_request", reason="late")]
        new = [contact(2, T, case_type="invoice_dispute", reason="late")]
        links = repeat.link(new, earlier, RepeatContacts(30, match))
        assert links == ({2: 1} if linked else {})

    def test_an_empty_reason_never_matches_another_empty_reason(self) -> None:
        earlier = [contact(1, T - timedelta(days=2), case_type="refund_request")]
        assert repeat.link([contact(2, T)], earlier, RepeatContacts(30, ("reason",))) == {}

    def test_the_most_recent_matching_item_is_the_one_linked(self) -> None:
        earlier = [
            contact(1, T - timedelta(days=20)),
            contact(2, T - timedelta(days=5)),  # the most recent that matches
            contact(3, T - timedelta(days=1), case_type="delivery_missing"),  # does not match
        ]
        assert repeat.link([contact(9, T)], earlier, SETTINGS) == {9: 2}

    def test_items_earlier_in_the_batch_count_and_same_instants_follow_batch_order(self) -> None:
        stored = [contact(1, T)]  # stored, received at the same instant: earlier than the batch
        new = [contact(5, T), contact(4, T), contact(6, T + timedelta(hours=1), customer="C-2")]
        # 5 repeats the stored 1; 4 (listed after 5) repeats 5; C-2's first item repeats nothing.
        assert repeat.link(new, stored, SETTINGS) == {5: 1, 4: 5}

    def test_an_item_received_earlier_than_a_stored_one_does_not_link_to_it(self) -> None:
        stored = [contact(1, T)]
        new = [contact(2, T - timedelta(hours=1))]  # imported history, older than item 1
        assert repeat.link(new, stored, SETTINGS) == {}

    def test_nothing_is_linked_when_off(self) -> None:
        earlier = [contact(1, T - timedelta(days=1))]
        assert repeat.link([contact(2, T)], earlier, RepeatContacts(within_days=0)) == {}
