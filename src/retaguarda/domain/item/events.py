"""Events: the append-only facts every item state is derived from.

Invariants:
- An item's first event is `created` and carries the whole initial state.
- A later event is a transition, whose `data` holds `action`, `from`, `to` and
  `changes` (only the fields it changed), or a fact that is no transition (no
  `to`): a satisfaction answer (`csat_recorded`, data `score` and `comment`),
  which sets the item's `csat`, or an SLA alert, which changes nothing.
  `replay.evolve` is the single definition of how an event changes state.
- `schema_version` is stored with every event so that later versions of the
  payload can be upgraded by small pure functions instead of migrations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from retaguarda.domain.item.model import Action, Customer, ItemDraft

SCHEMA_VERSION = 1
CREATED = "created"
CSAT_RECORDED = "csat_recorded"  # the customer's satisfaction answer (domain.item.satisfaction)

EVENT_TYPE: Mapping[Action, str] = {
    Action.QUEUE: "queued",
    Action.ASSIGN: "assigned",
    Action.UNASSIGN: "unassigned",
    Action.START: "started",
    Action.PEND_CUSTOMER: "pended_customer",
    Action.PEND_AREA: "pended_area",
    Action.RESUME: "resumed",
    Action.RESOLVE: "resolved",
    Action.REOPEN: "reopened",
    Action.ESCALATE: "escalated",
    Action.TRANSFER: "transferred",
    Action.CANCEL: "cancelled",
    Action.CLOSE: "closed",
}


@dataclass(frozen=True, slots=True)
class Event:
    """One fact about one item. `id` and `item_id` are given by storage."""

    type: str
    at: datetime
    actor: str
    data: Mapping[str, Any] = field(default_factory=dict)
    item_id: int | None = None
    id: int | None = None
    schema_version: int = SCHEMA_VERSION


def customer_to_data(customer: Customer | None) -> dict[str, Any] | None:
    """Plain-JSON form of a customer, or None."""
    if customer is None:
        return None
    return {
        "external_id": customer.external_id,
        "name": customer.name,
        "email": customer.email,
        "language": customer.language,
        "segment": customer.segment,
    }


def customer_from_data(data: Mapping[str, Any] | None) -> Customer | None:
    """Inverse of `customer_to_data`."""
    if data is None:
        return None
    return Customer(
        external_id=data["external_id"],
        name=data.get("name"),
        email=data.get("email"),
        language=data.get("language"),
        segment=data.get("segment"),
    )


def created_event(draft: ItemDraft, *, actor: str) -> Event:
    """The `created` event for a draft: everything needed to rebuild the new item."""
    data: dict[str, Any] = {
        "external_ref": draft.external_ref,
        "channel": draft.channel.value,
        "case_type": draft.case_type,
        "area": draft.area,
        "tier": draft.tier,
        "subject": draft.subject,
        "description": draft.description,
        "customer": customer_to_data(draft.customer),
        "amount": None if draft.amount is None else str(draft.amount),
        "priority": draft.priority,
        "reason": draft.reason,
        "tags": list(draft.tags),
    }
    if draft.repeat_of is not None:
        # Only on repeat contacts, so every other payload stays as it was.
        data["repeat_of"] = draft.repeat_of
    return Event(type=CREATED, at=draft.created_at, actor=actor, data=data)


def amount_from_data(value: str | None) -> Decimal | None:
    """Amounts travel as strings in event data so no precision is lost in JSON."""
    return None if value is None else Decimal(value)
