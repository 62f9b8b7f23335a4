"""What a supervisor watches besides the reports: each agent's state now, and the
catalog's choices a supervisor may pick from (their areas, the tiers, the case types)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from retaguarda.domain import access
from retaguarda.domain.catalog import Agent
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.item.model import Status, WorkItem
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.domain.types import require_aware
from retaguarda.services import sla_store
from retaguarda.storage.repos import agent as agent_repo
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos import reports as reports_repo


@dataclass(frozen=True, slots=True)
class Choices:
    """Keys and names a supervisor may filter by or move to."""

    areas: dict[str, str]  # the caller's areas (every area for admins), key -> name
    tiers: tuple[str, ...]  # the ladder, lowest first
    case_types: dict[str, str]  # key -> name
    agents: tuple[Agent, ...]  # the agents the caller may see


def choices(conn: Connection, *, principal: access.Principal) -> Choices:
    """The catalog as the caller may use it (one read)."""
    catalog = catalog_repo.load(conn)
    return Choices(
        areas={a.key: a.name for a in catalog.areas if access.can_see(principal, a.key)},
        tiers=catalog.tiers,
        case_types={c.key: c.name for c in catalog.case_types},
        agents=tuple(a for a in catalog.agents if access.can_see_agent(principal, a)),
    )


@dataclass(frozen=True, slots=True)
class AgentNow:
    """An agent as they are now: presence and the items they hold."""

    agent: Agent
    presence: Presence
    since: datetime | None  # None: never set (an agent starts offline)
    assigned: int  # items assigned to them, not started
    in_progress: int


def agents_now(
    conn: Connection, *, principal: access.Principal, agents: tuple[Agent, ...] | None = None
) -> list[AgentNow]:
    """Presence and load of every agent the caller may see (or of `agents`, of those), by
    key: three reads whatever the number of agents."""
    listed = choices(conn, principal=principal).agents if agents is None else agents
    listed = tuple(a for a in listed if access.can_see_agent(principal, a))
    if not listed:
        return []
    keys = None if principal.is_unscoped and agents is None else [a.key for a in listed]
    present = agent_repo.presences(conn, keys)
    assigned = agent_repo.holding(conn, keys, [Status.ASSIGNED.value])
    working = agent_repo.holding(conn, keys, [Status.IN_PROGRESS.value])
    out = []
    for agent in sorted(listed, key=lambda a: a.key):
        status, since = present.get(agent.key, (Presence.OFFLINE.value, None))
        out.append(
            AgentNow(
                agent=agent,
                presence=Presence(status),
                since=since,
                assigned=assigned.get(agent.key, 0),
                in_progress=working.get(agent.key, 0),
            )
        )
    return out


def items(
    conn: Connection, item_ids: Sequence[int], *, principal: access.Principal
) -> dict[int, WorkItem]:
    """The items among `item_ids` the caller may see, by id (one read: the rows of a
    list such as the at-risk one, shown with their status and assignee)."""
    found = item_repo.many(conn, list(dict.fromkeys(item_ids)))
    return {i: item for i, item in found.items() if access.can_see(principal, item.area)}


def ola_outcomes(
    conn: Connection,
    *,
    principal: access.Principal,
    start: datetime,
    end: datetime,
    now: datetime,
) -> dict[str, tuple[int, int]]:
    """Per area waited on (of the caller's), (met, counted) OLA clocks ended in [start,
    end): what `quality.kpis` reports as `ola_compliance`, without the rest of the
    KPIs (the dashboard asks every few seconds)."""
    require_aware(start, field="from")
    require_aware(end, field="to")
    if end <= start:
        raise InvalidInput("to", "must be after 'from'")
    sla_store.refresh(conn, now=now, limit=sla_store.INLINE_REFRESH)
    areas = access.visible_areas(principal)
    return dict(sorted(reports_repo.ola_outcomes(conn, start, end, areas=areas).items()))
