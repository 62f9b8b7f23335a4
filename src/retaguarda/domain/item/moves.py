"""Supervisor moves: which action takes an item to a target, and why one is left alone.

Invariants:
- A move is one lifecycle action per item (`assign` to an agent, `unassign` back to
  the queue, `transfer` to another area's queue); `lifecycle.transition` still
  decides and records each one, so a move is an ordinary event in the item's log.
- `skip_reason` is the one definition of why a bulk move leaves an item alone: a dry
  run and the real run share it, so a dry run predicts the run (barring changes
  made meanwhile by others).
- An agent is given only items of the areas they work in (`check_assignee`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from retaguarda.domain.catalog import Agent
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.item.lifecycle import ACTIONS, TransitionCommand
from retaguarda.domain.item.model import Action, WorkItem

# Why an item was skipped, besides its status (the action does not apply to it).
ALREADY_ASSIGNED = "already_assigned"  # to the target agent: reassigning would restart it
ALREADY_IN_AREA = "already_in_area"  # the target area is the item's own
ASSIGNEE_NOT_IN_AREA = "assignee_not_in_area"  # the target agent does not work there
CHANGED_CONCURRENTLY = "changed_concurrently"  # someone changed it between read and write


@dataclass(frozen=True, slots=True)
class MoveTarget:
    """Where a move takes items: exactly one of an agent, the queue, another area."""

    assignee: str | None = None
    queue: bool = False
    area: str | None = None

    def __post_init__(self) -> None:
        given = [self.assignee is not None, self.queue, self.area is not None]
        if sum(given) != 1:
            raise InvalidInput("to", "give exactly one of assignee, queue (true) or area")

    @property
    def action(self) -> Action:
        if self.assignee is not None:
            return Action.ASSIGN
        if self.area is not None:
            return Action.TRANSFER
        return Action.UNASSIGN


def command(target: MoveTarget, *, at: datetime, actor: str, note: str | None) -> TransitionCommand:
    """The lifecycle command that moves an item to `target`."""
    return TransitionCommand(
        action=target.action,
        at=at,
        actor=actor,
        note=note,
        assignee=target.assignee,
        area=target.area,
    )


def skip_reason(
    item: WorkItem, target: MoveTarget, *, assignee_areas: Collection[str] = ()
) -> str | None:
    """Why a move to `target` leaves `item` alone, or None if it moves.

    Args:
        item: the item as read.
        target: where the move goes.
        assignee_areas: the areas the target agent works in (moves to an agent).

    Returns:
        The item's status when the move's action does not apply to it (e.g.
        `pending_customer`), one of the reasons above, or None.
    """
    if item.status not in ACTIONS[target.action].sources:
        return item.status.value
    if target.assignee is not None:
        if item.assignee == target.assignee:
            return ALREADY_ASSIGNED
        if item.area not in assignee_areas:
            return ASSIGNEE_NOT_IN_AREA
    if target.area is not None and item.area == target.area:
        return ALREADY_IN_AREA
    return None


def check_assignee(agent: Agent, area: str) -> None:
    """Raise InvalidInput on `assignee` unless `agent` works in `area`."""
    if area not in agent.areas:
        works = ", ".join(agent.areas) or "no area"
        raise InvalidInput(
            "assignee",
            f"agent {agent.key!r} does not work in area {area!r} (works in: {works})",
        )
