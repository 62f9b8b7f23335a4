"""The status state machine.

Invariants:
- `ACTIONS` is the one declaration of what each action may start from and
  where it leads; `TRANSITIONS` and `allowed_actions` are derived from it.
- `transition` is the only way to change an item: it validates, returns the
  new state and the event that records the change, or raises. It never
  mutates its input and never reads the clock (`command.at` is the instant).
- Events of one item are chronological: a command dated before the item's
  last event is refused.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from retaguarda.domain.errors import IllegalTransition, InvalidInput
from retaguarda.domain.item.events import EVENT_TYPE, Event
from retaguarda.domain.item.model import Action, Outcome, Status, WorkItem
from retaguarda.domain.item.replay import evolve
from retaguarda.domain.types import require_aware

S = Status
_OPEN = frozenset({S.NEW, S.QUEUED, S.ASSIGNED, S.IN_PROGRESS, S.PENDING_CUSTOMER, S.PENDING_AREA})


@dataclass(frozen=True, slots=True)
class ActionRule:
    sources: frozenset[Status]
    target: Status


ACTIONS: Mapping[Action, ActionRule] = {
    Action.QUEUE: ActionRule(frozenset({S.NEW}), S.QUEUED),
    Action.ASSIGN: ActionRule(frozenset({S.NEW, S.QUEUED, S.ASSIGNED, S.IN_PROGRESS}), S.ASSIGNED),
    Action.UNASSIGN: ActionRule(frozenset({S.ASSIGNED, S.IN_PROGRESS}), S.QUEUED),
    Action.START: ActionRule(frozenset({S.ASSIGNED}), S.IN_PROGRESS),
    Action.PEND_CUSTOMER: ActionRule(frozenset({S.IN_PROGRESS}), S.PENDING_CUSTOMER),
    Action.PEND_AREA: ActionRule(frozenset({S.IN_PROGRESS}), S.PENDING_AREA),
    Action.RESUME: ActionRule(frozenset({S.PENDING_CUSTOMER, S.PENDING_AREA}), S.IN_PROGRESS),
    Action.RESOLVE: ActionRule(frozenset({S.IN_PROGRESS}), S.RESOLVED),
    Action.REOPEN: ActionRule(frozenset({S.RESOLVED}), S.QUEUED),
    # A resolved item can still be escalated: the customer took it to the ombudsman.
    Action.ESCALATE: ActionRule(_OPEN | {S.RESOLVED}, S.QUEUED),
    # A supervisor move to another area's queue; an item waiting on someone stays put.
    Action.TRANSFER: ActionRule(frozenset({S.NEW, S.QUEUED, S.ASSIGNED, S.IN_PROGRESS}), S.QUEUED),
    Action.CANCEL: ActionRule(_OPEN, S.CANCELLED),
    Action.CLOSE: ActionRule(frozenset({S.RESOLVED}), S.CLOSED),
}

TRANSITIONS: Mapping[Status, frozenset[Status]] = {
    status: frozenset(rule.target for rule in ACTIONS.values() if status in rule.sources)
    for status in Status
}

# Which optional command fields each action reads; any other is refused so an
# integrator's mistake (say, `assignee` sent with `start`) is reported, not ignored.
_FIELDS: Mapping[Action, frozenset[str]] = {
    Action.QUEUE: frozenset({"area"}),
    Action.ASSIGN: frozenset({"assignee"}),
    Action.PEND_AREA: frozenset({"area"}),
    Action.RESOLVE: frozenset({"outcome"}),
    Action.ESCALATE: frozenset({"area", "to_tier"}),
    Action.TRANSFER: frozenset({"area"}),
}


def allowed_actions(status: Status) -> frozenset[Action]:
    """The actions an item in `status` accepts."""
    return frozenset(action for action, rule in ACTIONS.items() if status in rule.sources)


@dataclass(frozen=True, slots=True)
class TransitionCommand:
    """A request to act on an item. `reason` is the motive, kept on the event;
    on `resolve` it also becomes the item's root-cause reason. `outcome` (resolve
    only) says how the resolution ended; `solved` when omitted."""

    action: Action
    at: datetime
    actor: str
    note: str | None = None
    reason: str | None = None
    area: str | None = None
    to_tier: str | None = None
    assignee: str | None = None
    outcome: Outcome | None = None


def transition(
    item: WorkItem, command: TransitionCommand, *, ladder: Sequence[str]
) -> tuple[WorkItem, Event]:
    """Apply `command` to `item`.

    Args:
        item: the current state.
        command: what to do, when and by whom.
        ladder: the configured tiers, lowest first (used by `escalate`).

    Returns:
        The new state and the event that records the change.

    Raises:
        IllegalTransition: the current status does not allow the action.
        InvalidInput: a field is missing, not used by the action, or inconsistent.
    """
    rule = ACTIONS[command.action]
    if item.status not in rule.sources:
        raise IllegalTransition(
            command.action.value, item.status.value, (a.value for a in allowed_actions(item.status))
        )
    _check_fields(command)
    require_aware(command.at, field="at")
    if command.at < item.updated_at:
        raise InvalidInput(
            "at",
            f"{command.at.isoformat()} is before the item's last event "
            f"({item.updated_at.isoformat()}); events of an item are chronological",
        )
    changes = _changes(item, command, ladder)
    data: dict[str, Any] = {
        "action": command.action.value,
        "from": item.status.value,
        "to": rule.target.value,
        "changes": changes,
    }
    if command.note is not None:
        data["note"] = command.note
    if command.reason is not None:
        data["reason"] = command.reason
    event = Event(
        type=EVENT_TYPE[command.action],
        at=command.at,
        actor=command.actor,
        data=data,
        item_id=item.id,
    )
    return evolve(item, event), event


def _check_fields(command: TransitionCommand) -> None:
    used = _FIELDS.get(command.action, frozenset())
    for name in ("area", "to_tier", "assignee", "outcome"):
        if getattr(command, name) is not None and name not in used:
            raise InvalidInput(name, f"is not used by action {command.action.value!r}")


def _changes(item: WorkItem, command: TransitionCommand, ladder: Sequence[str]) -> dict[str, Any]:
    """The fields the action changes, with their new values (only real changes)."""
    action = command.action
    wanted: dict[str, Any] = {}
    if action is Action.ASSIGN:
        if not command.assignee:
            raise InvalidInput("assignee", "is required to assign an item")
        wanted["assignee"] = command.assignee
    elif action is Action.UNASSIGN:
        wanted["assignee"] = None
    elif action is Action.REOPEN:
        # Back in the queue: no longer resolved, so no outcome either.
        wanted.update(assignee=None, outcome=None)
    elif action is Action.QUEUE and command.area is not None:
        wanted["area"] = command.area
    elif action is Action.PEND_AREA:
        if not command.area:
            raise InvalidInput("area", "is required: the area the item waits on")
        if command.area == item.area:
            raise InvalidInput("area", f"{command.area!r} is the item's own area")
        wanted["pending_area"] = command.area
    elif action in (Action.RESUME, Action.CANCEL):
        # A cancelled item no longer waits on anyone; its assignee stays as history.
        wanted["pending_area"] = None
    elif action is Action.RESOLVE:
        wanted["outcome"] = _outcome(command.outcome)
        if command.reason is not None:
            wanted["reason"] = command.reason
    elif action is Action.ESCALATE:
        wanted.update(_escalation(item, command, ladder))
    elif action is Action.TRANSFER:
        # The tier stays: only escalation changes tiers.
        if not command.area:
            raise InvalidInput("area", "is required: the area the item moves to")
        if command.area == item.area:
            raise InvalidInput("area", f"the item is in {command.area!r} already")
        wanted.update(area=command.area, assignee=None)
    return {key: value for key, value in wanted.items() if getattr(item, key) != value}


def _outcome(value: Outcome | str | None) -> str:
    """The outcome a resolution records: `solved` unless told otherwise."""
    if value is None:
        return Outcome.SOLVED.value
    try:
        return Outcome(value).value
    except ValueError:
        known = ", ".join(o.value for o in Outcome)
        raise InvalidInput("outcome", f"unknown outcome {value!r} (one of: {known})") from None


def _escalation(
    item: WorkItem, command: TransitionCommand, ladder: Sequence[str]
) -> dict[str, Any]:
    if not command.reason:
        raise InvalidInput("reason", "is required to escalate: say why")
    if item.tier not in ladder:
        raise InvalidInput("tier", f"the item's tier {item.tier!r} is not on the tier ladder")
    rank = ladder.index(item.tier)
    if command.to_tier is None:
        if rank + 1 >= len(ladder):
            raise InvalidInput("to_tier", f"{item.tier!r} is already the top tier")
        target = ladder[rank + 1]
    elif command.to_tier not in ladder:
        raise InvalidInput("to_tier", f"unknown tier {command.to_tier!r}")
    elif ladder.index(command.to_tier) <= rank:
        raise InvalidInput(
            "to_tier", f"{command.to_tier!r} is not above the item's tier {item.tier!r}"
        )
    else:
        target = command.to_tier
    # From `resolved` (the customer went to the ombudsman) the item is open again:
    # its outcome goes with the resolution, as on `reopen`.
    changes: dict[str, Any] = {
        "tier": target,
        "assignee": None,
        "pending_area": None,
        "outcome": None,
    }
    if command.area is not None:
        changes["area"] = command.area
    return changes
