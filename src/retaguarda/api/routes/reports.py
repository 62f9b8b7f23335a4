"""/reports: the indicators of docs/indicators.md."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from retaguarda import clock
from retaguarda.api.deps import CallerDep
from retaguarda.api.errors import responses
from retaguarda.domain.errors import InvalidInput
from retaguarda.services import quality
from retaguarda.services import reports as reports_service

router = APIRouter(prefix="/reports", tags=["reports"])

GroupBy = Literal["area", "tier", "case_type", "channel", "assignee"]


class BacklogCounts(BaseModel):
    total: int
    current: int = Field(description="resolution clock not breached at the instant (or none)")
    overdue: int = Field(description="resolution clock breached at the instant")
    aging_by_age: dict[str, int] = Field(
        description='by calendar days since creation: "0-1d", "1-3d", "3-5d", "5-10d", ">10d"'
    )
    aging_by_sla: dict[str, int] = Field(
        description='by share of the resolution target used: "<50%", "50-75%", "75-100%", '
        '">100%" (the overdue ones), and "no_sla" (items without a resolution clock)'
    )


class BacklogGroup(BacklogCounts):
    key: str | None = Field(
        description="the group's value at the instant (null: none, e.g. unassigned)"
    )


class BacklogRead(BacklogCounts):
    at: datetime
    group_by: GroupBy | None = None
    groups: list[BacklogGroup] | None = Field(None, description="largest first, with group_by")
    pending: int = Field(
        description="items changed so recently that the report does not count them yet "
        "(the worker is catching up); 0 when exact"
    )


@router.get("/backlog", response_model=BacklogRead, responses=responses(401, 422))
def backlog(
    caller: CallerDep,
    at: Annotated[
        datetime | None, Query(description="the instant (default now), with offset")
    ] = None,
    group_by: GroupBy | None = None,
) -> dict[str, Any]:
    """The backlog at any instant, rebuilt from the event log: open items, current vs
    overdue, aging by age and by share of the SLA used; per group with `group_by`
    (area, tier and assignee as they were at that instant)."""
    if at is not None and at.tzinfo is None:
        raise InvalidInput("at", "timestamp must carry a UTC offset (e.g. 2026-03-02T09:00:00Z)")
    now = clock.now()
    with caller.transaction() as (conn, me):
        return reports_service.backlog(conn, principal=me, at=at or now, now=now, group_by=group_by)


Interval = Literal["day", "week", "month"]


class FlowPeriod(BaseModel):
    start: datetime
    end: datetime
    inflow: int = Field(description="items created in the period")
    outflow: int = Field(description="resolutions in the period")
    backlog_start: int = Field(description="the backlog just before the period")
    backlog_end: int = Field(description="the backlog at the period's last instant (now at most)")
    growth: int = Field(description="backlog_end - backlog_start")
    growth_pct: float | None = Field(description="growth / backlog_start; null when it was 0")
    backlog_days: float | None = Field(
        description="backlog_end / mean daily outflow over the 20 business days up to the "
        "period's last day: days to clear the pile at the recent pace; null without outflow"
    )


class FlowGroup(BaseModel):
    key: str | None
    periods: list[FlowPeriod]


class FlowRead(BaseModel):
    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime
    interval: Interval
    timezone: str = Field(description="the zone whose days, weeks and months the periods are")
    group_by: GroupBy | None = None
    periods: list[FlowPeriod]
    groups: list[FlowGroup] | None = None
    pending: int


@router.get(
    "/flow", response_model=FlowRead, response_model_by_alias=True, responses=responses(401, 422)
)
def flow(
    caller: CallerDep,
    start: Annotated[datetime, Query(alias="from", description="ISO 8601 with offset")],
    to: Annotated[datetime, Query(description="ISO 8601 with offset")],
    interval: Interval = "day",
    group_by: GroupBy | None = None,
) -> dict[str, Any]:
    """Per day, week or month (in the report time zone, docs/configuration.md): inflow,
    outflow, backlog at the end, growth and backlog in days; per group with `group_by`."""
    for name, value in (("from", start), ("to", to)):
        if value.tzinfo is None:
            raise InvalidInput(
                name, "timestamp must carry a UTC offset (e.g. 2026-03-02T09:00:00Z)"
            )
    with caller.transaction() as (conn, me):
        return reports_service.flow(
            conn,
            principal=me,
            start=start,
            end=to,
            interval=interval,
            now=clock.now(),
            group_by=group_by,
        )


class ParetoReason(BaseModel):
    reason: str
    count: int
    share: float = Field(description="count / total")
    cumulative_share: float = Field(description="share of this reason and every larger one")
    vital_few: bool = Field(description="among the fewest reasons that make 80 % of the volume")
    previous_count: int = Field(description="in the period of the same length just before")
    change: int
    change_pct: float | None = Field(description="change / previous_count; null when 0")


class ParetoRead(BaseModel):
    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime
    tier: str | None
    area: str | None
    total: int = Field(description="items received with a reason")
    unspecified: int = Field(description="items received without a reason (not ranked)")
    previous_total: int
    previous_unspecified: int
    vital_few: int = Field(description="how many reasons make 80 % of the volume")
    reasons: list[ParetoReason]
    pending: int


@router.get("/pareto", response_model=ParetoRead, responses=responses(401, 403, 422))
def pareto(
    caller: CallerDep,
    start: Annotated[datetime, Query(alias="from", description="ISO 8601 with offset")],
    to: Annotated[datetime, Query(description="ISO 8601 with offset")],
    tier: str | None = None,
    area: str | None = None,
) -> dict[str, Any]:
    """Items received in [from, to) by reason, largest first: count, share, running
    share, the vital few (80 %), and the change against the period just before.
    `tier`: only items that reached it; `area`: the area they arrived in."""
    for name, value in (("from", start), ("to", to)):
        if value.tzinfo is None:
            raise InvalidInput(
                name, "timestamp must carry a UTC offset (e.g. 2026-03-02T09:00:00Z)"
            )
    with caller.transaction() as (conn, me):
        return reports_service.pareto(
            conn, principal=me, start=start, end=to, now=clock.now(), tier=tier, area=area
        )


KpiGroupBy = Literal["area", "tier", "case_type", "channel", "assignee", "policy"]


class Spread(BaseModel):
    mean: float | None
    p50: float | None
    p90: float | None


class KpiFigures(BaseModel):
    resolved: int = Field(description="resolutions in the window")
    sla_compliance: float | None = Field(description="met / sla_counted (0-1)")
    sla_counted: int = Field(description="resolution clocks stopped by a resolution in it")
    aht_seconds: float | None = Field(description="in-progress time per resolution")
    resolution_seconds: Spread = Field(description="receipt to resolution, calendar time")
    resolution_business_seconds: Spread = Field(description="the same in business time")
    fcr_rate: float | None
    ombudsman_per_1000: float | None
    reopen_rate: float | None
    failure_rate: float | None
    csat_mean: float | None
    csat_count: int


class KpiGroup(KpiFigures):
    key: str | None


class PendingOnArea(BaseModel):
    waits: int
    total_seconds: float
    mean_seconds: float


class KpisRead(KpiFigures):
    from_: datetime = Field(alias="from", serialization_alias="from")
    to: datetime
    ola_compliance: dict[str, float | None] = Field(description="per area: met / OLA clocks ended")
    pending_by_area: dict[str, PendingOnArea] = Field(description="waits on areas ended in it")
    escalation_rate: float | None = Field(description="escalations / items open in the window")
    escalation_by_tier: dict[str, float | None]
    group_by: KpiGroupBy | None = None
    groups: list[KpiGroup] | None = None
    pending: int


@router.get("/kpis", response_model=KpisRead, responses=responses(401, 422))
def kpis(
    caller: CallerDep,
    start: Annotated[datetime, Query(alias="from", description="ISO 8601 with offset")],
    to: Annotated[datetime, Query(description="ISO 8601 with offset")],
    group_by: KpiGroupBy | None = None,
) -> dict[str, Any]:
    """Service and quality over [from, to): SLA/OLA compliance, time pending per area,
    handling and resolution time, FCR, escalation, ombudsman, reopen and failure
    rates, CSAT; per group (area, tier, case type, channel, assignee, policy)."""
    for name, value in (("from", start), ("to", to)):
        if value.tzinfo is None:
            raise InvalidInput(
                name, "timestamp must carry a UTC offset (e.g. 2026-03-02T09:00:00Z)"
            )
    with caller.transaction() as (conn, me):
        return quality.kpis(
            conn, principal=me, start=start, end=to, now=clock.now(), group_by=group_by
        )
