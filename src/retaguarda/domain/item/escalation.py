"""Automatic escalation: the `escalation` section of the configuration.

```yaml
escalation:
  - {when: resolution_breached, to: backoffice_l2}
  - {when: {amount_gte: 10000}, to: backoffice_l2}
  - {when: {channel: ombudsman}, enter_at: ombudsman}
```

Invariants:
- A rule has one trigger and one effect. `when` is `resolution_breached` or a mapping
  of conditions that must all hold (`amount_gte`, `channel`, `case_type`; the last two
  take one value or a list). `to: TIER` escalates an item below TIER to it; `enter_at:
  TIER` makes a received item start at TIER (mapping conditions only).
- Rules only raise items: a rule never applies to an item at or above its tier.
- When several rules apply to one item at one moment, the highest tier wins; on a
  tie, the rule listed first.
- An escalation is made by `lifecycle.transition` (action `escalate`), so its state
  and event are those of a manual one; the reason names the rule, numbered from 1.
- Pure: no I/O, no clock. `check` returns every problem with its path, so a file is
  applied whole or not at all; `from_document` builds the rules of a checked one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from retaguarda.domain.catalog import Problem
from retaguarda.domain.item import replay
from retaguarda.domain.item.events import Event, created_event
from retaguarda.domain.item.lifecycle import TransitionCommand, transition
from retaguarda.domain.item.model import Action, Channel, ItemDraft, Status, WorkItem

ESCALATION = "escalation"
RESOLUTION_BREACHED = "resolution_breached"
CONDITIONS = ("amount_gte", "channel", "case_type")
SYSTEM = "system"  # the actor of escalations decided at intake
OPEN = frozenset(
    {
        Status.NEW,
        Status.QUEUED,
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PENDING_CUSTOMER,
        Status.PENDING_AREA,
    }
)
_KEYS = ("when", "to", "enter_at")
_SHAPE = "{when: resolution_breached | {amount_gte, channel, case_type}, to | enter_at: TIER}"


class Matchable(Protocol):
    """What the conditions read of an item (an input, a draft or a stored item)."""

    @property
    def channel(self) -> Channel: ...
    @property
    def case_type(self) -> str: ...
    @property
    def amount(self) -> Decimal | None: ...


class Received(Matchable, Protocol):
    """A received item with the tier it starts at."""

    @property
    def tier(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Condition:
    """Conditions that must all hold; an empty tuple does not constrain."""

    amount_gte: Decimal | None = None
    channel: tuple[str, ...] = ()
    case_type: tuple[str, ...] = ()

    def matches(self, item: Matchable) -> bool:
        if self.amount_gte is not None and (item.amount is None or item.amount < self.amount_gte):
            return False
        if self.channel and item.channel.value not in self.channel:
            return False
        return not self.case_type or item.case_type in self.case_type

    def describe(self) -> str:
        """E.g. `amount >= 10000, channel in (email, web)`."""
        parts = []
        if self.amount_gte is not None:
            parts.append(f"amount >= {format(self.amount_gte.normalize(), 'f')}")
        for name, values in (("channel", self.channel), ("case type", self.case_type)):
            if len(values) == 1:
                parts.append(f"{name} = {values[0]}")
            elif values:
                parts.append(f"{name} in ({', '.join(values)})")
        return ", ".join(parts)


@dataclass(frozen=True, slots=True)
class Rule:
    number: int  # position in the configured list, from 1
    when: Condition | None  # None: the item's resolution clock breached
    to: str | None = None
    enter_at: str | None = None

    @property
    def tier(self) -> str:
        tier = self.to or self.enter_at
        assert tier is not None
        return tier

    @property
    def reason(self) -> str:
        """The escalation's reason: which rule, and what it checks."""
        what = "resolution breached" if self.when is None else self.when.describe()
        return f"escalation rule {self.number}: {what}"


def entry_tier(rules: Iterable[Rule], item: Matchable, ladder: Sequence[str]) -> str | None:
    """The tier a received item starts at by the `enter_at` rules (None: none applies)."""
    matching = [r for r in rules if r.enter_at and r.when is not None and r.when.matches(item)]
    chosen = _highest(matching, ladder)
    return None if chosen is None else chosen.tier


def intake_rule(rules: Iterable[Rule], item: Received, ladder: Sequence[str]) -> Rule | None:
    """The rule that escalates a just-received item, if any (a `to` rule whose
    conditions it meets, to a tier above the one it starts at)."""
    matching = [r for r in rules if r.to and r.when is not None and r.when.matches(item)]
    return _above(item.tier, matching, ladder)


def breach_rule(rules: Iterable[Rule], item: WorkItem, ladder: Sequence[str]) -> Rule | None:
    """The `resolution_breached` rule that escalates `item`, if any: only open items
    climb for a breach (a resolved one has met or missed its target already)."""
    if item.status not in OPEN:
        return None
    return _above(item.tier, [r for r in rules if r.to and r.when is None], ladder)


def _above(tier: str, rules: Sequence[Rule], ladder: Sequence[str]) -> Rule | None:
    if tier not in ladder:
        return None
    rank = ladder.index(tier)
    return _highest([r for r in rules if r.tier in ladder and ladder.index(r.tier) > rank], ladder)


def _highest(rules: Sequence[Rule], ladder: Sequence[str]) -> Rule | None:
    best: Rule | None = None
    for rule in rules:
        if rule.tier not in ladder:
            continue
        if best is None or ladder.index(rule.tier) > ladder.index(best.tier):
            best = rule
    return best


def escalate_received(
    draft: ItemDraft, rule: Rule, *, ladder: Sequence[str]
) -> tuple[WorkItem, Event]:
    """A just-received item escalated by `rule` the instant it was received, by SYSTEM:
    the state it is stored in (id 0 until it has one) and the `escalated` event that
    follows its `created` event."""
    item = replay.start(0, created_event(draft, actor=SYSTEM))
    return escalate(item, rule, at=draft.created_at, actor=SYSTEM, ladder=ladder)


def escalate(
    item: WorkItem, rule: Rule, *, at: datetime, actor: str, ladder: Sequence[str]
) -> tuple[WorkItem, Event]:
    """Escalate `item` by `rule` (a `to` rule): the new state and its `escalated` event.

    Raises:
        IllegalTransition, InvalidInput: as `lifecycle.transition` does.
    """
    command = TransitionCommand(
        action=Action.ESCALATE, at=at, actor=actor, reason=rule.reason, to_tier=rule.to
    )
    return transition(item, command, ladder=ladder)


# -- the configuration section ------------------------------------------------------


def check(document: Any, *, tiers: Sequence[str], case_types: set[str]) -> list[Problem]:
    """Every problem of an `escalation` section, with its path (`escalation[1].to`)."""
    if not isinstance(document, list):
        return [Problem(ESCALATION, f"must be a list of {_SHAPE}")]
    problems: list[Problem] = []
    for i, rule in enumerate(document):
        at = f"{ESCALATION}[{i}]"
        if not isinstance(rule, Mapping):
            problems.append(Problem(at, f"must be {_SHAPE}"))
            continue
        problems += [Problem(f"{at}.{k}", "unknown key") for k in rule if k not in _KEYS]
        problems += _check_when(f"{at}.when", rule.get("when"), case_types)
        effects = [k for k in ("to", "enter_at") if k in rule]
        if not effects:
            problems.append(Problem(at, "needs `to: TIER` (escalate) or `enter_at: TIER`"))
        elif len(effects) == 2:
            problems.append(Problem(at, "give `to` or `enter_at`, not both"))
        for key in effects:
            tier = rule[key]
            if not isinstance(tier, str) or tier not in tiers:
                problems.append(Problem(f"{at}.{key}", f"unknown tier {tier!r}"))
        if rule.get("when") == RESOLUTION_BREACHED and "enter_at" in rule:
            problems.append(
                Problem(f"{at}.enter_at", "a breach happens after intake: use `to` with it")
            )
    return problems


def _check_when(at: str, when: Any, case_types: set[str]) -> list[Problem]:
    expected = f"{RESOLUTION_BREACHED} or a mapping of {', '.join(CONDITIONS)}"
    if when is None:
        return [Problem(at, f"is required: {expected}")]
    if isinstance(when, str):
        if when == RESOLUTION_BREACHED:
            return []
        return [Problem(at, f"unknown trigger {when!r}; expected {expected}")]
    if not isinstance(when, Mapping):
        return [Problem(at, f"must be {expected}")]
    if not when:
        return [Problem(at, f"name at least one condition: {', '.join(CONDITIONS)}")]
    problems = [Problem(f"{at}.{k}", "unknown condition") for k in when if k not in CONDITIONS]
    if "amount_gte" in when:
        amount = when["amount_gte"]
        number = isinstance(amount, int | float | Decimal) and not isinstance(amount, bool)
        if not number or not Decimal(str(amount)).is_finite() or amount < 0:
            problems.append(Problem(f"{at}.amount_gte", "must be a number, 0 or more"))
    channels = {c.value for c in Channel}
    for name, known, noun in (
        ("channel", channels, "channel"),
        ("case_type", case_types, "case type"),
    ):
        if name in when:
            problems += _check_values(f"{at}.{name}", when[name], known, noun)
    return problems


def _check_values(at: str, value: Any, known: set[str], noun: str) -> list[Problem]:
    values = value if isinstance(value, list) else [value]
    if not values:
        return [Problem(at, f"name at least one {noun}")]
    return [Problem(at, f"unknown {noun} {v!r}") for v in values if v not in known]


def from_document(document: Any | None) -> tuple[Rule, ...]:
    """The rules of a checked section (None: never configured, no rules)."""
    rules = []
    for number, entry in enumerate(document or [], start=1):
        when = entry["when"]
        condition = None
        if when != RESOLUTION_BREACHED:
            amount = when.get("amount_gte")
            condition = Condition(
                amount_gte=None if amount is None else Decimal(str(amount)),
                channel=_listed(when.get("channel")),
                case_type=_listed(when.get("case_type")),
            )
        rules.append(Rule(number, condition, to=entry.get("to"), enter_at=entry.get("enter_at")))
    return tuple(rules)


def _listed(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return tuple(value) if isinstance(value, list) else (value,)
