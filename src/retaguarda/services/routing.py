"""Routing: ranking the queue by each area's policy, and the next-item claim.

Ranking reads the items' clocks (services.sla_store.measure_stored), turns each
policy into a key the database indexes (domain.routing.rank) and writes it with the
skills the item needs. The claim takes the first row of the agent's areas that they
may take, skipping rows other claims hold, and assigns it: one short transaction.
docs/routing.md explains both, with the query plan.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain import access
from retaguarda.domain.catalog import Agent
from retaguarda.domain.errors import Conflict, NotFound
from retaguarda.domain.item.lifecycle import TransitionCommand, transition
from retaguarda.domain.item.model import Action, WorkItem
from retaguarda.domain.routing import rank as rank_keys
from retaguarda.domain.routing import settings as routing_settings
from retaguarda.domain.routing.eligibility import (
    AgentNow,
    Presence,
    meets,
    needs_of,
    on_shift,
    why_not_now,
)
from retaguarda.domain.routing.schedule import calendar_of
from retaguarda.domain.sla.bulk import NAT, STATES
from retaguarda.domain.sla.clock import Measured, measure
from retaguarda.domain.types import require_aware
from retaguarda.services.sla import config_in_force, configs
from retaguarda.services.sla_store import measure_stored
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos import routing as routing_repo
from retaguarda.storage.repos import settings as settings_repo

RANK_BATCH = 50_000
# A claim that finds only unranked rows left ranks this many of its area first.
RANK_INLINE = 2_000
ANALYZE_FROM = 1_000
# Rows whose stored needs were unknown or stale and proved beyond the agent.
MAX_SKIPPED = 50


def settings(conn: Connection) -> routing_settings.Routing:
    """The routing settings in force (defaults where none were configured)."""
    found = settings_repo.many(conn, [routing_settings.ROUTING, routing_settings.SKILL_RULES])
    return routing_settings.from_documents(
        found.get(routing_settings.ROUTING), found.get(routing_settings.SKILL_RULES)
    )


# -- ranking ----------------------------------------------------------------------------


def rank(conn: Connection, item_ids: Sequence[int], *, now: datetime) -> int:
    """Write the policy keys and needs of those of `item_ids` still queued; how many."""
    require_aware(now, field="now")
    rows = routing_repo.rank_inputs(conn, item_ids)
    if not rows:
        return 0
    ids = [r.id for r in rows]
    position = {item_id: k for k, item_id in enumerate(ids)}
    n = len(ids)
    due = np.full(n, NAT, dtype=np.int64)
    latest = np.full(n, NAT, dtype=np.int64)
    business = np.zeros(n, dtype=np.int64)
    items, clocks, versions = measure_stored(conn, ids, at=now)
    if len(clocks):
        built = {v.version: v for v in configs(conn)}
        # The resolution clock, while it runs (a queued item's clock is not paused).
        chosen = np.flatnonzero(
            (clocks.metric == "resolution") & (clocks.state == STATES.index("running"))
        )
        groups: dict[tuple[int, str], list[int]] = {}
        for k in chosen:
            groups.setdefault((versions[k], clocks.calendar[k]), []).append(int(k))
        for (version, key), members in groups.items():
            calendar = built[version].calendars[key]
            at = np.array(members, dtype=np.int64)
            rows_in_items = clocks.item[at]
            where = np.array([position[int(i)] for i in items.item_id[rows_in_items]])
            handling = items.expected_handling_s[rows_in_items]
            ls = rank_keys.latest_start(calendar, clocks.started[at], clocks.due[at], handling)
            due[where] = clocks.due[at]
            latest[where] = ls
            business[where] = rank_keys.business_since_epoch(calendar, ls)
    config = settings(conn)
    ct_skills = catalog_repo.case_type_skills(conn)
    priority = np.array([r.priority for r in rows], dtype=np.int64)
    received = np.array([int(r.created_at.timestamp()) for r in rows], dtype=np.int64)
    policy = np.array([config.policy_of(r.area) for r in rows], dtype=object)
    k0 = np.zeros(n, dtype=np.int64)
    k1 = np.zeros(n, dtype=np.float64)
    k2 = np.zeros(n, dtype=np.int64)
    for name in set(policy):
        sel = np.flatnonzero(policy == name)
        k0[sel], k1[sel], k2[sel] = rank_keys.keys(
            name,
            priority=priority[sel],
            received=received[sel],
            due=due[sel],
            latest=latest[sel],
            business_latest=business[sel],
            weights=config.weights,
        )
    routing_repo.set_ranks(
        conn,
        [
            {
                "item_id": r.id,
                "k0": int(k0[i]),
                "k1": float(k1[i]),
                "k2": int(k2[i]),
                "needs": needs_of(r.case_type, r.channel, r.amount, ct_skills, config.skill_rules),
            }
            for i, r in enumerate(rows)
        ],
    )
    return n


def rank_pending(
    conn: Connection, *, now: datetime, limit: int = RANK_BATCH, areas: Sequence[str] | None = None
) -> int:
    """Rank up to `limit` unranked or stale rows (those other workers hold are skipped)."""
    ids = routing_repo.to_rank(conn, limit=limit, areas=areas)
    done = rank(conn, ids, now=now) if ids else 0
    if done >= ANALYZE_FROM:
        # Many rows just got their keys (an import, a configuration change): until
        # autovacuum comes by, the planner's statistics say nothing of them, and the
        # claim's ORDER BY ... LIMIT 1 was planned as a sort of the whole area (20 ms
        # a claim for 10,000 rows instead of 0.1; docs/routing.md).
        routing_repo.analyze(conn)
    return done


# -- the claim --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Claimed:
    """The item just assigned, and its SLA clocks as of the claim."""

    item: WorkItem
    clocks: Measured


def next_item(
    conn: Connection, key: str, *, principal: access.Principal, now: datetime
) -> WorkItem | None:
    """`claim` without the clocks."""
    claimed = claim(conn, key, principal=principal, now=now)
    return None if claimed is None else claimed.item


def claim(
    conn: Connection, key: str, *, principal: access.Principal, now: datetime
) -> Claimed | None:
    """Assign the agent the first item they may take, by their areas' policies; None if
    none is waiting for them. The agent's row stays locked to the end of the
    transaction: claims for one agent run one at a time.

    The agent's areas are tried in the order configured (their first area is their
    main one). Raises Conflict when the agent may take nothing now (not available,
    at capacity, outside their schedule), naming why.
    """
    require_aware(now, field="now")
    row = routing_repo.agent_state(conn, key)
    if row is None:
        raise NotFound(f"agent {key!r} not found", field="agent")
    agent = catalog_repo.to_agent(row)
    access.require_agent(principal, agent)
    presence = Presence(row.presence) if row.presence else Presence.OFFLINE
    state = AgentNow(agent, presence, row.load, working=_on_shift(conn, agent, now))
    reasons = why_not_now(state)
    if reasons:
        raise Conflict("; ".join(reasons), field="agent")
    areas = [a for a in agent.areas if access.can_see(principal, a)]
    for area in areas:
        claimed = _claim_in(conn, agent, area, principal=principal, now=now)
        if claimed is not None:
            return claimed
    return None


def _claim_in(
    conn: Connection, agent: Agent, area: str, *, principal: access.Principal, now: datetime
) -> Claimed | None:
    skipped: list[int] = []
    ranked_inline = False
    checker: tuple[dict[str, tuple[str, ...]], routing_settings.Routing] | None = None
    while len(skipped) <= MAX_SKIPPED:
        row = routing_repo.take(
            conn,
            area=area,
            tiers=agent.tiers,
            skills=agent.skills,
            skip=skipped,
            columns=item_repo.item_columns(),
            joined=item_repo.item_from,
        )
        if row is None:
            return None
        item = item_repo.to_item(row)
        unranked = row.k0 == routing_repo.UNRANKED["k0"]
        if unranked and not ranked_inline:
            # Unranked rows come after ranked ones: nothing ranked is left for this
            # agent. Put the row back, rank a batch of the area (the worker ranks the
            # rest) and look again.
            ranked_inline = True
            routing_repo.follow(conn, item)
            rank_pending(conn, now=now, limit=RANK_INLINE, areas=[area])
            continue
        if unranked or row.stale:
            # Needs not known yet, or computed under an older configuration: check them.
            if checker is None:
                checker = (catalog_repo.case_type_skills(conn), settings(conn))
            needed = needs_of(
                item.case_type, item.channel.value, item.amount, checker[0], checker[1].skill_rules
            )
            if not meets(agent.skills, needed):
                # Beyond this agent: back on the queue (unranked) for others.
                routing_repo.follow(conn, item)
                skipped.append(item.id)
                continue
        new = _assign(conn, item, agent.key, principal=principal, now=now)
        # An open item is measured with the SLA version in force (read with the row).
        config = config_in_force(conn, row.sla_uid)
        clocks = measure(
            item_repo.history(conn, item.id),  # the assigned event included
            [config] if config else [],
            at=now,
            expected_handling_minutes={item.case_type: row.handling},
        )
        return Claimed(new, clocks)
    return None


def _assign(
    conn: Connection, item: WorkItem, agent: str, *, principal: access.Principal, now: datetime
) -> WorkItem:
    command = TransitionCommand(action=Action.ASSIGN, at=now, actor=principal.name, assignee=agent)
    new, event = transition(item, command, ladder=())
    # Already off the queue (routing_repo.take).
    saved = item_repo.save_transition(
        conn, new, event, expected_version=item.version, recorded_at=now, follow_queue=False
    )
    if not saved:
        raise Conflict(f"item {item.id} was changed by someone else; try again")
    return new


_SCHEDULES: dict[str, BusinessCalendar] = {}
_SCHEDULES_LOCK = threading.Lock()


def _on_shift(conn: Connection, agent: Agent, now: datetime) -> bool:
    schedule = agent.schedule
    if schedule is None:
        return True
    if "calendar" in schedule:
        versions = configs(conn)
        calendars = versions[-1].calendars if versions else {}
        if schedule["calendar"] not in calendars:
            return False
        return on_shift(calendar_of(schedule, calendars), now)
    cache_key = json.dumps(schedule, sort_keys=True)
    if cache_key not in _SCHEDULES:
        with _SCHEDULES_LOCK:
            _SCHEDULES[cache_key] = BusinessCalendar.from_config(schedule)
    return on_shift(_SCHEDULES[cache_key], now)


def queue_counts(conn: Connection) -> dict[str, Any]:
    """How many items wait, and how many of them await ranking (for the CLI/metrics)."""
    return {
        "queued": routing_repo.queued_count(conn),
        "to_rank": routing_repo.count_to_rank(conn),
    }
