"""Pydantic I/O for items. `ItemCreate` is the intake input shared with the CLI import."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from retaguarda.domain.item.events import Event
from retaguarda.domain.item.lifecycle import allowed_actions
from retaguarda.domain.item.model import Action, Channel, Status, WorkItem
from retaguarda.services.intake import ItemInput

ItemCreate = ItemInput


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    external_id: str
    name: str | None
    email: str | None
    language: str | None
    segment: str | None


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

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

    @computed_field  # type: ignore[prop-decorator]
    @property
    def allowed_actions(self) -> list[Action]:
        """The actions the item's status accepts (the caller's role may forbid some)."""
        return sorted(allowed_actions(self.status))

    @classmethod
    def of(cls, item: WorkItem) -> ItemRead:
        return cls.model_validate(item, from_attributes=True)


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
