"""Pydantic I/O for supervisor moves (POST /items/move)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from retaguarda.domain.item.model import Status
from retaguarda.domain.item.moves import MoveTarget
from retaguarda.services.moves import MoveResult
from retaguarda.storage.repos.item import ItemFilter


class MoveFilter(BaseModel):
    """Which items to move; every criterion given must hold (at least one is needed)."""

    model_config = ConfigDict(extra="forbid")

    area: list[str] = Field(default_factory=list, description="the items' areas")
    tier: list[str] = Field(default_factory=list)
    case_type: list[str] = Field(default_factory=list)
    assignee: str | None = Field(None, description="an agent key; null: anyone or nobody")
    status: list[Status] = Field(
        default_factory=list, description="default: the open statuses (new … pending_area)"
    )

    def to_filter(self) -> ItemFilter:
        return ItemFilter(
            status=[s.value for s in self.status],
            area=self.area,
            tier=self.tier,
            case_type=self.case_type,
            assignee=self.assignee,
        )


class MoveTo(BaseModel):
    """Exactly one of: an agent (`assign`), the queue (`unassign`), an area (`transfer`)."""

    model_config = ConfigDict(extra="forbid")

    assignee: str | None = None
    queue: bool = False
    area: str | None = None

    def to_target(self) -> MoveTarget:
        return MoveTarget(assignee=self.assignee, queue=self.queue, area=self.area)


class MoveCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    filter: MoveFilter
    to: MoveTo
    note: Annotated[str, Field(max_length=2000)] | None = None
    dry_run: bool = Field(False, description="count only: change nothing")


class MoveRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    matched: int = Field(description="items the filter matched among those the caller sees")
    moved: int = Field(description="items moved (0 on a dry run)")
    dry_run: bool
    skipped: dict[str, int] = Field(
        description="items left alone by reason: a status the action does not apply to, "
        "already_assigned, already_in_area, assignee_not_in_area, changed_concurrently"
    )
    item_ids: list[int] = Field(description="the items moved; on a dry run, those that would be")

    @classmethod
    def of(cls, result: MoveResult) -> MoveRead:
        return cls.model_validate(result)
