"""/agents: presence, and the next-item claim."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from retaguarda import clock
from retaguarda.api.deps import Caller, CallerDep
from retaguarda.api.errors import responses
from retaguarda.api.schemas.items import ItemRead
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import agent as agent_service
from retaguarda.services import moves as moves_service
from retaguarda.services import routing as routing_service

router = APIRouter(prefix="/agents", tags=["agents"])


class PresenceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    agent: str
    status: Presence
    since: datetime | None = Field(description="when it last changed; null if never set")


class PresenceSet(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: Presence
    at: datetime | None = Field(None, description="backdate (admin and integration only)")


@router.get("/{key}/presence", response_model=PresenceRead, responses=responses(401, 403, 404))
def get_presence(key: str, caller: CallerDep) -> PresenceRead:
    """The agent's presence now (an agent never set is offline)."""
    with caller.transaction() as (conn, me):
        return PresenceRead.model_validate(agent_service.presence(conn, key, principal=me))


@router.post(
    "/{key}/presence", response_model=PresenceRead, responses=responses(401, 403, 404, 422)
)
def set_presence(key: str, body: PresenceSet, caller: CallerDep) -> PresenceRead:
    """Change the agent's presence: specialists their own, supervisors their areas'."""
    with caller.transaction() as (conn, me):
        state = agent_service.set_presence(
            conn, key, body.status, principal=me, now=clock.now(), at=body.at
        )
    return PresenceRead.model_validate(state)


@router.post(
    "/{key}/next",
    response_model=ItemRead,
    responses={
        204: {"description": "Nothing is waiting that this agent may take"},
        **responses(401, 403, 404, 409),
    },
)
async def next_item(key: str, caller: CallerDep) -> ItemRead | Response:
    """Assign the agent the next item by their areas' routing policies (docs/routing.md).

    Specialists for themselves; supervisors for agents sharing one of their areas.
    409 when the agent may take nothing now (not available, at capacity, off shift).
    """
    found = await run_in_threadpool(_next_item, key, caller)
    return Response(status_code=204) if found is None else found


def _next_item(key: str, caller: Caller) -> ItemRead | None:
    now = clock.now()
    with caller.transaction() as (conn, me):
        claimed = routing_service.claim(conn, key, principal=me, now=now)
    return None if claimed is None else ItemRead.of(claimed.item, claimed.clocks)


# --- returning an agent's items to the queue (supervisor moves) ---


class ReturnCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    include_in_progress: bool = Field(False, description="also items already started")
    note: Annotated[str, Field(max_length=2000)] | None = None


class ReturnRead(BaseModel):
    returned: int
    item_ids: list[int] = Field(description="the items put back in the queue")
    skipped: dict[str, int] = Field(description="items left alone by reason (changed meanwhile)")


@router.post("/{key}/return", response_model=ReturnRead, responses=responses(401, 403, 404, 422))
def return_items(key: str, caller: CallerDep, body: ReturnCreate | None = None) -> ReturnRead:
    """Put the agent's assigned items (and in-progress ones if asked) back in the queue."""
    body = body or ReturnCreate()
    with caller.transaction() as (conn, me):
        result = moves_service.return_items(
            conn,
            key,
            principal=me,
            now=clock.now(),
            include_in_progress=body.include_in_progress,
            note=body.note,
        )
    return ReturnRead(returned=result.moved, item_ids=result.item_ids, skipped=result.skipped)
