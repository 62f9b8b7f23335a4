"""Marks of the resolution clock inside spans of constant status: the backlog at any instant.

A span is an interval [start, end) in which an item's status does not change; it lies
inside one status phase (`Phases`), and several spans may share a phase. For every
integer-second instant t in an open span (and, in the item's last span, for every t
after its last event), the marks answer what `clock.measure(events up to t, ...)` says
of the item's resolution clock at t, without replaying its log:

- overdue (state `breached`) at t  <=>  overdue_after != NAT and t > overdue_after
  and (not overdue_off_hours or t is outside working time, see `outside_working_time`);
- elapsed * 2 >= T  <=>  half_at != NAT and t >= half_at; the same for 3/4 with
  three_quarters_at (T = the target in business seconds, 0 counting as reached).

Formulas (docs/sla.md, "Clocks"), with C(t) = business seconds before t on the policy's
calendar, r = receipt, d0 = base due, s = the span's start and P = business seconds
paused before s (pausing phases per `pause_on`, `resolved` phases before a reopen, and
the span's own phase up to s when it pauses), due_s = d0 + P business seconds:

- A running span adds no pause, so the due stays due_s: overdue iff t > due_s.
  elapsed(t) = C(t) - C(r) - P grows; it reaches ceil(k T) at the earliest instant
  r + (P + ceil(k T)) business seconds (a mark falling on a closing time is that time).
- A pausing span adds C(t) - C(s) to the pause, so elapsed stays C(s) - C(r) - P (a
  share is reached from s on, or not in the span) and C(due(t)) - C(t) stays
  D = C(due_s) - C(s): D > 0 never overdue, D < 0 overdue throughout, D == 0 overdue
  exactly when t > due_s and t is outside working time (a paused item whose due fell
  on Friday 18:00 is breached over the weekend and in time again on Monday at 08:00:01).

No I/O, no clock reads; a few NumPy passes per policy, no Python loop per span.
tests/domain/sla/test_marks.py checks every mark against `clock.measure` at random
instants of random histories.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.item.model import Status
from retaguarda.domain.sla import bulk
from retaguarda.domain.sla.bulk import I64, NAT, STATUS_CODES, Items, Phases
from retaguarda.domain.sla.clock import STOPPED
from retaguarda.domain.sla.policy import MATCH_FIELDS, RESOLUTION, SlaConfig, SlaPolicy

OPEN_CODES = [STATUS_CODES[s] for s in Status if s not in STOPPED]
HALF = Fraction(1, 2)
THREE_QUARTERS = Fraction(3, 4)
# Index returned by `share_bucket` (-1: no resolution clock in the span).
SHARE_BUCKETS = ("under_half", "half_to_three_quarters", "three_quarters_on")


@dataclass(frozen=True, slots=True)
class SpanMarks:
    """One row per span; epoch seconds (UTC), NAT for none. Rows without a running
    resolution clock (no policy, no resolution target, status not open) have calendar
    None, NAT marks and overdue_off_hours False.

    A mark may lie after the span's end, where it does not apply."""

    calendar: npt.NDArray[np.object_]  # the resolution clock's calendar key, or None
    overdue_after: I64  # NAT: not overdue anywhere in the span
    overdue_off_hours: npt.NDArray[np.bool_]  # past overdue_after, overdue only off hours
    half_at: I64  # from this instant on elapsed >= T/2; NAT: not in the span
    three_quarters_at: I64  # the same for 3/4

    def __len__(self) -> int:
        return len(self.calendar)


def resolution_marks(
    config: SlaConfig,
    items: Items,
    phases: Phases,
    span_item: I64,
    span_start: I64,
    span_status: I64,
    *,
    span_facts: Mapping[str, npt.NDArray[np.object_]] | None = None,
) -> SpanMarks:
    """The marks of each span's resolution clock under one configuration.

    `span_item` indexes `items`; `span_start` is epoch seconds; `span_status` the
    STATUS_CODES of the span's status. `items`/`phases` as `columns.columns_from_arrays`
    builds them (phases grouped by item, each item's in order), as of any instant at or
    after the spans' starts. The policy is matched per span on the item's facts
    overridden by `span_facts` (say `{"tier": ...}`: an escalation changes the tier, and
    the clock at t follows the policy matching at t, applied from receipt).
    """
    n = len(span_item)
    marks = SpanMarks(
        calendar=np.full(n, None, dtype=object),
        overdue_after=np.full(n, NAT, dtype=np.int64),
        overdue_off_hours=np.zeros(n, dtype=bool),
        half_at=np.full(n, NAT, dtype=np.int64),
        three_quarters_at=np.full(n, NAT, dtype=np.int64),
    )
    if not n:
        return marks
    phase = phase_of(phases, span_item, span_start, span_status)
    chosen = bulk.match_policies(config.policies, _as_of_span(items, span_item, span_facts))
    backlog = np.isin(span_status, OPEN_CODES)
    for index, policy in enumerate(config.policies):
        rows = np.flatnonzero((chosen == index) & backlog)
        if RESOLUTION in policy.targets and len(rows):
            _fill(marks, rows, policy, config, items, phases, phase[rows], span_start[rows])
    return marks


def phase_of(phases: Phases, span_item: I64, span_start: I64, span_status: I64) -> I64:
    """Index of the phase each span lies in: its item's last phase in the span's status
    starting at the span's start second or before (phases that lasted no time at that
    second are passed over; instants are whole seconds, so two events within one
    second leave several phases starting at the same second).

    Raises ValueError when phases are not grouped by item in order, or a span starts
    before its item's first phase or has another status than that phase.
    """
    if not len(phases.item):
        raise ValueError("spans need their items' phases")
    item_step = np.diff(phases.item)
    if (item_step < 0).any() or (np.diff(phases.start)[item_step == 0] < 0).any():
        raise ValueError("phases must be grouped by item, each item's phases in order")
    key, wanted = _item_start_keys(phases, span_item, span_start)
    found: I64 = np.maximum(np.searchsorted(key, wanted, side="right") - 1, 0)
    while (back := _same_second_before(phases, found, span_status)).any():
        found[back] -= 1
    bad = (phases.item[found] != span_item) | (phases.status[found] != span_status)
    bad |= phases.start[found] > span_start
    if bad.any():
        raise ValueError(f"span {int(np.argmax(bad))} lies in no phase of its item's status")
    return found


def _item_start_keys(phases: Phases, span_item: I64, span_start: I64) -> tuple[I64, I64]:
    """(item, start) pairs of phases and spans as int64 keys in the same order: item *
    width + start offset, or, if that could overflow, start ranks in place of offsets."""
    low = min(int(phases.start.min()), int(span_start.min()))
    width = max(int(phases.start.max()), int(span_start.max())) - low + 1
    if (max(int(phases.item.max()), int(span_item.max())) + 1) * width < 2**62:
        return phases.item * width + (phases.start - low), span_item * width + (span_start - low)
    times = np.unique(np.concatenate([phases.start, span_start]))
    width = len(times)
    key: I64 = phases.item * width + np.searchsorted(times, phases.start)
    return key, span_item * width + np.searchsorted(times, span_start)


def _same_second_before(phases: Phases, found: I64, status: I64) -> npt.NDArray[np.bool_]:
    """Spans whose phase has another status while the phase before it starts at the
    same second, for the same item: look there."""
    earlier = np.maximum(found - 1, 0)
    back: npt.NDArray[np.bool_] = (phases.status[found] != status) & (found > 0)
    back &= phases.item[earlier] == phases.item[found]
    back &= phases.start[earlier] == phases.start[found]
    return back


def _as_of_span(
    items: Items, span_item: I64, span_facts: Mapping[str, npt.NDArray[np.object_]] | None
) -> Items:
    """One `Items` row per span: the item with the facts it had during the span."""
    facts = {name: items.facts[name][span_item] for name in MATCH_FIELDS}
    facts.update(span_facts or {})
    return Items(
        item_id=items.item_id[span_item],
        received=items.received[span_item],
        status=items.status[span_item],
        first_response=items.first_response[span_item],
        resolution_stop=items.resolution_stop[span_item],
        facts=facts,
        expected_handling_s=items.expected_handling_s[span_item],
    )


def _fill(
    marks: SpanMarks,
    rows: I64,
    policy: SlaPolicy,
    config: SlaConfig,
    items: Items,
    phases: Phases,
    phase: I64,
    start: I64,
) -> None:
    """Write the marks of `rows` (spans under `policy`, in an open status) in place."""
    calendar = config.calendars[policy.calendar]
    pause_codes = [STATUS_CODES[s] for s in policy.pause_on]
    mine = np.zeros(len(items), dtype=bool)
    mine[phases.item[phase]] = True
    pausing_phase = mine[phases.item]
    pausing_phase &= np.isin(phases.status, [*pause_codes, STATUS_CODES[Status.RESOLVED]])
    paused = _paused_before(calendar, phases, pausing_phase, phase, start)
    received = items.received[phases.item[phase]]
    base_due = bulk._add(calendar, received, policy.targets[RESOLUTION])
    target_s = bulk._between(calendar, received, base_due)
    due = bulk._add_seconds(calendar, base_due, paused)
    pausing = np.isin(phases.status[phase], pause_codes)
    left = bulk._between(calendar, start, due)  # D: constant while the span pauses
    marks.calendar[rows] = policy.calendar
    marks.overdue_after[rows] = np.where(pausing & (left > 0), NAT, due)
    marks.overdue_off_hours[rows] = pausing & (left == 0)
    elapsed = bulk._between(calendar, received, start) - paused  # at the span's start
    for share, out in ((HALF, marks.half_at), (THREE_QUARTERS, marks.three_quarters_at)):
        out[rows] = _reached(calendar, share, received, start, paused, elapsed, target_s, pausing)


def _paused_before(
    calendar: BusinessCalendar,
    phases: Phases,
    pausing_phase: npt.NDArray[np.bool_],
    phase: I64,
    start: I64,
) -> I64:
    """P: business seconds of the item's pausing phases before each span's phase, plus
    its own phase up to the span's start when that phase pauses."""
    whole = np.zeros(len(phases.item), dtype=np.int64)
    ended = np.flatnonzero(pausing_phase & (phases.end != NAT))
    whole[ended] = bulk._between(calendar, phases.start[ended], phases.end[ended])
    before = np.cumsum(whole) - whole  # over all phases up to each one, exclusive
    first = np.searchsorted(phases.item, phases.item[phase], side="left")
    paused = before[phase] - before[first]
    own = pausing_phase[phase]
    paused[own] += bulk._between(calendar, phases.start[phase[own]], start[own])
    return paused


def _reached(
    calendar: BusinessCalendar,
    share: Fraction,
    received: I64,
    start: I64,
    paused: I64,
    elapsed: I64,
    target_s: I64,
    pausing: npt.NDArray[np.bool_],
) -> I64:
    """From when in the span elapsed >= share * T, i.e. elapsed >= need = ceil(share * T).

    Running: C(t) - C(r) - P >= need from r + (P + need) business seconds on (the
    earliest such instant), never before the span's start. Pausing: elapsed is constant,
    so from the start or never.
    """
    need = -((-share.numerator * target_s) // share.denominator)
    running_at = np.maximum(bulk._add_seconds(calendar, received, paused + need), start)
    paused_at = np.where(elapsed >= need, start, NAT)
    return np.where(pausing, paused_at, running_at)


def outside_working_time(calendar: BusinessCalendar, at: I64) -> npt.NDArray[np.bool_]:
    """Whether the second before each instant is not working time: t in (close, next
    open], so a closing time itself is working time and an opening time is not. This
    is exactly when t is later than the earliest instant with its business time B(t)."""
    seconds = np.asarray(at, dtype=np.int64)
    before = (seconds - 1).astype("datetime64[s]")
    off: npt.NDArray[np.bool_] = calendar.between_many(before, seconds.astype("datetime64[s]")) == 0
    return off


def overdue_at(
    marks: SpanMarks, calendars: Mapping[str, BusinessCalendar], at: I64 | int
) -> npt.NDArray[np.bool_]:
    """Whether each span's resolution clock is breached at `at` (one instant, or one per
    span), for instants inside the span: past overdue_after and, for the rows flagged
    overdue_off_hours, outside the calendar's working time."""
    t = np.broadcast_to(np.asarray(at, dtype=np.int64), marks.overdue_after.shape)
    overdue: npt.NDArray[np.bool_] = (marks.overdue_after != NAT) & (t > marks.overdue_after)
    check = np.flatnonzero(overdue & marks.overdue_off_hours)
    for key in set(marks.calendar[check]):
        rows = check[marks.calendar[check] == key]
        overdue[rows] = outside_working_time(calendars[key], t[rows])
    return overdue


def share_bucket(marks: SpanMarks, at: I64 | int) -> npt.NDArray[np.int8]:
    """Index into SHARE_BUCKETS of the share of the target used at `at` (an instant in
    the span): 0 under a half, 1 from a half to under three quarters, 2 from three
    quarters on; -1 for spans without a resolution clock."""
    t = np.asarray(at, dtype=np.int64)
    half = (marks.half_at != NAT) & (t >= marks.half_at)
    most = (marks.three_quarters_at != NAT) & (t >= marks.three_quarters_at)
    bucket: npt.NDArray[np.int8] = half.astype(np.int8) + most.astype(np.int8)
    no_clock: npt.NDArray[np.bool_] = marks.calendar == None  # noqa: E711 (element-wise)
    bucket[no_clock] = -1
    return bucket
