"""An item's path up the tier ladder, derived from its events.

Each stay begins at receipt or at an event that changed the tier (an escalation)
and ends at the next such event; the last stay is open. The stay records who moved
the item there, why, and the area it entered with.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from retaguarda.domain.item.events import CREATED, Event


@dataclass(frozen=True, slots=True)
class Stay:
    tier: str
    area: str
    entered_at: datetime
    entered_by: str
    reason: str | None  # the escalation's reason; None for the tier of receipt
    left_at: datetime | None = None  # None: still there


def journey(events: Sequence[Event]) -> list[Stay]:
    """The stays of the item whose ordered events are `events` (the first is `created`)."""
    stays: list[Stay] = []
    area = ""
    for event in events:
        if event.type == CREATED:
            area = event.data["area"]
            stays.append(Stay(event.data["tier"], area, event.at, event.actor, None))
            continue
        changes = event.data.get("changes") or {}
        area = changes.get("area", area)
        tier = changes.get("tier")
        if tier is None or not stays:
            continue
        stays[-1] = replace(stays[-1], left_at=event.at)
        stays.append(Stay(tier, area, event.at, event.actor, event.data.get("reason")))
    return stays
