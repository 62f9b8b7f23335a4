"""Work items and their vocabulary.

Invariants:
- A `WorkItem` is immutable; every change produces a new value and an `Event`
  (see `lifecycle.py`), so the event log can always rebuild it (`replay.py`).
- `journey` always ends with the current `tier`.
- `(channel, external_ref)` identifies an item from outside: intake is idempotent on it.
- `outcome` is set exactly while the item is resolved or closed (by `resolve`; `None` on
  items resolved before outcomes were recorded); `csat` is the customer's last answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    PENDING_CUSTOMER = "pending_customer"
    PENDING_AREA = "pending_area"
    RESOLVED = "resolved"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Action(StrEnum):
    QUEUE = "queue"
    ASSIGN = "assign"
    UNASSIGN = "unassign"
    START = "start"
    PEND_CUSTOMER = "pend_customer"
    PEND_AREA = "pend_area"
    RESUME = "resume"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    ESCALATE = "escalate"
    TRANSFER = "transfer"
    CANCEL = "cancel"
    CLOSE = "close"


class Outcome(StrEnum):
    """How a resolution ended, for the reports."""

    SOLVED = "solved"  # the customer's problem was solved
    UNFOUNDED = "unfounded"  # the claim had no merit: handled correctly, nothing to fix
    FAILED = "failed"  # it could not be solved: a failure in the reports


class Channel(StrEnum):
    PHONE = "phone"
    CHAT = "chat"
    EMAIL = "email"
    WEB = "web"
    APP = "app"
    STORE = "store"
    REPRESENTATIVE = "representative"
    SOCIAL = "social"
    REGULATOR = "regulator"
    OMBUDSMAN = "ombudsman"


PRIORITY_MIN = 1  # 1 is the most urgent class
PRIORITY_MAX = 4
PRIORITY_DEFAULT = 3


@dataclass(frozen=True, slots=True)
class Customer:
    """The requester, identified by the id the source system gives them."""

    external_id: str
    name: str | None = None
    email: str | None = None
    language: str | None = None
    segment: str | None = None


@dataclass(frozen=True, slots=True)
class ItemDraft:
    """An item as received, before it has an id: what intake validates and stores."""

    external_ref: str
    channel: Channel
    case_type: str
    area: str
    tier: str
    created_at: datetime
    subject: str | None = None
    description: str | None = None
    customer: Customer | None = None
    amount: Decimal | None = None
    priority: int = PRIORITY_DEFAULT
    reason: str | None = None
    tags: tuple[str, ...] = ()
    repeat_of: int | None = None  # the earlier item this one repeats (repeat contacts)


@dataclass(frozen=True, slots=True)
class WorkItem:
    """The current state of one item: exactly what folding its events yields."""

    id: int
    external_ref: str
    channel: Channel
    case_type: str
    status: Status
    area: str
    tier: str
    journey: tuple[str, ...]
    created_at: datetime
    updated_at: datetime
    version: int = 1
    assignee: str | None = None
    pending_area: str | None = None
    subject: str | None = None
    description: str | None = None
    customer: Customer | None = None
    amount: Decimal | None = None
    priority: int = PRIORITY_DEFAULT
    reason: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)
    repeat_of: int | None = None  # the earlier item this one repeats (repeat contacts)
    outcome: Outcome | None = None  # how it was resolved; None while not resolved or closed
    csat: int | None = None  # the customer's last satisfaction score (1-5), if any
