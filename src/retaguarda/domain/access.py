"""Who may see and do what.

Invariants:
- Admins and integrations act on every area; specialists and supervisors only
  on items of their own areas, and anything outside is reported as not found
  by the adapters (so scoping does not leak which items exist).
- Specialists take items for themselves and work the items assigned to them
  (handing one back to the queue included); assigning to others, queueing new
  items, transferring to another area, reopening, cancelling and closing are
  supervisor actions. Moving an item into another area (queue, escalate,
  transfer) also needs access to that area (the services check it with
  `require_area`).
- Only admins and integrations may date an event in the past (imports of history).
- A customer's satisfaction answer is recorded by whoever may act on the item:
  admins and integrations, supervisors of its area, the specialist it is assigned to.
- Planned absences are written by admins and by supervisors of one of the agent's
  areas; the agent (a specialist linked to them) may also read their own.
- People figures (presence, absenteeism, output) of an agent are seen by admins and
  integrations, by supervisors of one of the agent's areas, and by the agent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from retaguarda.domain.catalog import Agent, Role
from retaguarda.domain.errors import Forbidden
from retaguarda.domain.item.model import Action, WorkItem

_SPECIALIST_OWN = frozenset(
    {
        Action.UNASSIGN,
        Action.START,
        Action.PEND_CUSTOMER,
        Action.PEND_AREA,
        Action.RESUME,
        Action.RESOLVE,
        Action.ESCALATE,
    }
)


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    name: str
    role: Role
    agent: str | None = None
    areas: tuple[str, ...] = ()

    @property
    def is_unscoped(self) -> bool:
        return self.role in (Role.ADMIN, Role.INTEGRATION)

    @property
    def may_backdate(self) -> bool:
        return self.role in (Role.ADMIN, Role.INTEGRATION)


def visible_areas(principal: Principal) -> tuple[str, ...] | None:
    """The areas the caller may see, or None for all."""
    return None if principal.is_unscoped else principal.areas


def can_see(principal: Principal, area: str) -> bool:
    return principal.is_unscoped or area in principal.areas


def require_area(principal: Principal, area: str, *, field: str = "area") -> None:
    """Raise Forbidden unless the caller may work in `area`."""
    if not can_see(principal, area):
        raise Forbidden(f"user {principal.name!r} may not act on area {area!r}", field=field)


def require_action(
    principal: Principal, item: WorkItem, action: Action, *, assignee: str | None
) -> None:
    """Raise Forbidden unless the caller's role allows `action` on `item`."""
    require_area(principal, item.area)
    if principal.role is not Role.SPECIALIST:
        return
    own = principal.agent
    if own is None:
        # Otherwise "assignee == own" would hold for every unassigned item.
        raise Forbidden("a specialist must be linked to an agent to act on items", field="action")
    if action is Action.ASSIGN:
        if assignee != own:
            raise Forbidden("a specialist may assign an item only to themselves", field="assignee")
        if item.assignee not in (None, own):
            raise Forbidden(
                "the item is assigned to someone else; ask a supervisor", field="action"
            )
        return
    if action not in _SPECIALIST_OWN:
        raise Forbidden(f"action {action.value!r} needs a supervisor", field="action")
    if item.assignee != own:
        raise Forbidden("a specialist may act only on items assigned to them", field="action")


def require_any_role(principal: Principal, roles: Iterable[Role], *, what: str) -> None:
    allowed = tuple(roles)  # `roles` may be a one-shot iterator; it is read twice
    if principal.role not in allowed:
        raise Forbidden(f"{what} needs role {' or '.join(r.value for r in allowed)}")


def require_agent(principal: Principal, agent: Agent) -> None:
    """Acting for an agent (presence, next item): specialists for themselves only,
    supervisors for agents who share one of their areas, admins and integrations
    for anyone."""
    if principal.is_unscoped:
        return
    if principal.role is Role.SPECIALIST:
        if principal.agent != agent.key:
            raise Forbidden("a specialist may act only for themselves", field="agent")
        return
    if principal.role is Role.SUPERVISOR and set(agent.areas) & set(principal.areas):
        return
    raise Forbidden(f"agent {agent.key!r} works outside your areas", field="agent")


def require_feedback(principal: Principal, item: WorkItem) -> None:
    """Raise Forbidden unless the caller may record the customer's satisfaction with
    `item`: anyone who may act on it (its area; a specialist only on their own item)."""
    require_area(principal, item.area)
    if principal.role is not Role.SPECIALIST:
        return
    if principal.agent is None or item.assignee != principal.agent:
        raise Forbidden("a specialist may record satisfaction only for items assigned to them")


def require_absence_writer(principal: Principal, agent: Agent) -> None:
    """Recording or removing an agent's planned absences: admins for anyone,
    supervisors for agents who share one of their areas."""
    if principal.role is Role.ADMIN:
        return
    if principal.role is not Role.SUPERVISOR:
        raise Forbidden("planned absences are recorded by a supervisor or an admin")
    if not set(agent.areas) & set(principal.areas):
        raise Forbidden(f"agent {agent.key!r} works outside your areas", field="agent")


def require_absence_reader(principal: Principal, agent: Agent) -> None:
    """Reading an agent's planned absences: those who write them, and the agent."""
    if principal.role is Role.SPECIALIST:
        if principal.agent != agent.key:
            raise Forbidden("a specialist may read only their own absences", field="agent")
        return
    require_absence_writer(principal, agent)


def can_see_agent(principal: Principal, agent: Agent) -> bool:
    """Whether the caller may see `agent`'s people figures: admins and integrations
    anyone's, supervisors those of agents sharing one of their areas, a specialist
    only their own."""
    if principal.is_unscoped:
        return True
    if principal.role is Role.SPECIALIST:
        return principal.agent is not None and principal.agent == agent.key
    return principal.role is Role.SUPERVISOR and bool(set(agent.areas) & set(principal.areas))
