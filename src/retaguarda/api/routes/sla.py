"""SLA clocks: why an item's clocks stand where they do."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from retaguarda import clock
from retaguarda.api.deps import CallerDep
from retaguarda.api.errors import responses
from retaguarda.api.schemas.items import ClockRead
from retaguarda.domain.errors import InvalidInput
from retaguarda.services import sla as sla_service
from retaguarda.services import sla_store

router = APIRouter(tags=["sla"])


class ExplainedClock(ClockRead):
    steps: list[str] = Field(description="how the due date and the state were reached")


class Explanation(BaseModel):
    item_id: int
    at: datetime
    config_version: int | None = Field(description="the SLA configuration version used")
    steps: list[str] = Field(description="which configuration and policy apply, and why")
    clocks: list[ExplainedClock]


@router.get(
    "/items/{item_id}/sla/explain", response_model=Explanation, responses=responses(401, 404, 422)
)
def explain(item_id: int, caller: CallerDep, at: datetime | None = None) -> dict[str, Any]:
    """The item's clocks with their history: policy matched, pauses, due dates, states."""
    if at is not None and at.tzinfo is None:
        raise InvalidInput("at", "timestamp must carry a UTC offset (e.g. 2026-03-02T09:00:00Z)")
    with caller.transaction() as (conn, me):
        return sla_service.explanation(conn, item_id, principal=me, at=at or clock.now())


class RiskClock(BaseModel):
    item_id: int
    item_area: str
    case_type: str
    metric: str = Field(description="first_response, resolution, or ola")
    policy: str | None
    area: str | None = Field(description="the area waited on (OLA clocks)")
    calendar: str
    due_at: datetime = Field(description="with the calendar's UTC offset")
    state: Literal["running", "paused", "breached"]
    remaining_s: int = Field(description="business seconds left as of `at`; negative: overdue")


class RiskList(BaseModel):
    at: datetime
    pending: int = Field(
        description="items whose clocks are still being recomputed (not in this list yet)"
    )
    clocks: list[RiskClock]


def _risk(
    kind: str,
    caller: CallerDep,
    at: datetime | None,
    area: list[str] | None,
    case_type: list[str] | None,
    policy: list[str] | None,
    limit: int,
) -> dict[str, Any]:
    if at is not None and at.tzinfo is None:
        raise InvalidInput("at", "timestamp must carry a UTC offset (e.g. 2026-03-02T09:00:00Z)")
    now = clock.now()
    with caller.transaction() as (conn, me):
        return sla_store.risk_list(
            conn,
            kind=kind,
            principal=me,
            at=at or now,
            now=now,
            area=area or [],
            case_type=case_type or [],
            policy=policy or [],
            limit=limit,
        )


Filter = Annotated[list[str] | None, Query()]
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.get("/sla/at-risk", response_model=RiskList, responses=responses(401, 422))
def at_risk(
    caller: CallerDep,
    at: datetime | None = None,
    area: Filter = None,
    case_type: Filter = None,
    policy: Filter = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Open clocks at risk as of `at` (default now), least business time left first."""
    return _risk("at_risk", caller, at, area, case_type, policy, limit)


@router.get("/sla/breached", response_model=RiskList, responses=responses(401, 422))
def breached(
    caller: CallerDep,
    at: datetime | None = None,
    area: Filter = None,
    case_type: Filter = None,
    policy: Filter = None,
    limit: Limit = 100,
) -> dict[str, Any]:
    """Open clocks past their due as of `at` (default now), most overdue first."""
    return _risk("breached", caller, at, area, case_type, policy, limit)
