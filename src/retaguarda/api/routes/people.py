"""/reports/people: agents' and teams' output, occupancy, absenteeism and
unavailability (docs/indicators.md, "People")."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from retaguarda import clock
from retaguarda.api.deps import CallerDep
from retaguarda.api.errors import responses
from retaguarda.domain.errors import InvalidInput
from retaguarda.services import people as people_service

router = APIRouter(prefix="/reports", tags=["reports"])


class PeopleFigures(BaseModel):
    handled: int = Field(description="distinct items in progress with them, or resolved by them")
    resolved: int = Field(description="resolutions whose assignee was them")
    productivity_per_hour: float | None = Field(
        description="resolved / hours on duty (available or busy); null without any"
    )
    occupancy: float | None = Field(
        description="time on duty with an item in progress / time on duty; null without any"
    )
    absenteeism: float | None = Field(
        description="scheduled time offline outside planned absences / scheduled time "
        "outside planned absences; null without a schedule or without such time"
    )
    mean_unavailability_seconds: float | None = Field(
        description="mean length of the away spells in scheduled time; null without spells"
    )
    on_duty_seconds: int = Field(description="time available or busy")
    in_progress_seconds: int = Field(description="time on duty with an item in progress")
    scheduled_seconds: int | None = Field(description="working time of the schedule")
    planned_absence_seconds: int | None = Field(
        description="scheduled time covered by planned absences"
    )
    absent_seconds: int | None = Field(
        description="scheduled time offline and not covered by a planned absence"
    )
    away_seconds: int = Field(description="the away spells' scheduled time")
    away_spells: int


class AgentFigures(PeopleFigures):
    agent: str
    name: str
    team: str | None = Field(description="the agent's first area")
    scheduled: bool = Field(description="whether the agent has a schedule")


class TeamFigures(PeopleFigures):
    team: str | None = Field(description="an area: the first area of its agents")
    agents: int = Field(description="how many of the listed agents it sums")


class PeopleRead(BaseModel):
    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime
    until: datetime = Field(description="the end measured: `to`, or now if that is earlier")
    agents: list[AgentFigures] = Field(description="the agents the caller may see, by key")
    teams: list[TeamFigures] = Field(description="sums over the listed agents, by team")
    pending: int = Field(
        description="items changed so recently that the report does not count them yet "
        "(the worker is catching up); 0 when exact"
    )


@router.get(
    "/people",
    response_model=PeopleRead,
    response_model_by_alias=True,
    responses=responses(401, 422),
)
def people(
    caller: CallerDep,
    start: Annotated[datetime, Query(alias="from", description="ISO 8601 with offset")],
    to: Annotated[datetime, Query(description="ISO 8601 with offset")],
) -> dict[str, Any]:
    """Per agent and per team (the agent's first area) over [from, to): items handled
    and resolved, resolutions per hour on duty, occupancy, absenteeism and the mean
    length of away spells. Supervisors see the agents of their areas, specialists
    themselves."""
    for name, value in (("from", start), ("to", to)):
        if value.tzinfo is None:
            raise InvalidInput(
                name, "timestamp must carry a UTC offset (e.g. 2026-03-02T09:00:00Z)"
            )
    with caller.transaction() as (conn, me):
        return people_service.report(conn, principal=me, start=start, end=to, now=clock.now())
