"""Small typed builders for pure domain values (no database, no services)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from retaguarda.domain.item.lifecycle import TransitionCommand
from retaguarda.domain.item.model import (
    Action,
    Channel,
    Customer,
    ItemDraft,
    Status,
    WorkItem,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
LAST_EVENT_AT = T0 + timedelta(hours=1)  # when `item()` last changed
AT = T0 + timedelta(hours=2)  # when commands happen unless told otherwise
LADDER = (
    "first_level",
    "backoffice_l1",
    "backoffice_l2",
    "backoffice_l3",
    "pre_ombudsman",
    "ombudsman",
)

# Statuses that only a prior `assign` can reach keep the assignee from it.
_ASSIGNED_STATUSES = frozenset(
    {
        Status.ASSIGNED,
        Status.IN_PROGRESS,
        Status.PENDING_CUSTOMER,
        Status.PENDING_AREA,
        Status.RESOLVED,
        Status.CLOSED,
    }
)


def item(status: Status = Status.NEW, **overrides: Any) -> WorkItem:
    """A coherent invoice-dispute item in `status`, last changed at `LAST_EVENT_AT`."""
    values: dict[str, Any] = {
        "id": 7,
        "external_ref": "CRM-1001",
        "channel": Channel.EMAIL,
        "case_type": "invoice_dispute",
        "status": status,
        "area": "backoffice",
        "tier": "backoffice_l1",
        "journey": ("backoffice_l1",),
        "created_at": T0,
        "updated_at": LAST_EVENT_AT,
        "version": 4,
        "assignee": "ana" if status in _ASSIGNED_STATUSES else None,
        "pending_area": "finance" if status is Status.PENDING_AREA else None,
    }
    values.update(overrides)
    if "tier" in overrides and "journey" not in overrides:
        values["journey"] = (overrides["tier"],)
    return WorkItem(**values)


def command(action: Action, *, at: datetime = AT, **fields: Any) -> TransitionCommand:
    """A command by supervisor sofia at `at` (two hours after T0 by default)."""
    return TransitionCommand(action=action, at=at, actor="sofia", **fields)


def draft(**overrides: Any) -> ItemDraft:
    """A full draft: customer, exact amount, tags."""
    values: dict[str, Any] = {
        "external_ref": "CRM-1001",
        "channel": Channel.EMAIL,
        "case_type": "invoice_dispute",
        "area": "backoffice",
        "tier": "backoffice_l1",
        "created_at": T0,
        "subject": "Charged twice in February",
        "description": "Invoice 2026-02 shows the same line twice.",
        "customer": Customer(
            external_id="C-42",
            name="Maria Lima",
            email="maria@example.com",
            language="pt_BR",
            segment="retail",
        ),
        "amount": Decimal("1234.50"),
        "priority": 2,
        "reason": "billing_error",
        "tags": ("vip", "second_contact"),
    }
    values.update(overrides)
    return ItemDraft(**values)
