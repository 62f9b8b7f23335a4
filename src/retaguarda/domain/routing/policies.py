"""Routing policies: the order in which eligible items are offered, smallest key first.

Every policy is a pure function from a `Candidate` to a sort key, registered by
name (`POLICIES`), so the next-item claim, its database index and the simulator
order items the same way. Ties always end on age and then id, so an order is total
and repeatable.

- `least_slack` (default): slack = remaining business time to the resolution due
  minus the expected handling time; then priority (1 most urgent), then age.
  Items without an SLA clock come after every item that has one.
- `earliest_deadline`: resolution due instant; then priority, then age.
- `priority`: priority class, then age.
- `fifo`: age (received first, served first).
- `weighted`: w_slack * slack hours + w_priority * priority - w_age * age hours,
  smallest first (weights from the configuration); items without an SLA clock last.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.types import require_aware


@dataclass(frozen=True, slots=True)
class Candidate:
    """What the policies know of a queued item, as of the moment of the choice."""

    item_id: int
    priority: int
    received: datetime
    due_at: datetime | None = None  # resolution due, if the item has an SLA clock
    remaining_s: int | None = None  # business seconds to that due (negative: overdue)
    handling_s: int = 0  # the case type's expected handling time

    @property
    def slack_s(self) -> int | None:
        return None if self.remaining_s is None else self.remaining_s - self.handling_s


SortKey = tuple[object, ...]
Policy = Callable[[Candidate], SortKey]


def _age(c: Candidate) -> SortKey:
    return (require_aware(c.received, field="received"), c.item_id)


def least_slack(c: Candidate) -> SortKey:
    slack = c.slack_s
    return (slack is None, slack or 0, c.priority, *_age(c))


def earliest_deadline(c: Candidate) -> SortKey:
    return (c.due_at is None, c.due_at or c.received, c.priority, *_age(c))


def priority(c: Candidate) -> SortKey:
    return (c.priority, *_age(c))


def fifo(c: Candidate) -> SortKey:
    return _age(c)


WEIGHTS = ("slack", "priority", "age")


def weighted(weights: Mapping[str, Decimal | float | int], *, now: datetime) -> Policy:
    """A policy scoring w_slack * slack h + w_priority * priority - w_age * age h."""
    unknown = sorted(set(weights) - set(WEIGHTS))
    if unknown:
        raise InvalidInput("weights", f"unknown weight {unknown[0]!r}; known: {', '.join(WEIGHTS)}")
    w = {name: Decimal(str(weights.get(name, 0))) for name in WEIGHTS}
    require_aware(now, field="now")

    def key(c: Candidate) -> SortKey:
        slack = c.slack_s
        age_h = Decimal((now - c.received).total_seconds()) / 3600
        score = w["priority"] * c.priority - w["age"] * age_h
        if slack is not None:
            score += w["slack"] * Decimal(slack) / 3600
        return (slack is None and w["slack"] != 0, score, *_age(c))

    return key


POLICIES: dict[str, Policy] = {
    "least_slack": least_slack,
    "earliest_deadline": earliest_deadline,
    "priority": priority,
    "fifo": fifo,
}
DEFAULT = "least_slack"


def policy_named(
    name: str, *, weights: Mapping[str, Decimal | float | int] | None = None, now: datetime
) -> Policy:
    """The registered policy `name` (`weighted` needs its weights)."""
    if name == "weighted":
        if not weights:
            raise InvalidInput("routing", "the weighted policy needs weights")
        return weighted(weights, now=now)
    try:
        return POLICIES[name]
    except KeyError:
        known = ", ".join([*POLICIES, "weighted"])
        raise InvalidInput("routing", f"unknown policy {name!r}; known: {known}") from None


def order(candidates: Iterable[Candidate], policy: Policy) -> list[Candidate]:
    """The candidates in the order the policy offers them."""
    return sorted(candidates, key=policy)
