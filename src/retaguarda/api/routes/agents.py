"""/agents: presence, planned absences, and the next-item claim."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from retaguarda import clock
from retaguarda.api.deps import Caller, CallerDep
from retaguarda.api.errors import responses
from retaguarda.api.schemas.items import ItemRead
from retaguarda.domain import absence as absence_rules
from retaguarda.domain.absence import Absence
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import absence as absence_service
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


# --- planned absences ---


class AbsenceCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: datetime = Field(description="with a UTC offset")
    end: datetime = Field(description="with a UTC offset; after start (the end is excluded)")
    reason: Annotated[str, Field(max_length=absence_rules.REASON_MAX)] | None = None
    planned: bool = Field(True, description="known in advance (the default)")


class AbsenceRead(BaseModel):
    id: int
    agent: str
    start: datetime
    end: datetime
    reason: str | None
    planned: bool
    created_at: datetime
    created_by: str

    @classmethod
    def of(cls, absence: Absence) -> AbsenceRead:
        assert absence.id is not None
        return cls(
            id=absence.id,
            agent=absence.agent,
            start=absence.start_at,
            end=absence.end_at,
            reason=absence.reason,
            planned=absence.planned,
            created_at=absence.created_at,
            created_by=absence.created_by,
        )


@router.post(
    "/{key}/absences",
    status_code=201,
    response_model=AbsenceRead,
    responses=responses(401, 403, 404, 422),
)
def add_absence(key: str, body: AbsenceCreate, caller: CallerDep) -> AbsenceRead:
    """Record a planned absence of the agent (supervisors of the agent's areas, admins)."""
    with caller.transaction() as (conn, me):
        absence = absence_service.add(
            conn,
            key,
            start=body.start,
            end=body.end,
            reason=body.reason,
            planned=body.planned,
            principal=me,
            now=clock.now(),
        )
    return AbsenceRead.of(absence)


@router.get(
    "/{key}/absences", response_model=list[AbsenceRead], responses=responses(401, 403, 404, 422)
)
def list_absences(
    key: str,
    caller: CallerDep,
    start: Annotated[
        datetime | None, Query(alias="from", description="absences ending after this")
    ] = None,
    end: Annotated[
        datetime | None, Query(alias="to", description="absences starting before this")
    ] = None,
) -> list[AbsenceRead]:
    """The agent's absences overlapping [from, to), by start (the agent may read their own)."""
    with caller.transaction() as (conn, me):
        found = absence_service.of_agent(conn, key, principal=me, start=start, end=end)
    return [AbsenceRead.of(a) for a in found]


@router.delete(
    "/{key}/absences/{absence_id}",
    status_code=204,
    response_class=Response,
    responses=responses(401, 403, 404),
)
def remove_absence(key: str, absence_id: int, caller: CallerDep) -> Response:
    """Delete one of the agent's absences (supervisors of the agent's areas, admins)."""
    with caller.transaction() as (conn, me):
        absence_service.remove(conn, key, absence_id, principal=me)
    return Response(status_code=204)
