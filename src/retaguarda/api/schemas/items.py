"""Pydantic I/O for items. `ItemCreate` is the intake input shared with the CLI import."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field

from retaguarda.domain.item import satisfaction
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.lifecycle import allowed_actions
from retaguarda.domain.item.model import Action, Channel, Outcome, Status, WorkItem
from retaguarda.domain.sla.clock import Measured
from retaguarda.services import sla as sla_service
from retaguarda.services.intake import ItemInput

ItemCreate = ItemInput


class CustomerRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    external_id: str
    name: str | None
    email: str | None
    language: str | None
    segment: str | None


class TargetRead(BaseModel):
    amount: Decimal
    unit: str


class ClockRead(BaseModel):
    """One SLA clock (to the customer or regulator) or OLA clock (an area's promise)."""

    kind: Literal["sla", "ola"]
    metric: str = Field(description="first_response, resolution, or ola")
    policy: str | None = Field(description="the SLA policy (SLA clocks)")
    area: str | None = Field(description="the area waited on (OLA clocks)")
    calendar: str
    target: TargetRead
    started_at: datetime
    due_at: datetime = Field(description="with the calendar's UTC offset")
    state: Literal["running", "paused", "met", "breached"]
    elapsed_business_seconds: int
    remaining_business_seconds: int = Field(description="negative once overdue")
    at_risk: bool
    stopped_at: datetime | None


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
    repeat_of: int | None = Field(
        None, description="the earlier item of the same customer this one repeats"
    )
    outcome: Outcome | None = Field(
        None, description="how its resolution ended; null unless resolved or closed"
    )
    csat: int | None = Field(None, description="the customer's last satisfaction score, 1-5")
    created_at: datetime
    updated_at: datetime
    version: int
    sla: list[ClockRead] = Field(
        default_factory=list, description="SLA and OLA clocks now (docs/sla.md)"
    )

    @computed_field  # type: ignore[prop-decorator]
    @property
    def allowed_actions(self) -> list[Action]:
        """The actions the item's status accepts (the caller's role may forbid some)."""
        return sorted(allowed_actions(self.status))

    @classmethod
    def of(cls, item: WorkItem, measured: Measured | None = None) -> ItemRead:
        read = cls.model_validate(item, from_attributes=True)
        if measured is not None:
            read.sla = [ClockRead.model_validate(c) for c in sla_service.as_dicts(measured)]
        return read


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


class StayRead(BaseModel):
    """One tier of an item's journey."""

    tier: str
    area: str = Field(description="the item's area when it entered the tier")
    entered_at: datetime
    entered_by: str
    reason: str | None = Field(description="why it was escalated here; null for receipt")
    left_at: datetime | None = Field(description="null while the item is still there")


class TransitionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Action
    at: datetime | None = Field(None, description="backdate (admin and integration only)")
    note: Annotated[str, Field(max_length=2000)] | None = None
    area: str | None = None
    to_tier: str | None = None
    reason: Annotated[str, Field(max_length=100)] | None = None
    assignee: str | None = None
    outcome: Outcome | None = Field(
        None, description="resolve only: solved (default), unfounded or failed"
    )


class CsatCreate(BaseModel):
    """The customer's answer to the satisfaction survey about a resolved or closed item."""

    model_config = ConfigDict(extra="forbid")

    score: Annotated[int, Field(ge=satisfaction.SCORE_MIN, le=satisfaction.SCORE_MAX)]
    comment: Annotated[str, Field(max_length=satisfaction.COMMENT_MAX)] | None = None
    at: datetime | None = Field(None, description="when answered (admin and integration only)")


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
