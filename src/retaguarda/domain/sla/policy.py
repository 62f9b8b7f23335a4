"""SLA policies, area OLAs and the versions of the SLA configuration.

Invariants:
- Policies match in their configured order and the first match wins; a policy
  with an empty `match` matches every item (a catch-all is explicit: an item
  no policy matches has no SLA clock).
- A policy matches on the item's current case type, channel, priority, tier and
  customer segment; clocks are always computed from receipt, so a policy that
  starts to match (say after an escalation) is applied as if from the start.
- The configuration is versioned: an open item is measured with the version in
  force now, a closed or cancelled item with the version in force when it
  reached that status, so changing a policy never rewrites closed history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.item.model import Status, WorkItem

FIRST_RESPONSE = "first_response"
RESOLUTION = "resolution"
METRICS = (FIRST_RESPONSE, RESOLUTION)
MATCH_FIELDS = ("case_type", "channel", "priority", "tier", "segment")
PAUSABLE = frozenset({Status.PENDING_CUSTOMER, Status.PENDING_AREA})
DEFAULT_PAUSE_ON = frozenset({Status.PENDING_CUSTOMER})
DEFAULT_AT_RISK = Decimal("0.75")


@dataclass(frozen=True, slots=True)
class Target:
    amount: Decimal
    unit: str  # a retaguarda.calendar.Unit value

    def as_dict(self) -> dict[str, object]:
        amount = int(self.amount) if self.amount == self.amount.to_integral() else self.amount
        return {"amount": amount, "unit": self.unit}


@dataclass(frozen=True, slots=True)
class SlaPolicy:
    key: str
    calendar: str
    targets: Mapping[str, Target]  # metric -> target
    match: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # field -> accepted
    pause_on: frozenset[Status] = DEFAULT_PAUSE_ON
    at_risk: Decimal = DEFAULT_AT_RISK


@dataclass(frozen=True, slots=True)
class Ola:
    """What an area promises the back office while an item waits on it."""

    area: str
    calendar: str
    target: Target
    at_risk: Decimal = DEFAULT_AT_RISK


@dataclass(frozen=True, slots=True)
class SlaConfig:
    """One version of the SLA configuration, ready to measure items with."""

    version: int
    applied_at: datetime
    calendars: Mapping[str, BusinessCalendar]
    policies: tuple[SlaPolicy, ...] = ()
    olas: Mapping[str, Ola] = field(default_factory=dict)


def facts_of(item: WorkItem) -> dict[str, str]:
    """The values a policy can match on, as text (priority `3` matches "3" and 3)."""
    return {
        "case_type": item.case_type,
        "channel": item.channel.value,
        "priority": str(item.priority),
        "tier": item.tier,
        "segment": item.customer.segment if item.customer and item.customer.segment else "",
    }


@dataclass(frozen=True, slots=True)
class Match:
    policy: SlaPolicy
    position: int  # 1-based, in configuration order
    reason: str
    skipped: tuple[str, ...]  # why each earlier policy did not match


def match(policies: Sequence[SlaPolicy], item: WorkItem) -> Match | None:
    """The first policy whose every condition holds for `item`, with the reasons."""
    values = facts_of(item)
    skipped: list[str] = []
    for position, policy in enumerate(policies, start=1):
        failed = [
            f"{name} is {values[name]!r}, not {' or '.join(map(repr, accepted))}"
            for name, accepted in policy.match.items()
            if values[name] not in accepted
        ]
        if failed:
            skipped.append(f"policy {policy.key!r} (#{position}) skipped: {failed[0]}")
            continue
        conditions = [f"{name} = {values[name]!r}" for name in policy.match if name in policy.match]
        reason = " and ".join(conditions) if conditions else "it matches every item (catch-all)"
        return Match(policy, position, reason, tuple(skipped))
    return None


def in_force(versions: Sequence[SlaConfig], at: datetime) -> SlaConfig | None:
    """The version applied last at or before `at`; the first one for earlier instants.

    History imported from before the first configuration is measured with it:
    there is nothing else to measure it with. `versions` is in version order.
    """
    if not versions:
        return None
    chosen = versions[0]
    for config in versions:
        if config.applied_at <= at:
            chosen = config
    return chosen
