"""Routing policies on hand-made queues: who comes first, and why."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.routing.policies import (
    Candidate,
    earliest_deadline,
    fifo,
    least_slack,
    order,
    policy_named,
    priority,
    weighted,
)

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
H, M = 3600, 60


def item(
    item_id: int,
    *,
    remaining_h: float | None = None,
    handling_min: int = 0,
    prio: int = 3,
    age_h: float = 1,
    due_in_h: float | None = None,
) -> Candidate:
    return Candidate(
        item_id=item_id,
        priority=prio,
        received=NOW - timedelta(hours=age_h),
        due_at=None if due_in_h is None else NOW + timedelta(hours=due_in_h),
        remaining_s=None if remaining_h is None else int(remaining_h * H),
        handling_s=handling_min * M,
    )


def ids(candidates: list[Candidate]) -> list[int]:
    return [c.item_id for c in candidates]


class TestLeastSlack:
    def test_the_issue_example_slack_beats_the_nearer_deadline(self) -> None:
        # A: due in 3 business hours, 2 h of handling -> slack 1 h.
        # B: due in 2 business hours, 10 min of handling -> slack 1 h 50 min.
        a = item(1, remaining_h=3, handling_min=120, due_in_h=3)
        b = item(2, remaining_h=2, handling_min=10, due_in_h=2)
        assert ids(order([b, a], least_slack)) == [1, 2]
        # Earliest deadline looks only at the due: B first.
        assert ids(order([a, b], earliest_deadline)) == [2, 1]

    def test_overdue_items_have_negative_slack_and_come_first(self) -> None:
        late = item(1, remaining_h=-2)  # 2 business hours past due
        soon = item(2, remaining_h=0.5)
        assert ids(order([soon, late], least_slack)) == [1, 2]

    def test_ties_go_to_priority_then_age_then_id(self) -> None:
        # Same slack (1 h each): priority 1 before 3; then the older; then the lower id.
        urgent = item(4, remaining_h=1, prio=1, age_h=1)
        old = item(3, remaining_h=1, prio=3, age_h=5)
        young_low_id = item(1, remaining_h=1, prio=3, age_h=2)
        young_high_id = item(2, remaining_h=1, prio=3, age_h=2)
        queue = [young_high_id, young_low_id, old, urgent]
        assert ids(order(queue, least_slack)) == [4, 3, 1, 2]

    def test_items_without_an_sla_clock_come_after_all_others(self) -> None:
        no_sla = item(1, remaining_h=None, prio=1, age_h=100)
        relaxed = item(2, remaining_h=500)
        assert ids(order([no_sla, relaxed], least_slack)) == [2, 1]
        assert ids(order([no_sla, item(3, due_in_h=900)], earliest_deadline)) == [3, 1]


class TestOtherPolicies:
    def test_fifo_serves_the_oldest_first_whatever_its_priority_or_slack(self) -> None:
        queue = [item(1, age_h=1, prio=1, remaining_h=-5), item(2, age_h=9), item(3, age_h=4)]
        assert ids(order(queue, fifo)) == [2, 3, 1]

    def test_priority_then_age(self) -> None:
        queue = [item(1, prio=3, age_h=9), item(2, prio=1, age_h=1), item(3, prio=3, age_h=10)]
        assert ids(order(queue, priority)) == [2, 3, 1]

    def test_weighted_scores_by_hand(self) -> None:
        policy = weighted({"slack": 1, "priority": 2, "age": Decimal("0.5")}, now=NOW)
        # score = 1 x slack h + 2 x priority - 0.5 x age h
        a = item(1, remaining_h=4, prio=3, age_h=2)  # 4 + 6 - 1 = 9
        b = item(2, remaining_h=1, prio=4, age_h=10)  # 1 + 8 - 5 = 4
        c = item(3, remaining_h=2, prio=1, age_h=0)  # 2 + 2 - 0 = 4 -> tie with b: b older
        d = item(4, remaining_h=None, prio=1, age_h=50)  # no SLA: last
        assert ids(order([a, b, c, d], policy)) == [2, 3, 1, 4]


class TestRegistry:
    def test_policies_are_found_by_name(self) -> None:
        assert policy_named("least_slack", now=NOW) is least_slack
        assert policy_named("fifo", now=NOW) is fifo

    @pytest.mark.parametrize(
        ("name", "weights", "message"),
        [
            ("shortest_job", None, "unknown policy 'shortest_job'"),
            ("weighted", None, "the weighted policy needs weights"),
        ],
    )
    def test_bad_names_are_refused_naming_the_setting(
        self, name: str, weights: dict[str, int] | None, message: str
    ) -> None:
        with pytest.raises(InvalidInput, match=message) as refused:
            policy_named(name, weights=weights, now=NOW)
        assert refused.value.field == "routing"

    def test_an_unknown_weight_is_refused(self) -> None:
        with pytest.raises(InvalidInput, match="unknown weight 'urgency'") as refused:
            weighted({"urgency": 1}, now=NOW)
        assert refused.value.field == "weights"
