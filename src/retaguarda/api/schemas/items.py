"""Pydantic I/O for items. `ItemCreate` is the intake input shared with the CLI import."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from retaguarda.domain.item.events import Event
from retaguarda.domain.item.lifecycle import allowed_actions
from retaguarda.domain.item.model import Action, Channel, Status, WorkItem
from retaguarda.services.intake import ItemInput

ItemCreate = ItemInput


class CustomerRead(BaseModel):
    external_id: str
    name: str | None
    email: str | None
    language: str | None
    segment: str | None


class ItemRead(BaseModel):
    id: int
    external_ref: str
    channel: Channel
    case_type: str
    status: Status
    tier: str
    area: str
    assignee: str | None
    pending_area: str | None
    journey: list[str]
    customer: CustomerRead | None
    subject: str | None
    description: str | None
    amount: Decimal | None
    priority: int
    reason: str | None
    tags: list[str]
    created_at: datetime
    updated_at: datetime
    version: int
    allowed_actions: list[Action]

    @classmethod
    def of(cls, item: WorkItem) -> ItemRead:
        customer = None
        if item.customer is not None:
            c = item.customer
            customer = CustomerRead(
                external_id=c.external_id,
                name=c.name,
                email=c.email,
                language=c.language,
                segment=c.segment,
            )
        return cls(
            id=item.id,
            external_ref=item.external_ref,
            channel=item.channel,
            case_type=item.case_type,
            status=item.status,
            tier=item.tier,
            area=item.area,
            assignee=item.assignee,
            pending_area=item.pending_area,
            journey=list(item.journey),
            customer=customer,
            subject=item.subject,
            description=item.description,
            amount=item.amount,
            priority=item.priority,
            reason=item.reason,
            tags=list(item.tags),
            created_at=item.created_at,
            updated_at=item.updated_at,
            version=item.version,
            allowed_actions=sorted(allowed_actions(item.status)),
        )


class ItemPage(BaseModel):
    items: list[ItemRead]
    next_cursor: str | None = Field(
        description="pass as `cursor` for the next page; null at the end"
    )


class EventRead(BaseModel):
    id: int
    type: str
    at: datetime
    actor: str
    data: dict[str, Any]

    @classmethod
    def of(cls, event: Event) -> EventRead:
        assert event.id is not None
        return cls(
            id=event.id, type=event.type, at=event.at, actor=event.actor, data=dict(event.data)
        )


class TransitionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    at: datetime | None = Field(None, description="backdate (admin and integration only)")
    note: Annotated[str, Field(max_length=2000)] | None = None
    area: str | None = None
    to_tier: str | None = None
    reason: Annotated[str, Field(max_length=100)] | None = None
    assignee: str | None = None


class BulkCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[dict[str, Any]] = Field(description="item bodies as for POST /items")


class ErrorRead(BaseModel):
    error: str
    detail: str
    field: str | None


class BulkResult(BaseModel):
    index: int
    status: Literal["created", "existing", "error"]
    id: int | None = None
    error: ErrorRead | None = None


class BulkRead(BaseModel):
    created: int
    existing: int
    errors: int
    results: list[BulkResult]
