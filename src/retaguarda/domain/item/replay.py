"""Derived state: folding an item's events.

Invariant: `evolve` is the only place that turns an event into a state change.
`lifecycle.transition` (and `satisfaction.record`) decide *which* event happens
and then call `evolve`, so the state kept by the services and the state rebuilt
from the log cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.item.events import (
    CREATED,
    CSAT_RECORDED,
    Event,
    amount_from_data,
    customer_from_data,
)
from retaguarda.domain.item.model import Channel, Outcome, Status, WorkItem


def start(item_id: int, event: Event) -> WorkItem:
    """The state right after a `created` event."""
    if event.type != CREATED:
        raise InvalidInput("events", f"an item's first event must be 'created', not {event.type!r}")
    d = event.data
    return WorkItem(
        id=item_id,
        external_ref=d["external_ref"],
        channel=Channel(d["channel"]),
        case_type=d["case_type"],
        status=Status.NEW,
        area=d["area"],
        tier=d["tier"],
        journey=(d["tier"],),
        created_at=event.at,
        updated_at=event.at,
        version=1,
        subject=d.get("subject"),
        description=d.get("description"),
        customer=customer_from_data(d.get("customer")),
        amount=amount_from_data(d.get("amount")),
        priority=d.get("priority", 3),
        reason=d.get("reason"),
        tags=tuple(d.get("tags") or ()),
        repeat_of=d.get("repeat_of"),
    )


def evolve(item: WorkItem, event: Event) -> WorkItem:
    """Apply one event to `item`: a transition, or a satisfaction answer (which sets
    `csat` and nothing else of the item's state: no status, queue or clock change)."""
    if event.type == CSAT_RECORDED:
        return replace(
            item, csat=event.data["score"], updated_at=event.at, version=item.version + 1
        )
    changes = dict(event.data.get("changes", {}))
    if changes.get("outcome") is not None:
        changes["outcome"] = Outcome(changes["outcome"])
    journey = item.journey
    if "tier" in changes and changes["tier"] != item.tier:
        journey = (*journey, changes["tier"])
    return replace(
        item,
        status=Status(event.data["to"]),
        journey=journey,
        updated_at=event.at,
        version=item.version + 1,
        **changes,
    )


def fold(item_id: int, events: Iterable[Event]) -> WorkItem:
    """Rebuild an item from its whole ordered event log."""
    iterator = iter(events)
    first = next(iterator, None)
    if first is None:
        raise InvalidInput("events", "an item needs at least its 'created' event")
    item = start(item_id, first)
    for event in iterator:
        item = evolve(item, event)
    return item
