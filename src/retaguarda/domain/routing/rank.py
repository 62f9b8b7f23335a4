"""The routing policies as keys the database can index: (k0, k1, k2), then received
and id, smallest first.

A policy in `policies.py` orders items by a key that depends on "now" (slack is the
business time left *now* minus the handling time). Stored keys cannot change with
the clock, so each is rewritten into a key fixed per item that orders the same way
at every instant (docs/routing.md, "Keys the database can index"):

- `least_slack`: slack(now) = B(now, due) - h. Let the latest start LS be the first
  instant with B(LS, due) = h. Then slack(now) = B(now, LS), which for every `now`
  grows with LS: ordering by LS orders by slack. Key: (no clock, LS, priority).
- `earliest_deadline`: (no clock, due or received, priority): the policy's key as is.
- `priority`: (0, priority, 0).  `fifo`: (0, 0, 0): received and id decide.
- `weighted`: w_s*slack_h + w_p*priority - w_a*age_h. With B(t) the business seconds
  since a fixed EPOCH in the item's calendar, slack = B(LS) - B(now) and
  age = now - received, so the score is w_s*B(LS)/3600 + w_p*priority
  + w_a*received_h minus terms equal for every item: key (no clock and w_s != 0,
  that sum, 0).

Within one calendar the stored order is the policy's order at every instant
(tests/domain/routing/test_rank.py checks it on random queues). Items measured on
different calendars are compared by the instant of their latest start (and, for
`weighted`, by business seconds each counted on its own calendar).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.routing.policies import POLICIES, WEIGHTS

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
NAT = np.iinfo(np.int64).min
UNRANKED = (2, 0.0, 0)  # after every ranked key (ranked k0 is 0 or 1)
# Origin of the business seconds in `weighted` keys (any fixed instant would do).
EPOCH = datetime(2024, 1, 1, tzinfo=UTC)


def latest_start(calendar: BusinessCalendar, started: I64, due: I64, handling_s: I64) -> I64:
    """The first instant from which only `handling_s` business seconds remain to `due`.

    That is the earliest instant LS with B(LS) = B(due) - h: when several instants
    have that business time (a closing time and the next opening, or a whole closed
    night), the earliest, so that equal slack always means an equal key. It is found
    by adding B(anchor, due) - h to an anchor 30 days before the earliest start
    (adding lands on the earliest instant). When the handling time reaches past the
    anchor, LS is placed before the start by as many calendar seconds as business
    seconds are missing, which keeps such items first and ordered by how short they fall.
    """
    if not len(started):
        return np.zeros(0, dtype=np.int64)
    anchor = np.full(len(started), int(started.min()) - _ANCHOR_S, dtype=np.int64)
    amount = _between(calendar, anchor, due) - handling_s
    ahead = amount > 0
    result: I64 = started + np.minimum(_between(calendar, started, due) - handling_s, 0)
    if ahead.any():
        hours = amount[ahead].astype(np.float64) / 3600.0
        added = calendar.add_many(anchor[ahead].astype("datetime64[s]"), hours, "business_hours")
        result[ahead] = added.astype(np.int64)
    return result


_ANCHOR_S = 30 * 86_400


def _between(calendar: BusinessCalendar, a: I64, b: I64) -> I64:
    result: I64 = calendar.between_many(a.astype("datetime64[s]"), b.astype("datetime64[s]"))
    return result


def business_since_epoch(calendar: BusinessCalendar, instants: I64) -> I64:
    """B(EPOCH, t) for each instant (negative before the epoch)."""
    epoch = np.full(len(instants), int(EPOCH.timestamp()), dtype="datetime64[s]")
    result: I64 = calendar.between_many(epoch, instants.astype("datetime64[s]"))
    return result


def keys(
    policy: str,
    *,
    priority: I64,
    received: I64,
    due: I64,
    latest: I64,
    business_latest: I64 | None = None,
    weights: Mapping[str, Decimal] | None = None,
) -> tuple[I64, F64, I64]:
    """(k0, k1, k2) per item under `policy`; NAT in `due`/`latest`: no resolution clock.

    Instants are epoch seconds (UTC). `business_latest` (B(EPOCH, LS)) is read by
    `weighted` only.
    """
    n = len(priority)
    missing = due == NAT
    zero_i = np.zeros(n, dtype=np.int64)
    if policy == "least_slack":
        return missing.astype(np.int64), np.where(missing, 0, latest).astype(np.float64), priority
    if policy == "earliest_deadline":
        return (
            missing.astype(np.int64),
            np.where(missing, received, due).astype(np.float64),
            priority,
        )
    if policy == "priority":
        return zero_i, priority.astype(np.float64), zero_i
    if policy == "fifo":
        return zero_i, np.zeros(n, dtype=np.float64), zero_i
    if policy == "weighted":
        return _weighted(weights or {}, priority, received, missing, business_latest)
    known = ", ".join([*POLICIES, "weighted"])
    raise InvalidInput("routing", f"unknown policy {policy!r}; known: {known}")


def _weighted(
    weights: Mapping[str, Decimal],
    priority: I64,
    received: I64,
    missing: npt.NDArray[np.bool_],
    business_latest: I64 | None,
) -> tuple[I64, F64, I64]:
    w = {name: float(weights.get(name, 0)) for name in WEIGHTS}
    score = w["priority"] * priority.astype(np.float64) + w["age"] * (
        received.astype(np.float64) / 3600.0
    )
    if w["slack"]:
        if business_latest is None:
            raise ValueError("weighted keys with a slack weight need business_latest")
        slack = np.where(missing, 0, business_latest).astype(np.float64) / 3600.0
        score = score + w["slack"] * slack
        flag = missing.astype(np.int64)
    else:
        flag = np.zeros(len(priority), dtype=np.int64)
    return flag, score, np.zeros(len(priority), dtype=np.int64)
