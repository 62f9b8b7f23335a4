"""The clocks of many items at once, in NumPy: the same figures as `clock.measure`.

Used to recompute every open item after a configuration change and to keep the
stored clocks that the risk lists read. Items and their status phases come as
columns (`Items`, `Phases`); each step is a vectorised pass per policy and
metric (a handful), never a Python loop per item. The formulas are those of
`clock.py` (docs/sla.md, "Clocks"); tests/domain/sla/test_bulk.py checks item by
item that both give the same figures on random histories.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.item.model import Status
from retaguarda.domain.sla.policy import (
    FIRST_RESPONSE,
    MATCH_FIELDS,
    RESOLUTION,
    SlaConfig,
    SlaPolicy,
    Target,
)

I64 = npt.NDArray[np.int64]
NAT = np.iinfo(np.int64).min  # "no instant" in the int64 epoch-second columns
STATUS_CODES = {status: code for code, status in enumerate(Status)}
STATES = ("running", "paused", "met", "breached")


def instant(epoch: int | np.int64) -> datetime | None:
    """An epoch-second column value as an aware UTC datetime (None for NAT)."""
    return None if epoch == NAT else datetime.fromtimestamp(int(epoch), UTC)


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
