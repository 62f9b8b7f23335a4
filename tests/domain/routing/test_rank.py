"""Stored routing keys: hand-worked latest starts, and the stored order equal to each
policy's order at any instant (property tests on one calendar)."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.routing import rank
from retaguarda.domain.routing.policies import Candidate, least_slack, order, weighted

# Mon-Fri 08:00-18:00 in São Paulo (UTC-3 all year): 10 business hours a day.
CAL = BusinessCalendar(timezone="America/Sao_Paulo", hours={"mon-fri": ["08:00-18:00"]})
BRT = timedelta(hours=-3)
H = 3600


def local(day: int, hour: int, minute: int = 0) -> int:
    """Epoch seconds of 2026-03-`day` at hour:minute in São Paulo."""
    return int((datetime(2026, 3, day, hour, minute, tzinfo=UTC) - BRT).timestamp())


def ls(started: int, due: int, handling_s: int) -> int:
    return int(rank.latest_start(CAL, *(np.array([v]) for v in (started, due, handling_s)))[0])


class TestLatestStart:
    def test_same_day(self) -> None:
        # Started Mon 2 09:00, due Mon 17:00 (8 business hours); 2 h of handling:
        # 6 business hours may pass first -> latest start Mon 15:00.
        assert ls(local(2, 9), local(2, 17), 2 * H) == local(2, 15)

    def test_across_the_night(self) -> None:
        # Started Mon 16:00, due Tue 12:00: 2 h on Monday + 4 h on Tuesday = 6 h.
        # 5 h of handling: 1 h may pass -> Mon 17:00.
        assert ls(local(2, 16), local(3, 12), 5 * H) == local(2, 17)

    def test_ends_at_the_closing_not_the_next_opening(self) -> None:
        # 4 h of handling: 2 h may pass, which ends exactly at Monday's close. Mon 18:00
        # and Tue 08:00 leave the same business time; the earliest is kept, so equal
        # slack always means an equal key.
        assert ls(local(2, 16), local(3, 12), 4 * H) == local(2, 18)

    def test_handling_equal_to_the_time_available_starts_at_the_start(self) -> None:
        assert ls(local(2, 16), local(3, 12), 6 * H) == local(2, 16)

    def test_handling_beyond_the_time_available_falls_before_the_start(self) -> None:
        # 7 h of handling, 6 available: 1 business hour before the start, Mon 15:00.
        assert ls(local(2, 16), local(3, 12), 7 * H) == local(2, 15)
        # 9 h: 3 business hours before Mon 08:00 -> Fri 27 Feb 15:00.
        assert ls(local(2, 8), local(2, 14), 9 * H) == local(2, 8) - 3 * 86_400 + 7 * H

    def test_a_clock_started_at_night_counts_from_the_closing(self) -> None:
        # Started Mon 18:00:01 (closed), 1 business second to Tue 08:00:01, 1 s of
        # handling: no business time may pass. Mon 18:00:00 and every instant to Tue
        # 08:00 leave the same; the earliest is kept.
        assert ls(local(2, 18) + 1, local(3, 8) + 1, 1) == local(2, 18)

    def test_empty(self) -> None:
        empty = np.zeros(0, dtype=np.int64)
        assert len(rank.latest_start(CAL, empty, empty, empty)) == 0


def keys_of(policy: str, **columns: list[int]) -> list[tuple[int, float, int]]:
    arrays = {k: np.array(v, dtype=np.int64) for k, v in columns.items()}
    k0, k1, k2 = rank.keys(policy, **arrays)
    return list(zip(k0.tolist(), k1.tolist(), k2.tolist(), strict=True))


NAT = rank.NAT


class TestKeys:
    def test_least_slack_the_issue_example(self) -> None:
        # Now Mon 09:00. A: due in 3 business hours (12:00) with 2 h of handling ->
        # latest start 10:00. B: due in 2 business hours (11:00) with 10 min ->
        # latest start 10:50. A first, though B is due sooner.
        now = local(2, 9)
        a = ls(now, local(2, 12), 2 * H)
        b = ls(now, local(2, 11), 10 * 60)
        assert (a, b) == (local(2, 10), local(2, 10, 50))
        k = keys_of("least_slack", priority=[3, 3], received=[now, now], due=[1, 1], latest=[a, b])
        assert k[0] < k[1]

    def test_least_slack_items_without_a_clock_come_last(self) -> None:
        k = keys_of("least_slack", priority=[1, 4], received=[0, 5], due=[NAT, 9], latest=[NAT, 7])
        assert k == [(1, 0.0, 1), (0, 7.0, 4)]

    def test_earliest_deadline_uses_received_when_there_is_no_clock(self) -> None:
        k = keys_of(
            "earliest_deadline",
            priority=[2, 3],
            received=[50, 60],
            due=[NAT, 900],
            latest=[NAT, 800],
        )
        assert k == [(1, 50.0, 2), (0, 900.0, 3)]

    def test_priority_and_fifo(self) -> None:
        cols = {"priority": [2, 1], "received": [10, 20], "due": [5, 6], "latest": [1, 2]}
        assert keys_of("priority", **cols) == [(0, 2.0, 0), (0, 1.0, 0)]
        assert keys_of("fifo", **cols) == [(0, 0.0, 0), (0, 0.0, 0)]

    def test_weighted_is_the_score_without_its_common_terms(self) -> None:
        # w_slack 2, w_priority 1, w_age 0.5; B(LS) = 7200 s (2 h), received at 36000 s
        # (10 h): 2 * 2 + 1 * 3 + 0.5 * 10 = 12.
        k0, k1, k2 = rank.keys(
            "weighted",
            priority=np.array([3]),
            received=np.array([36000]),
            due=np.array([1]),
            latest=np.array([1]),
            business_latest=np.array([7200]),
            weights={"slack": Decimal(2), "priority": Decimal(1), "age": Decimal("0.5")},
        )
        assert (int(k0[0]), float(k1[0]), int(k2[0])) == (0, 12.0, 0)

    def test_unknown_policy(self) -> None:
        with pytest.raises(InvalidInput, match="unknown policy 'random'"):
            keys_of("random", priority=[1], received=[1], due=[1], latest=[1])


# -- the stored order is the policy's order, at any instant ----------------------------

START = local(2, 8)
item_st = st.tuples(
    st.integers(0, 20 * 24 * H),  # started, seconds after Mon 2 08:00
    st.integers(1, 60 * H),  # target in business seconds
    st.integers(0, 8 * H),  # expected handling
    st.integers(1, 4),  # priority
)


def _queue(raw: list[tuple[int, int, int, int]]) -> dict[str, np.ndarray]:
    started = np.array([START + r[0] for r in raw], dtype=np.int64)
    target = np.array([r[1] for r in raw], dtype=np.int64)
    due = CAL.add_many(started.astype("datetime64[s]"), target / 3600, "business_hours")
    return {
        "started": started,
        "due": due.astype(np.int64),
        "handling": np.array([min(r[2], r[1]) for r in raw], dtype=np.int64),
        "priority": np.array([r[3] for r in raw], dtype=np.int64),
    }


def _candidates(q: dict[str, np.ndarray], now: int) -> list[Candidate]:
    now_dt = datetime.fromtimestamp(now, UTC)
    return [
        Candidate(
            item_id=i,
            priority=int(q["priority"][i]),
            received=datetime.fromtimestamp(int(q["started"][i]), UTC),
            due_at=datetime.fromtimestamp(int(q["due"][i]), UTC),
            remaining_s=CAL.between(now_dt, datetime.fromtimestamp(int(q["due"][i]), UTC)),
            handling_s=int(q["handling"][i]),
        )
        for i in range(len(q["started"]))
    ]


def _stored_order(k: tuple[np.ndarray, np.ndarray, np.ndarray], received: np.ndarray) -> list[int]:
    rows = range(len(received))
    return sorted(rows, key=lambda i: (k[0][i], k[1][i], k[2][i], received[i], i))


@settings(max_examples=150, deadline=None)
@given(st.lists(item_st, min_size=1, max_size=12), st.integers(0, 30 * 24 * H))
def test_least_slack_stored_order_is_the_policy_order(
    raw: list[tuple[int, int, int, int]], offset: int
) -> None:
    q = _queue(raw)
    latest = rank.latest_start(CAL, q["started"], q["due"], q["handling"])
    k = rank.keys(
        "least_slack", priority=q["priority"], received=q["started"], due=q["due"], latest=latest
    )
    now = START + offset
    expected = [c.item_id for c in order(_candidates(q, now), least_slack)]
    assert _stored_order(k, q["started"]) == expected


@settings(max_examples=150, deadline=None)
@given(
    st.lists(item_st, min_size=1, max_size=12),
    st.integers(0, 30 * 24 * H),
    st.sampled_from([(1, 0, 0), (1, 2, 0), (1, 1, 1), (0, 1, 1), (3, 0, 2)]),
)
def test_weighted_stored_order_is_the_policy_order(
    raw: list[tuple[int, int, int, int]], offset: int, w: tuple[int, int, int]
) -> None:
    q = _queue(raw)
    weights = {"slack": Decimal(w[0]), "priority": Decimal(w[1]), "age": Decimal(w[2])}
    latest = rank.latest_start(CAL, q["started"], q["due"], q["handling"])
    k = rank.keys(
        "weighted",
        priority=q["priority"],
        received=q["started"],
        due=q["due"],
        latest=latest,
        business_latest=rank.business_since_epoch(CAL, latest),
        weights=weights,
    )
    now = START + offset
    policy = weighted(weights, now=datetime.fromtimestamp(now, UTC))
    # Scores are compared as floats in the database and as decimals in the policy:
    # compare the orders where no two scores are within float rounding of each other.
    scores = sorted(float(policy(c)[1]) for c in _candidates(q, now))  # type: ignore[arg-type]
    if any(b - a < 1e-6 for a, b in itertools.pairwise(scores)):
        return
    expected = [c.item_id for c in order(_candidates(q, now), policy)]
    assert _stored_order(k, q["started"]) == expected
