"""Who may take an item now: presence, capacity, schedule, skills, area and tier.

Invariants:
- `why_not` lists every reason an agent may not take an item (empty: eligible), so
  the next-item claim and "why did nobody get this?" share one definition.
- The skills an item requires are its case type's (level 1 unless the case type
  says more) raised by the configured rules that apply to it (e.g. an amount of
  5,000 or more needs billing at level 4; the regulator channel needs ombudsman).
  A requirement is met by the agent's level being at least the one required.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.catalog import Agent
from retaguarda.domain.item.model import WorkItem
from retaguarda.domain.types import require_aware


class Presence(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


@dataclass(frozen=True, slots=True)
class SkillRule:
    """`skill` at `level` or more for items matching every condition given."""

    skill: str
    level: int
    amount_gte: Decimal | None = None
    channel: tuple[str, ...] = ()
    case_type: tuple[str, ...] = ()

    def applies(self, item: WorkItem) -> bool:
        return self.matches(item.case_type, item.channel.value, item.amount)

    def matches(self, case_type: str, channel: str, amount: Decimal | None) -> bool:
        if self.amount_gte is not None and (amount is None or amount < self.amount_gte):
            return False
        if self.channel and channel not in self.channel:
            return False
        return not self.case_type or case_type in self.case_type


@dataclass(frozen=True, slots=True)
class AgentNow:
    """An agent as the claim sees them at one instant (the caller reads the clock,
    the presence and the load, and evaluates the schedule)."""

    agent: Agent
    presence: Presence
    load: int  # items assigned to them or in progress
    working: bool = True  # inside their schedule now (no schedule: always)


def on_shift(schedule: BusinessCalendar | None, at: datetime) -> bool:
    """Whether `at` falls inside the agent's working spans (no schedule: always).

    A span includes its start and excludes its end: with 09:00-14:00, 13:59:59 is
    on shift and 14:00:00 is not.
    """
    require_aware(at, field="at")
    return schedule is None or schedule.between(at, at + timedelta(seconds=1)) == 1


def required_skills(
    item: WorkItem, case_type_skills: Mapping[str, int], rules: Sequence[SkillRule]
) -> dict[str, int]:
    """Skill -> minimum level the item needs."""
    needed = dict(case_type_skills)
    for rule in rules:
        if rule.applies(item):
            needed[rule.skill] = max(needed.get(rule.skill, 0), rule.level)
    return needed


def needs_of(
    case_type: str,
    channel: str,
    amount: Decimal | None,
    case_type_skills: Mapping[str, Sequence[str]],
    rules: Sequence[SkillRule],
) -> dict[str, int]:
    """`required_skills` from an item's fields (what ranking stores with a queued row):
    its case type's skills at level 1, raised by the rules that apply."""
    needed = dict.fromkeys(case_type_skills.get(case_type, ()), 1)
    for rule in rules:
        if rule.matches(case_type, channel, amount):
            needed[rule.skill] = max(needed.get(rule.skill, 0), rule.level)
    return needed


def meets(skills: Mapping[str, int], needed: Mapping[str, int]) -> bool:
    """Whether an agent with `skills` has every needed skill at its level."""
    return all(skills.get(skill, 0) >= level for skill, level in needed.items())


def why_not_now(state: AgentNow) -> list[str]:
    """Every reason `state.agent` may take no item at all now (presence, capacity,
    schedule); empty when they may take some."""
    agent = state.agent
    reasons = []
    if state.presence is not Presence.AVAILABLE:
        reasons.append(f"{agent.key} is {state.presence.value}")
    if state.load >= agent.capacity:
        reasons.append(f"{agent.key} is at capacity ({state.load} of {agent.capacity})")
    if not state.working:
        reasons.append(f"{agent.key} is outside their schedule")
    return reasons


def why_not(state: AgentNow, item: WorkItem, needed: Mapping[str, int]) -> list[str]:
    """Every reason `state.agent` may not take `item` now; empty when they may."""
    agent = state.agent
    reasons = why_not_now(state)
    if item.area not in agent.areas:
        reasons.append(f"area {item.area!r} is not one of {agent.key}'s")
    if item.tier not in agent.tiers:
        reasons.append(f"tier {item.tier!r} is not one of {agent.key}'s")
    for skill, level in sorted(needed.items()):
        has = agent.skills.get(skill, 0)
        if has < level:
            reasons.append(
                f"needs {skill} at level {level}; {agent.key} has "
                + (f"level {has}" if has else "none")
            )
    return reasons


def is_eligible(state: AgentNow, item: WorkItem, needed: Mapping[str, int]) -> bool:
    return not why_not(state, item, needed)
