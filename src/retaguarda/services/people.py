"""The people report (docs/indicators.md, "People"): per agent and per team, items
handled and resolved, productivity, occupancy, absenteeism and mean unavailability,
from presence changes, schedules, planned absences and the item spans."""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain import access
from retaguarda.domain.catalog import Agent
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.kpi import workforce
from retaguarda.domain.types import require_aware
from retaguarda.services import sla_store
from retaguarda.services.sla import configs
from retaguarda.storage.repos import catalog as catalog_repo
from retaguarda.storage.repos import people as people_repo
from retaguarda.storage.repos import reports as reports_repo
from retaguarda.storage.repos import sla as sla_repo
from retaguarda.storage.repos.people import Rows


def report(
    conn: Connection,
    *,
    principal: access.Principal,
    start: datetime,
    end: datetime,
    now: datetime,
) -> dict[str, Any]:
    """The figures of every agent the caller may see over [start, min(end, now)), and
    of their teams (each agent's first area) summed from them."""
    start = require_aware(start, field="from")
    end = require_aware(end, field="to")
    if end <= start:
        raise InvalidInput("to", "must be after 'from'")
    if start >= now:
        raise InvalidInput("from", f"{start.isoformat()} is in the future: nothing to measure")
    if start < workforce.EARLIEST:
        raise InvalidInput("from", f"must be in {workforce.EARLIEST.year} or later")
    if end - start > timedelta(days=workforce.MAX_DAYS):
        raise InvalidInput("to", f"at most {workforce.MAX_DAYS} days after 'from'")
    sla_store.refresh(conn, now=now, limit=sla_store.INLINE_REFRESH)
    reports_repo.tune(conn)
    until = min(end, now)
    listed = [a for a in catalog_repo.load(conn).agents if access.can_see_agent(principal, a)]
    keys = None if principal.is_unscoped else [a.key for a in listed]
    logs = _logs(conn, keys, start, until) if listed else {}
    versions = configs(conn)
    calendars = versions[-1].calendars if versions else {}
    lo, hi = _seconds(start), _seconds(until)
    counted = [
        (agent, workforce.tally(logs.get(agent.key, _NOTHING), lo, hi, _schedule(agent, calendars)))
        for agent in listed
    ]
    return {
        "from": start,
        "to": end,
        "until": until,
        "agents": [
            {
                "agent": agent.key,
                "name": agent.name,
                "team": workforce.team_of(agent),
                "scheduled": agent.schedule is not None,
                **tally.figures(),
            }
            for agent, tally in counted
        ],
        "teams": [
            {"team": team, "agents": tally.agents, **tally.figures()}
            for team, tally in workforce.by_team(counted).items()
        ],
        "pending": sla_repo.count_pending(conn),
    }


_NOTHING = workforce.AgentLog()
_NO_ITEMS = np.zeros(0, dtype=np.int64)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _logs(
    conn: Connection, keys: list[str] | None, start: datetime, until: datetime
) -> dict[str, workforce.AgentLog]:
    """Each agent's log over the window, from one read per kind of fact."""
    presence = _split(people_repo.presence(conn, keys, start, until), order=("at", "seq"))
    work = people_repo.in_progress(conn, keys, start, until)
    away = _split(people_repo.planned_absences(conn, keys, start, until))
    resolved = people_repo.resolved_items(conn, keys, start, until)
    # Handled: distinct items in progress with them, or resolved by them.
    handled = {
        key: len(np.union1d(work.get(key, {}).get("item", _NO_ITEMS), resolved.get(key, _NO_ITEMS)))
        for key in {*work, *resolved}
    }
    logs: dict[str, workforce.AgentLog] = {}
    for key in {*presence, *work, *away, *handled, *resolved}:
        p, w, a = presence.get(key, {}), work.get(key, {}), away.get(key, {})
        logs[key] = workforce.AgentLog(
            presence_at=p.get("at", _NOTHING.presence_at),
            presence_status=p.get("status", _NOTHING.presence_status),
            work_start=w.get("start", _NOTHING.work_start),
            work_end=w.get("end", _NOTHING.work_end),
            absence_start=a.get("start", _NOTHING.absence_start),
            absence_end=a.get("end", _NOTHING.absence_end),
            handled=handled.get(key, 0),
            resolved=len(resolved.get(key, _NO_ITEMS)),
        )
    return logs


def _split(rows: Rows, order: tuple[str, ...] = ()) -> dict[str, dict[str, workforce.I64]]:
    return workforce.by_agent(rows.agent, rows.columns, order=order)


def _seconds(at: datetime) -> int:
    """Whole epoch seconds (fractions dropped, as the database's)."""
    return (at - _EPOCH) // timedelta(seconds=1)


_OWN_HOURS: dict[str, BusinessCalendar] = {}
_OWN_HOURS_LOCK = threading.Lock()


def _schedule(agent: Agent, calendars: Mapping[str, BusinessCalendar]) -> workforce.Measure | None:
    """How the agent's scheduled time is measured (None: no schedule)."""
    schedule = agent.schedule
    if schedule is None:
        return None
    if "calendar" in schedule:
        known = calendars.get(schedule["calendar"])
        return workforce.never if known is None else workforce.working_seconds(known)
    key = json.dumps(schedule, sort_keys=True)
    if key not in _OWN_HOURS:
        with _OWN_HOURS_LOCK:
            _OWN_HOURS[key] = BusinessCalendar.from_config(schedule)
    return workforce.working_seconds(_OWN_HOURS[key])
