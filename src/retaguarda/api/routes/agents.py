"""/agents: presence (the next-item claim comes with issue #4's routing)."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from retaguarda import clock
from retaguarda.api.deps import CallerDep
from retaguarda.api.errors import responses
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import agent as agent_service

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
