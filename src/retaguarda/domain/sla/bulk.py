"""The clocks of many items at once, in NumPy: the same figures as `clock.measure`.

Used to recompute every open item after a configuration change and to keep the
stored clocks that the risk lists read. Items and their status phases come as
columns (`Items`, `Phases`); each step is a vectorised pass per policy and
metric (a handful), never a Python loop per item. The formulas are those of
`clock.py` (docs/sla.md, "Clocks"); tests/domain/sla/test_bulk.py checks item by
item that both give the same figures on random histories.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.item import replay
from retaguarda.domain.item.events import CREATED, Event
from retaguarda.domain.item.model import Status
from retaguarda.domain.sla import clock
from retaguarda.domain.sla.policy import (
    FIRST_RESPONSE,
    MATCH_FIELDS,
    RESOLUTION,
    SlaConfig,
    SlaPolicy,
    Target,
    facts_of,
)

I64 = npt.NDArray[np.int64]
NAT = np.iinfo(np.int64).min  # "no instant" in the int64 epoch-second columns
STATUS_CODES = {status: code for code, status in enumerate(Status)}
STATES = ("running", "paused", "met", "breached")


@dataclass(frozen=True, slots=True)
class Items:
    """One row per item: epoch seconds (UTC) for instants, NAT for none."""

    item_id: I64
    received: I64
    status: I64  # STATUS_CODES of the status as of the instant asked about
    first_response: I64  # first start/pend_customer/pend_area/resolve, or NAT
    resolution_stop: I64  # start of the current resolved/closed/cancelled streak, or NAT
    facts: dict[str, npt.NDArray[np.object_]]  # MATCH_FIELDS -> values as text
    expected_handling_s: I64  # 0 when the case type gives none

    def __len__(self) -> int:
        return len(self.item_id)


@dataclass(frozen=True, slots=True)
class Phases:
    """One row per status interval: `item` indexes `Items`; `end` NAT while it lasts."""

    item: I64
    status: I64
    start: I64
    end: I64
    pending_area: npt.NDArray[np.object_]  # the area waited on, or None


@dataclass(frozen=True, slots=True)
class Clocks:
    """One row per clock; `item` indexes `Items`."""

    item: I64
    metric: npt.NDArray[np.object_]  # first_response | resolution | ola
    policy: npt.NDArray[np.object_]  # policy key, or None for OLA clocks
    area: npt.NDArray[np.object_]  # the area of an OLA clock, or None
    calendar: npt.NDArray[np.object_]
    started: I64
    due: I64
    stopped: I64  # NAT while running or paused
    state: npt.NDArray[np.int8]  # index into STATES
    elapsed: I64
    remaining: I64
    at_risk: npt.NDArray[np.bool_]
    # When a running clock becomes at risk if its item does not move: the lists
    # read it as of any later instant. NAT for clocks paused, stopped or breached.
    risk_at: I64

    def __len__(self) -> int:
        return len(self.item)


def match_policies(policies: tuple[SlaPolicy, ...], items: Items) -> I64:
    """Index of the first matching policy per item; -1 where none matches."""
    chosen = np.full(len(items), -1, dtype=np.int64)
    for index, policy in enumerate(policies):
        hit = chosen == -1
        for name, accepted in policy.match.items():
            hit &= np.isin(items.facts[name], list(accepted))
        chosen[hit] = index
    return chosen


def measure_many(config: SlaConfig, items: Items, phases: Phases, *, at: int) -> Clocks:
    """Every clock of `items` as of `at` (epoch seconds), under one configuration."""
    assert set(MATCH_FIELDS) <= set(items.facts)
    parts: list[Clocks] = []
    chosen = match_policies(config.policies, items)
    for index, policy in enumerate(config.policies):
        rows = np.flatnonzero(chosen == index)
        if not len(rows):
            continue
        calendar = config.calendars[policy.calendar]
        for metric, target in policy.targets.items():
            parts.append(_sla(policy, metric, target, calendar, items, phases, rows, at))
    for area, ola in config.olas.items():
        waits = np.flatnonzero(
            (phases.status == STATUS_CODES[Status.PENDING_AREA]) & (phases.pending_area == area)
        )
        if len(waits):
            calendar = config.calendars[ola.calendar]
            parts.append(_ola(area, ola.target, ola.at_risk, calendar, phases, waits, at))
    return concat(parts)


def _sla(
    policy: SlaPolicy,
    metric: str,
    target: Target,
    calendar: BusinessCalendar,
    items: Items,
    phases: Phases,
    rows: I64,
    at: int,
) -> Clocks:
    received = items.received[rows]
    stop = (items.first_response if metric == FIRST_RESPONSE else items.resolution_stop)[rows]
    stopped = stop != NAT
    end = np.where(stopped, stop, at)
    pausing = {STATUS_CODES[s] for s in policy.pause_on}
    if metric == RESOLUTION:
        pausing.add(STATUS_CODES[Status.RESOLVED])
    # Business time of the pausing phases up to each item's end, summed per item.
    position = np.full(len(items), -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    mine = position[phases.item]
    take = np.flatnonzero((mine >= 0) & np.isin(phases.status, list(pausing)))
    owner = mine[take]
    p_start = phases.start[take]
    p_end = np.minimum(np.where(phases.end[take] == NAT, at, phases.end[take]), end[owner])
    keep = p_start < end[owner]
    paused_s = np.zeros(len(rows), dtype=np.int64)
    if keep.any():
        seconds = _between(calendar, p_start[keep], p_end[keep])
        paused_s = np.bincount(owner[keep], weights=seconds, minlength=len(rows)).astype(np.int64)
    base_due = _add(calendar, received, target)
    due = base_due.copy()
    moved = paused_s > 0
    if moved.any():
        due[moved] = _add_seconds(calendar, base_due[moved], paused_s[moved])
    elapsed = _between(calendar, received, end) - paused_s
    remaining = _between(calendar, end, due)
    target_s = _between(calendar, received, base_due)
    paused_now = ~stopped & np.isin(items.status[rows], [STATUS_CODES[s] for s in policy.pause_on])
    handling = items.expected_handling_s[rows] if metric == RESOLUTION else None
    state, at_risk = _states(
        stopped, stop, due, at, paused_now, elapsed, remaining, target_s, policy.at_risk, handling
    )
    risk_at = _risk_at(
        calendar, received, paused_s, target_s, policy.at_risk, handling, running=state == 0
    )
    n = len(rows)
    return Clocks(
        item=rows,
        metric=np.full(n, metric, dtype=object),
        policy=np.full(n, policy.key, dtype=object),
        area=np.full(n, None, dtype=object),
        calendar=np.full(n, policy.calendar, dtype=object),
        started=received,
        due=due,
        stopped=np.where(stopped, stop, NAT),
        state=state,
        elapsed=elapsed,
        remaining=remaining,
        at_risk=at_risk,
        risk_at=risk_at,
    )


def _ola(
    area: str,
    target: Target,
    threshold: object,
    calendar: BusinessCalendar,
    phases: Phases,
    waits: I64,
    at: int,
) -> Clocks:
    start = phases.start[waits]
    ends = phases.end[waits]
    stopped = (ends != NAT) & (ends <= at)
    stop = np.where(stopped, ends, NAT)
    end = np.where(stopped, ends, at)
    due = _add(calendar, start, target)
    elapsed = _between(calendar, start, end)
    remaining = _between(calendar, end, due)
    target_s = _between(calendar, start, due)
    state, at_risk = _states(
        stopped,
        stop,
        due,
        at,
        np.zeros(len(waits), bool),
        elapsed,
        remaining,
        target_s,
        threshold,
        None,
    )
    risk_at = _risk_at(
        calendar,
        start,
        np.zeros(len(waits), np.int64),
        target_s,
        threshold,
        None,
        running=state == 0,
    )
    n = len(waits)
    return Clocks(
        item=phases.item[waits],
        metric=np.full(n, "ola", dtype=object),
        policy=np.full(n, None, dtype=object),
        area=np.full(n, area, dtype=object),
        calendar=np.full(n, calendar.key, dtype=object),
        started=start,
        due=due,
        stopped=stop,
        state=state,
        elapsed=elapsed,
        remaining=remaining,
        at_risk=at_risk,
        risk_at=risk_at,
    )


def _risk_at(
    calendar: BusinessCalendar,
    start: I64,
    paused_s: I64,
    target_s: I64,
    threshold: object,
    handling: I64 | None,
    *,
    running: npt.NDArray[np.bool_],
) -> I64:
    """The first instant a running clock is at risk, its item unchanged (NAT otherwise).

    By share: elapsed = B(start, t) - P reaches ceil(share * T), i.e.
    t = start + (P + ceil(share * T)) business seconds. By handling time h: B(t, due) < h,
    i.e. B(start, t) >= T + P - h + 1. The earlier of the two.
    """
    share = Fraction(str(threshold))
    need = -((-share.numerator * target_s) // share.denominator)  # ceil
    amount = paused_s + need
    if handling is not None:
        by_handling = np.maximum(target_s + paused_s - handling + 1, 0)
        amount = np.where(handling > 0, np.minimum(amount, by_handling), amount)
    result = np.full(len(start), NAT, dtype=np.int64)
    if running.any():
        result[running] = _add_seconds(calendar, start[running], amount[running])
    return result


def _states(
    stopped: npt.NDArray[np.bool_],
    stop: I64,
    due: I64,
    at: int,
    paused_now: npt.NDArray[np.bool_],
    elapsed: I64,
    remaining: I64,
    target_s: I64,
    threshold: object,
    handling: I64 | None,
) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.bool_]]:
    share = Fraction(str(threshold))
    state = np.where(paused_now, 1, 0).astype(np.int8)
    breached_open = ~stopped & (at > due)
    state[breached_open] = 3
    state[stopped] = np.where(stop[stopped] <= due[stopped], 2, 3)
    # elapsed / target >= share, exactly: elapsed * q >= p * target (target 0: always).
    by_share = (elapsed * share.denominator >= share.numerator * target_s) | (target_s == 0)
    risky = by_share
    if handling is not None:
        risky = risky | ((handling > 0) & (remaining < handling))
    at_risk = ~stopped & ~breached_open & risky
    return state, at_risk


def subset(items: Items, phases: Phases, rows: I64) -> tuple[Items, Phases]:
    """The items at positions `rows` (ascending) and their phases, re-indexed."""
    position = np.full(len(items), -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    keep = position[phases.item] >= 0
    return (
        Items(
            item_id=items.item_id[rows],
            received=items.received[rows],
            status=items.status[rows],
            first_response=items.first_response[rows],
            resolution_stop=items.resolution_stop[rows],
            facts={name: values[rows] for name, values in items.facts.items()},
            expected_handling_s=items.expected_handling_s[rows],
        ),
        Phases(
            item=position[phases.item[keep]],
            status=phases.status[keep],
            start=phases.start[keep],
            end=phases.end[keep],
            pending_area=phases.pending_area[keep],
        ),
    )


def version_per_item(items: Items, phases: Phases, applied_at: I64) -> I64:
    """Index into the versions (applied at `applied_at`, ascending) each item is measured
    with: the last for open items; for closed or cancelled ones, the one in force when
    they reached that status (the first, if that was before any)."""
    latest = np.full(len(items), len(applied_at) - 1, dtype=np.int64)
    final = np.isin(items.status, list(_FINAL))
    if not final.any() or not len(phases.item):
        return latest
    last_start = np.full(len(items), NAT, dtype=np.int64)
    np.maximum.at(last_start, phases.item, phases.start)
    chosen = np.searchsorted(applied_at, last_start, side="right") - 1
    return np.where(final, np.maximum(chosen, 0), latest)


def _add(calendar: BusinessCalendar, starts: I64, target: Target) -> I64:
    amount = target.amount
    value: float | int = int(amount) if amount == amount.to_integral() else float(amount)
    result = calendar.add_many(starts.astype("datetime64[s]"), value, target.unit)
    return result.astype(np.int64)


def _add_seconds(calendar: BusinessCalendar, starts: I64, seconds: I64) -> I64:
    zero = seconds == 0
    if zero.all():
        return starts.copy()
    hours = seconds.astype(np.float64) / 3600.0
    result = calendar.add_many(starts.astype("datetime64[s]"), hours, "business_hours")
    return result.astype(np.int64)


def _between(calendar: BusinessCalendar, a: I64, b: I64) -> I64:
    return calendar.between_many(a.astype("datetime64[s]"), b.astype("datetime64[s]"))


def concat(parts: list[Clocks]) -> Clocks:
    if not parts:
        empty_i = np.zeros(0, dtype=np.int64)
        empty_o = np.zeros(0, dtype=object)
        return Clocks(
            empty_i,
            empty_o,
            empty_o,
            empty_o,
            empty_o,
            empty_i,
            empty_i,
            empty_i,
            np.zeros(0, dtype=np.int8),
            empty_i,
            empty_i,
            np.zeros(0, dtype=bool),
            empty_i,
        )
    return Clocks(*(np.concatenate([getattr(p, name) for p in parts]) for name in Clocks.__slots__))


ItemRow = tuple[int, datetime, str, dict[str, str]]  # id, received, status, facts
EventRow = tuple[int, datetime, str, str | None, str | None, str | None]
# (item id, at, type, to, pending_area, action), ordered by item, at, append order


def columns_from_rows(
    item_rows: Sequence[ItemRow],
    event_rows: Sequence[EventRow],
    *,
    at: datetime,
    expected_handling_minutes: Mapping[str, int | None] | None = None,
) -> tuple[Items, Phases]:
    """`columns_from_arrays` for rows as storage or `columns` give them (by item id)."""
    handling = expected_handling_minutes or {}
    minutes = [handling.get(row[3]["case_type"]) for row in item_rows]
    items = Items(
        item_id=np.array([row[0] for row in item_rows], dtype=np.int64),
        received=np.array([_epoch(row[1]) for row in item_rows], dtype=np.int64),
        status=np.array([STATUS_CODES[Status(row[2])] for row in item_rows], dtype=np.int64),
        first_response=np.zeros(0, dtype=np.int64),  # derived from the events below
        resolution_stop=np.zeros(0, dtype=np.int64),
        facts={
            name: np.array([row[3][name] for row in item_rows], dtype=object)
            for name in MATCH_FIELDS
        },
        expected_handling_s=np.array([m * 60 if m else 0 for m in minutes], dtype=np.int64),
    )
    events = EventColumns(
        item_id=np.array([e[0] for e in event_rows], dtype=np.int64),
        at=np.array([_epoch(e[1]) for e in event_rows], dtype=np.int64),
        to=np.array([_to_code(e[2], e[3]) for e in event_rows], dtype=np.int64),
        pending_area=np.array([e[4] for e in event_rows], dtype=object),
        first_response=np.array([e[5] in _FIRST_RESPONSE for e in event_rows], dtype=bool),
    )
    return columns_from_arrays(items, events, at=_epoch(at))


@dataclass(frozen=True, slots=True)
class EventColumns:
    """Events ordered by item id, instant and append order."""

    item_id: I64
    at: I64  # epoch seconds
    to: I64  # STATUS_CODES of the status it leads to; -1 for an event that is no transition
    pending_area: npt.NDArray[np.object_]
    first_response: npt.NDArray[np.bool_]  # start, pend_customer, pend_area or resolve


def columns_from_arrays(items: Items, events: EventColumns, *, at: int) -> tuple[Items, Phases]:
    """Items (ids ascending) with their status, first response and resolution stop as
    of `at`, and their phases: `clock.phases`, `first_response_at` and
    `resolution_stop` in vectorised form (`items.status`, `first_response` and
    `resolution_stop` given are ignored)."""
    n = len(items.item_id)
    keep = (events.at <= at) & (events.to >= 0)
    owner = np.searchsorted(items.item_id, events.item_id[keep])
    starts = events.at[keep]
    codes = events.to[keep]
    areas = events.pending_area[keep]
    count = len(owner)
    same_next = np.zeros(count, dtype=bool)
    if count > 1:
        same_next[:-1] = owner[1:] == owner[:-1]
    ends = np.full(count, NAT, dtype=np.int64)
    ends[:-1][same_next[:-1]] = starts[1:][same_next[:-1]]
    last = np.flatnonzero(~same_next)  # each item's last phase
    status = items.status.copy()
    status[owner[last]] = codes[last]
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    fr = keep & events.first_response
    np.minimum.at(first, np.searchsorted(items.item_id, events.item_id[fr]), events.at[fr])
    first[first == np.iinfo(np.int64).max] = NAT
    # Resolution stops at the start of the phase after the item's last phase that is
    # not resolved, closed or cancelled, if there is one.
    open_phase = ~np.isin(codes, list(_STOPPED))
    last_open = np.full(n, -1, dtype=np.int64)
    np.maximum.at(last_open, owner[open_phase], np.flatnonzero(open_phase))
    stop = np.full(n, NAT, dtype=np.int64)
    has_next = (last_open >= 0) & (last_open + 1 < count)
    candidates = np.flatnonzero(has_next)
    following = last_open[candidates] + 1
    same = owner[following] == candidates
    stop[candidates[same]] = starts[following[same]]
    waiting = codes == STATUS_CODES[Status.PENDING_AREA]
    waited_on = np.full(count, None, dtype=object)
    waited_on[waiting] = areas[waiting]
    phases = Phases(
        item=owner.astype(np.int64),
        status=codes,
        start=starts,
        end=ends,
        pending_area=waited_on,
    )
    return (
        Items(
            item_id=items.item_id,
            received=items.received,
            status=status,
            first_response=first,
            resolution_stop=stop,
            facts=items.facts,
            expected_handling_s=items.expected_handling_s,
        ),
        phases,
    )


def _to_code(kind: str, to: str | None) -> int:
    if kind == CREATED:
        return STATUS_CODES[Status.NEW]
    return -1 if to is None else STATUS_CODES[Status(to)]


def columns(
    histories: Mapping[int, Sequence[Event]],
    *,
    at: datetime,
    expected_handling_minutes: Mapping[str, int | None] | None = None,
) -> tuple[Items, Phases]:
    """`columns_from_rows` for event logs held in memory (small sets, tests)."""
    item_rows: list[ItemRow] = []
    event_rows: list[EventRow] = []
    for item_id, events in sorted(histories.items()):
        history = [e for e in events if e.at <= at]
        item = replay.fold(item_id, [e for e in history if e.type == CREATED or "to" in e.data])
        item_rows.append((item_id, item.created_at, item.status.value, facts_of(item)))
        for e in history:
            changes = e.data.get("changes") or {}
            event_rows.append(
                (
                    item_id,
                    e.at,
                    e.type,
                    e.data.get("to"),
                    changes.get("pending_area"),
                    e.data.get("action"),
                )
            )
    return columns_from_rows(
        item_rows, event_rows, at=at, expected_handling_minutes=expected_handling_minutes
    )


_FIRST_RESPONSE = {a.value for a in clock.FIRST_RESPONSE_ACTIONS}
_STOPPED = {STATUS_CODES[s] for s in clock.STOPPED}
_FINAL = {STATUS_CODES[s] for s in clock.FINAL}


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp() // 1)
