"""Stored SLA clocks: bulk refresh, the at-risk and breached lists, the risk sweep.

The stored clocks are a derived copy of what `services.sla.clocks` computes per
item (docs/sla.md, "Stored clocks, risk lists and the worker").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import Connection

from retaguarda.domain import access
from retaguarda.domain.item import spans
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.model import Status
from retaguarda.domain.sla import bulk, columns
from retaguarda.domain.sla import marks as sla_marks
from retaguarda.domain.sla.policy import SlaConfig
from retaguarda.domain.types import require_aware
from retaguarda.services.sla import configs, handling_minutes
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos import sla as sla_repo
from retaguarda.storage.repos import spans as spans_repo

REFRESH_BATCH = 50_000


def refresh(conn: Connection, *, now: datetime, limit: int = REFRESH_BATCH) -> int:
    """Recompute what is derived from the log for up to `limit` marked items, in bulk:
    their stored clocks, their spans (the backlog's states over time, with their
    resolution clock's marks) and their resolutions; how many."""
    require_aware(now, field="now")
    ids = sla_repo.take_pending(conn, limit)
    if not ids:
        return 0
    measured = _measured(conn, ids, at=now)
    clocks, versions = _clocks(measured, at=now)
    sla_repo.replace_clocks(conn, ids, _clock_columns(measured, clocks, versions, at=now))
    events = spans_repo.event_columns(conn, ids)
    spans_repo.replace(conn, ids, spans_repo.item_spans, span_columns(events, measured))
    resolved = resolution_columns(events, measured, clocks)
    spans_repo.replace(conn, ids, spans_repo.item_resolutions, resolved)
    sla_repo.clear_pending(conn, ids)
    return len(ids)


def refresh_all(conn: Connection, *, now: datetime) -> int:
    """Recompute every marked item (after a configuration change: every open one)."""
    total = 0
    while done := refresh(conn, now=now):
        total += done
    return total


def resolution_columns(
    events: spans.EventColumns, measured: Measured, clocks: bulk.Clocks
) -> dict[str, Any]:
    """The resolutions in `events`, as columns of the item_resolutions table."""
    found = spans.resolutions(events)
    calendar, business = _business_since_receipt(found, measured, clocks)
    return {
        "item_id": found.item_id,
        "seq": spans.ordinal(found.item_id),
        "at": found.at,
        **found.fields,
        "received_at": found.received,
        "entry_tier": found.entry_tier,
        "handling_s": found.handling_us / 1_000_000,
        "calendar": calendar,
        "business_s": business,
        "reopened": found.reopened,
        **_facts(measured, found.item_id),
    }


def _business_since_receipt(
    found: spans.Resolutions, measured: Measured, clocks: bulk.Clocks
) -> tuple[Any, Any]:
    """Per resolution: the calendar of the item's resolution clock and the business
    seconds from receipt to the resolution on it (None without a resolution clock)."""
    n = len(found)
    calendar = np.full(n, None, dtype=object)
    business = np.full(n, None, dtype=object)
    own = np.flatnonzero(clocks.metric == "resolution") if len(clocks) else np.zeros(0, int)
    if not n or not len(own):
        return calendar, business
    by_item = np.full(len(measured.items), -1, dtype=np.int64)
    by_item[clocks.item[own]] = own
    position = np.searchsorted(measured.items.item_id, found.item_id)
    clock = by_item[position]
    has = clock >= 0
    calendar[has] = clocks.calendar[clock[has]]
    version = measured.chosen[position]
    start = np.floor_divide(found.received, 1_000_000).astype("datetime64[s]")
    end = np.floor_divide(found.at, 1_000_000).astype("datetime64[s]")
    for key in set(calendar[has]):
        for index in np.unique(version[has]):
            rows = np.flatnonzero(has & (calendar == key) & (version == index))
            if len(rows):
                days = measured.versions[index].calendars[key]
                business[rows] = days.between_many(start[rows], end[rows]).tolist()
    return calendar, business


def span_columns(events: spans.EventColumns, measured: Measured) -> dict[str, Any]:
    """The open spans in `events` with their resolution clock's marks, as columns of
    the item_spans table (instants in epoch microseconds)."""
    found = spans.open_spans(events)
    statuses = [status.value for status in Status]  # by code; -1 picks the None after
    n = len(found)
    marks = _span_marks(found, measured)
    overdue_after = _micros(marks.overdue_after)
    return {
        "item_id": found.item_id,
        "seq": found.seq,
        "start_at": found.start,
        "end_at": found.end,
        "status": np.array(statuses, dtype=object)[found.status],
        **found.fields,
        "enters": found.enters,
        "left_to": np.array([*statuses, None], dtype=object)[found.left_to],
        "calendar": marks.calendar if n else np.zeros(0, dtype=object),
        "overdue_after": overdue_after,
        "overdue_off_hours": marks.overdue_off_hours,
        "half_at": _micros(marks.half_at),
        "three_quarters_at": _micros(marks.three_quarters_at),
        "overdue_from": _overdue_from(found, overdue_after),
        "received_at": _received(events, found.item_id),
        **_facts(measured, found.item_id),
        **spans.grouping_changes(found),
        **{f"prior_{name}": _prior(found, name) for name in ("tier", "area")},
    }


def _prior(found: spans.Spans, name: str) -> Any:
    """Per span, the field's value in the item's previous open span (None for the first)."""
    values = found.fields[name]
    prior = np.full(len(found), None, dtype=object)
    later = np.flatnonzero(found.seq > 0)  # never row 0: its item's first span
    prior[later] = values[later - 1]
    return prior


def _overdue_from(found: spans.Spans, overdue_after: Any) -> Any:
    """Per span, the first instant (epoch microseconds) inside it past `overdue_after`
    (overdue means strictly after it); NAT when there is none."""
    since = np.maximum(found.start, overdue_after + 1)
    inside = (overdue_after != bulk.NAT) & ((found.end == spans.NAT) | (since < found.end))
    return np.where(inside, since, bulk.NAT)


def _received(events: spans.EventColumns, item_ids: Any) -> Any:
    """Each row's item's receipt (its first event, `created`), epoch microseconds."""
    first = np.flatnonzero(spans.ordinal(events.item_id) == 0)
    return events.at[first][np.searchsorted(events.item_id[first], item_ids)]


def _facts(measured: Measured, item_ids: Any) -> dict[str, Any]:
    """Each row's item's case type and channel (they never change)."""
    position = np.searchsorted(measured.items.item_id, item_ids)
    return {name: measured.items.facts[name][position] for name in ("case_type", "channel")}


def _span_marks(found: spans.Spans, measured: Measured) -> sla_marks.SpanMarks:
    """The marks of each span, each item under its SLA version (none without any)."""
    n = len(found)
    result = sla_marks.SpanMarks(
        calendar=np.full(n, None, dtype=object),
        overdue_after=np.full(n, bulk.NAT, dtype=np.int64),
        overdue_off_hours=np.zeros(n, dtype=bool),
        half_at=np.full(n, bulk.NAT, dtype=np.int64),
        three_quarters_at=np.full(n, bulk.NAT, dtype=np.int64),
    )
    if not n or not measured.versions:
        return result
    position = np.searchsorted(measured.items.item_id, found.item_id)
    start_s = np.floor_divide(found.start, 1_000_000)
    for index in np.unique(measured.chosen):
        rows = np.flatnonzero(measured.chosen == index)
        mine = np.flatnonzero(np.isin(position, rows))
        if not len(mine):
            continue
        part_items, part_phases = columns.subset(measured.items, measured.phases, rows)
        part = sla_marks.resolution_marks(
            measured.versions[index],
            part_items,
            part_phases,
            np.searchsorted(rows, position[mine]),
            start_s[mine],
            found.status[mine],
            span_facts={"tier": found.fields["tier"][mine]},
        )
        for name in sla_marks.SpanMarks.__slots__:
            getattr(result, name)[mine] = getattr(part, name)
    return result


def _micros(seconds: Any) -> Any:
    """Epoch seconds as epoch microseconds, NAT kept."""
    return np.where(seconds == bulk.NAT, bulk.NAT, seconds * 1_000_000)


def columns_of(
    conn: Connection, item_ids: Sequence[int], *, at: datetime
) -> tuple[bulk.Items, bulk.Phases]:
    items = [
        (
            item_id,
            created_at,
            status,
            {
                "case_type": case_type,
                "channel": channel,
                "priority": str(priority),
                "tier": tier,
                "segment": segment or "",
            },
        )
        for item_id, created_at, status, case_type, channel, priority, tier, segment in (
            sla_repo.item_rows(conn, item_ids)
        )
    ]
    events = sla_repo.event_rows(conn, item_ids)
    return columns.columns_from_rows(
        items, events, at=at, expected_handling_minutes=handling_minutes(conn)
    )


@dataclass(frozen=True, slots=True)
class Measured:
    """Items as columns, their phases, the SLA versions and each item's version."""

    items: bulk.Items
    phases: bulk.Phases
    versions: list[SlaConfig]
    chosen: np.ndarray[Any, np.dtype[np.int64]]


def _measured(conn: Connection, item_ids: Sequence[int], *, at: datetime) -> Measured:
    versions = configs(conn)
    items, phases = columns_of(conn, item_ids, at=at)
    if not versions or not len(items):
        return Measured(items, phases, versions, np.zeros(len(items), dtype=np.int64))
    applied = np.array([int(v.applied_at.timestamp()) for v in versions], dtype=np.int64)
    return Measured(items, phases, versions, columns.version_per_item(items, phases, applied))


def measure_stored(
    conn: Connection, item_ids: Sequence[int], *, at: datetime
) -> tuple[bulk.Items, bulk.Clocks, list[int]]:
    """All clocks of the items as of `at`, in bulk, each item under its version."""
    measured = _measured(conn, item_ids, at=at)
    clocks, numbers = _clocks(measured, at=at)
    return measured.items, clocks, numbers


def _clocks(measured: Measured, *, at: datetime) -> tuple[bulk.Clocks, list[int]]:
    if not measured.versions or not len(measured.items):
        return bulk.concat([]), []
    parts: list[bulk.Clocks] = []
    numbers: list[int] = []
    when = int(at.timestamp())
    for index in np.unique(measured.chosen):
        rows = np.flatnonzero(measured.chosen == index)
        part_items, part_phases = columns.subset(measured.items, measured.phases, rows)
        part = bulk.measure_many(measured.versions[index], part_items, part_phases, at=when)
        # Back to positions in `items`.
        parts.append(replace(part, item=rows[part.item]))
        numbers += [measured.versions[index].version] * len(part)
    return bulk.concat(parts), numbers


def stored_columns(conn: Connection, item_ids: Sequence[int], *, at: datetime) -> dict[str, Any]:
    """The clocks of the items as of `at`, as columns of the stored clocks table
    (instants as int64 epoch seconds, `bulk.NAT` for none)."""
    measured = _measured(conn, item_ids, at=at)
    clocks, versions = _clocks(measured, at=at)
    return _clock_columns(measured, clocks, versions, at=at)


def _clock_columns(
    measured: Measured, clocks: bulk.Clocks, versions: list[int], *, at: datetime
) -> dict[str, Any]:
    items = measured.items
    n = len(clocks)
    return {
        "item_id": items.item_id[clocks.item],
        "metric": clocks.metric,
        "policy": clocks.policy,
        "area": clocks.area,
        "calendar": clocks.calendar,
        "config_version": np.array(versions, dtype=np.int64),
        "started_at": clocks.started,
        "due_at": clocks.due,
        "stopped_at": clocks.stopped,
        "risk_at": clocks.risk_at,
        "state": np.array(bulk.STATES, dtype=object)[clocks.state],
        "at_risk": clocks.at_risk,
        "elapsed_s": clocks.elapsed,
        "remaining_s": clocks.remaining,
        "computed_at": np.full(n, int(at.timestamp()), dtype=np.int64),
    }


INLINE_REFRESH = 20_000


def risk_list(
    conn: Connection,
    *,
    kind: str,
    principal: access.Principal,
    at: datetime,
    now: datetime,
    area: Sequence[str] = (),
    case_type: Sequence[str] = (),
    policy: Sequence[str] = (),
    limit: int = 100,
) -> dict[str, Any]:
    """Open clocks at risk or breached as of `at`, least remaining business time first.

    Stored clocks are brought up to date first (up to INLINE_REFRESH marked items;
    `pending` says how many are still waiting for the worker). Asked about the
    past, items changed since are recomputed as of `at` from their log.
    """
    require_aware(at, field="at")
    refresh(conn, now=now, limit=INLINE_REFRESH)
    found, later = sla_repo.risk_rows(
        conn,
        kind=kind,
        at=at,
        areas=access.visible_areas(principal),
        area=area,
        case_type=case_type,
        policy=policy,
    )
    versions = {v.version: v for v in configs(conn)}
    entries = [
        {
            "item_id": r.item_id,
            "item_area": r.item_area,
            "case_type": r.case_type,
            "metric": r.metric,
            "policy": r.policy,
            "area": r.area,
            "calendar": r.calendar,
            "due_at": r.due_at,
            "state": "breached" if kind == "breached" else r.state,
            "paused": r.state == "paused",
            "remaining_s": r.remaining_s,
            "version": r.config_version,
        }
        for r in found
    ]
    if later:
        entries += _recomputed(conn, later, kind=kind, at=at, policy=policy)
    _remaining_as_of(entries, versions, at)
    entries.sort(key=lambda e: (e["remaining_s"], e["item_id"], e["metric"]))
    for entry in entries:
        zone = versions[entry.pop("version")].calendars[entry["calendar"]].zone
        entry["due_at"] = entry["due_at"].astimezone(zone)
        entry.pop("paused")
    return {"at": at, "pending": sla_repo.count_pending(conn), "clocks": entries[:limit]}


def _remaining_as_of(
    entries: list[dict[str, Any]], versions: Mapping[int, SlaConfig], at: datetime
) -> None:
    """Remaining business time as of `at` for running clocks (paused ones keep theirs)."""
    groups: dict[tuple[int, str], list[dict[str, Any]]] = {}
    for entry in entries:
        if not entry["paused"]:
            groups.setdefault((entry["version"], entry["calendar"]), []).append(entry)
    for (version, key), group in groups.items():
        calendar = versions[version].calendars[key]
        due = np.array([int(e["due_at"].timestamp()) for e in group], dtype="datetime64[s]")
        start = np.full(len(group), int(at.timestamp()), dtype="datetime64[s]")
        for entry, seconds in zip(group, calendar.between_many(start, due), strict=True):
            entry["remaining_s"] = int(seconds)


def _recomputed(
    conn: Connection,
    areas: Mapping[int, str],
    *,
    kind: str,
    at: datetime,
    policy: Sequence[str],
) -> list[dict[str, Any]]:
    """Clocks of the items (id -> area) recomputed as of `at` from their log."""
    item_ids = sorted(areas)
    items, clocks, numbers = measure_stored(conn, item_ids, at=at)
    rows = {r[0]: r for r in sla_repo.item_rows(conn, item_ids)}
    wanted = []
    for k in range(len(clocks)):
        state = bulk.STATES[clocks.state[k]]
        open_clock = clocks.stopped[k] == bulk.NAT
        hit = state == "breached" if kind == "breached" else bool(clocks.at_risk[k])
        if not (open_clock and hit) or (policy and clocks.policy[k] not in policy):
            continue
        item_id = int(items.item_id[clocks.item[k]])
        wanted.append(
            {
                "item_id": item_id,
                "item_area": areas[item_id],
                "case_type": rows[item_id][3],
                "metric": clocks.metric[k],
                "policy": clocks.policy[k],
                "area": clocks.area[k],
                "calendar": clocks.calendar[k],
                "due_at": bulk.instant(clocks.due[k]),
                "state": state,
                "paused": state == "paused",
                "remaining_s": int(clocks.remaining[k]),
                "version": numbers[k],
            }
        )
    return wanted


# -- the risk sweep ---------------------------------------------------------------------

AT_RISK_EVENT = "sla_at_risk"
BREACHED_EVENT = "sla_breached"
WORKER = "worker"


def record_alerts(conn: Connection, *, now: datetime) -> dict[str, int]:
    """Record alerts as `record_alert_events` does; how many of each kind."""
    return tally(record_alert_events(conn, now=now))


def tally(recorded: Sequence[Event]) -> dict[str, int]:
    """How many at-risk and breached alerts `recorded` holds."""
    breached = sum(e.type == BREACHED_EVENT for e in recorded)
    return {"at_risk": len(recorded) - breached, "breached": breached}


def record_alert_events(conn: Connection, *, now: datetime) -> list[Event]:
    """Append `sla_at_risk` / `sla_breached` events for clocks that reached that state;
    return them.

    Once per clock and state: the alert's key is claimed first, so several workers
    on PostgreSQL never record the same change twice. The event is dated when the
    change happened (the risk instant, or one second past the due), so history
    imported late still reads right; `recorded_at` says when it was noticed.
    """
    require_aware(now, field="now")
    candidates = sla_repo.alert_candidates(conn, at=now)
    claimed = set(
        sla_repo.claim_alerts(
            conn,
            [
                {
                    "item_id": c.item_id,
                    "metric": c.metric,
                    "started_at": c.started_at,
                    "state": c.alert,
                    "recorded_at": now,
                }
                for c in candidates
            ],
        )
    )
    events = []
    for c in candidates:
        if (c.item_id, c.metric, c.started_at, c.alert) not in claimed:
            continue
        breached = c.alert == "breached"
        events.append(
            Event(
                type=BREACHED_EVENT if breached else AT_RISK_EVENT,
                at=c.due_at + timedelta(seconds=1) if breached else (c.risk_at or now),
                actor=WORKER,
                data={
                    "metric": c.metric,
                    "policy": c.policy,
                    "area": c.area,
                    "started_at": c.started_at.isoformat(),
                    "due_at": c.due_at.isoformat(),
                },
                item_id=c.item_id,
            )
        )
    item_repo.append_events(conn, events, recorded_at=now)
    return events
