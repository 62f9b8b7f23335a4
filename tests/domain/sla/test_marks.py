"""Span marks of the resolution clock answer what `clock.measure` says at every instant.

br-sp: America/Sao_Paulo (-03:00 all year), Mon-Fri 08:00-18:00 (10 business hours a
day), Tue 2026-04-21 (Tiradentes) a holiday. H = one hour in seconds.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.item import replay
from retaguarda.domain.item.events import CREATED, Event, created_event
from retaguarda.domain.item.lifecycle import TransitionCommand, allowed_actions, transition
from retaguarda.domain.item.model import Action, Channel, Status
from retaguarda.domain.sla.bulk import NAT, STATUS_CODES, Items, Phases
from retaguarda.domain.sla.clock import STOPPED, measure
from retaguarda.domain.sla.columns import columns
from retaguarda.domain.sla.marks import (
    SHARE_BUCKETS,
    SpanMarks,
    overdue_at,
    phase_of,
    resolution_marks,
    share_bucket,
)
from retaguarda.domain.sla.policy import SlaConfig, SlaPolicy, Target
from tests.domain.builders import LADDER, draft
from tests.domain.sla import test_clock
from tests.domain.sla.test_bulk import CONFIG, GAPS, HANDLING, histories
from tests.domain.sla.test_clock import BR_SP, BRT, INVOICE, REGULATOR, V1, at, story, worked_on

H = 3600
OPEN = {STATUS_CODES[s] for s in Status if s not in STOPPED}
ES_MD = BusinessCalendar.from_config(
    {
        "key": "es-md",
        "timezone": "Europe/Madrid",
        "holidays": {"country": "ES", "subdivision": "MD"},
        "hours": {"mon-thu": ["09:00-14:00", "15:00-18:00"], "fri": ["08:00-15:00"]},
    }
)
# A policy per tier (escalations change it), on a calendar with split shifts and DST;
# pause_on [] and [pending_customer, pending_area]; a zero target; calendar days;
# no catch-all, so some items have no clock.
TIERED = SlaConfig(
    version=1,
    applied_at=datetime(2025, 1, 1, tzinfo=UTC),
    calendars={"br-sp": BR_SP, "es-md": ES_MD},
    policies=(
        SlaPolicy(
            key="upper-tiers",
            calendar="es-md",
            targets={"resolution": Target(Decimal(20), "business_hours")},
            match={"tier": ("backoffice_l3", "pre_ombudsman", "ombudsman")},
            pause_on=frozenset({Status.PENDING_CUSTOMER, Status.PENDING_AREA}),
        ),
        REGULATOR,
        SlaPolicy(
            key="immediate",
            calendar="br-sp",
            targets={"resolution": Target(Decimal(0), "business_hours")},
            match={"priority": ("5",)},
        ),
        SlaPolicy(
            key="two-days",
            calendar="br-sp",
            targets={"resolution": Target(Decimal(2), "calendar_days")},
            match={"priority": ("1", "2")},
            pause_on=frozenset({Status.PENDING_AREA}),
        ),
        SlaPolicy(
            key="first-response-only",
            calendar="br-sp",
            targets={"first_response": Target(Decimal(4), "business_hours")},
            match={"case_type": ("delivery_missing",)},
        ),
        INVOICE,
    ),
)
START = datetime(2026, 1, 1, 3, tzinfo=UTC)  # midnight in São Paulo
# Whole hours make pauses begin exactly at a due or a closing time often enough.
HOURLY_GAPS = st.integers(0, 30).map(lambda hours: hours * H) | st.integers(0, 6 * H) | GAPS


# Actions that move an item through work, pauses and reopenings, drawn more often than
# cancel and close, which end a history.
WORK = (Action.START, Action.PEND_CUSTOMER, Action.PEND_AREA, Action.RESUME, Action.RESOLVE)
ROUTING = (Action.QUEUE, Action.ASSIGN, Action.REOPEN, Action.ESCALATE)


@st.composite
def escalating_histories(draw: st.DrawFn) -> list[Event]:
    """Like test_bulk.histories, with escalations, mostly working actions, instants
    often on whole hours and often at (or whole hours after) the current due, so that
    pauses start exactly at a due, at a closing time, or off hours after it."""
    events = [draw(receipt())]
    if draw(st.booleans()):
        events = act(events, Action.QUEUE, draw(next_instant(events)))
        events = act(events, Action.ASSIGN, draw(next_instant(events)), assignee="ana")
        events = act(events, Action.START, draw(next_instant(events)))
    for _ in range(draw(st.integers(0, 10))):
        item = replay.fold(1, events)
        allowed = allowed_actions(item.status) - (
            {Action.ESCALATE} if item.tier == LADDER[-1] else set()
        )
        likely = sorted(a for a in allowed if a in WORK or a in ROUTING)
        if likely and draw(st.sampled_from(["likely"] * 4 + ["any"])) == "likely":
            action = draw(st.sampled_from(likely))
        elif allowed:
            action = draw(st.sampled_from(sorted(allowed)))
        else:
            break
        fields = draw(fields_for(action, item.area, item.tier))
        when = draw(next_instant(events, near_due=draw(st.integers(0, 3)) == 3))
        events = act(events, action, when, **fields)
    return events


@st.composite
def receipt(draw: st.DrawFn) -> Event:
    """A `created` event on a whole hour (or a second or half an hour past one)."""
    offset = draw(st.integers(0, 300 * 24)) * H + draw(st.sampled_from([0, 0, 1, 1799]))
    first = created_event(
        draft(
            created_at=START + timedelta(seconds=offset),
            channel=draw(st.sampled_from([Channel.EMAIL, Channel.REGULATOR, Channel.PHONE])),
            case_type=draw(st.sampled_from(sorted(HANDLING))),
            priority=draw(st.integers(1, 5)),
        ),
        actor="crm",
    )
    return replace(first, item_id=1)


def act(events: list[Event], action: Action, when: datetime, **fields: str) -> list[Event]:
    item = replay.fold(1, [e for e in events if e.type == CREATED or "to" in e.data])
    command = TransitionCommand(action=action, at=when, actor="ana", **fields)
    return [*events, transition(item, command, ladder=LADDER)[1]]


@st.composite
def paused_near_due(draw: st.DrawFn) -> list[Event]:
    """Worked, then paused (on the customer or an area) at whole hours around the
    current due, resumed and paused again: remaining time exactly 0 when a pause
    starts at the due or off hours after it."""
    events = [draw(receipt())]
    events = act(events, Action.QUEUE, draw(next_instant(events)))
    events = act(events, Action.ASSIGN, draw(next_instant(events)), assignee="ana")
    events = act(events, Action.START, draw(next_instant(events)))
    for _ in range(draw(st.integers(1, 3))):
        wait = draw(st.sampled_from([Action.PEND_CUSTOMER, Action.PEND_AREA]))
        fields = draw(fields_for(wait, "backoffice", "backoffice_l1"))
        events = act(events, wait, draw(next_instant(events, near_due=True)), **fields)
        events = act(events, Action.RESUME, draw(next_instant(events)))
    return events


@st.composite
def next_instant(draw: st.DrawFn, events: list[Event], *, near_due: bool = False) -> datetime:
    """A gap after the last event, or (near_due) whole hours around the resolution
    clock's due as of the last event."""
    last = events[-1].at
    if not near_due:
        return last + timedelta(seconds=draw(HOURLY_GAPS))
    clocks = [c for c in measure(events, [TIERED], at=last).clocks if c.metric == "resolution"]
    if not clocks:
        return last + timedelta(seconds=draw(HOURLY_GAPS))
    return max(last, clocks[0].due_at + timedelta(hours=draw(st.integers(-30, 60))))


@st.composite
def fields_for(draw: st.DrawFn, action: Action, area: str, tier: str) -> dict[str, str]:
    if action is Action.ASSIGN:
        return {"assignee": "ana"}
    if action is Action.PEND_AREA:
        others = [a for a in ("finance", "logistics", "legal") if a != area]
        return {"area": draw(st.sampled_from(others))}
    if action is Action.TRANSFER:
        return {"area": draw(st.sampled_from([a for a in ("backoffice", "finance") if a != area]))}
    if action is Action.ESCALATE:
        higher = LADDER[LADDER.index(tier) + 1 :]
        return {"to_tier": draw(st.sampled_from(higher)), "reason": "customer complained"}
    return {}


def take(marks: SpanMarks, rows: np.ndarray) -> SpanMarks:
    return SpanMarks(*(getattr(marks, name)[rows] for name in SpanMarks.__slots__))


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def expected(config: SlaConfig, events: list[Event], t: int) -> tuple[object, bool, int]:
    """(calendar, breached, share bucket) of the resolution clock as `measure` gives it."""
    when = datetime.fromtimestamp(t, UTC)
    found = [c for c in measure(events, [config], at=when).clocks if c.metric == "resolution"]
    if not found:
        return None, False, -1
    [clock] = found
    calendar = config.calendars[clock.calendar]
    base_due = calendar.add(clock.started_at, clock.target.amount, clock.target.unit)
    target_s = calendar.between(clock.started_at, base_due)
    elapsed = clock.elapsed_business_seconds
    bucket = int(elapsed * 2 >= target_s) + int(elapsed * 4 >= 3 * target_s)
    return clock.calendar, clock.state == "breached", bucket


@dataclass
class SpanRows:
    """Spans as the item_spans table would hold them, built with a loop (tests only)."""

    item: list[int] = field(default_factory=list)
    start: list[int] = field(default_factory=list)
    end: list[int] = field(default_factory=list)  # in the last phase: 6 days on
    status: list[int] = field(default_factory=list)
    tier: list[str] = field(default_factory=list)


def cut_spans(
    by_id: dict[int, list[Event]], items: Items, phases: Phases, data: st.DataObject
) -> SpanRows:
    """Each phase that lasted cut into one to three spans at random seconds."""
    spans = SpanRows()
    for k in range(len(phases.item)):
        start, end = int(phases.start[k]), int(phases.end[k])
        end = start + 6 * 86400 if end == NAT else end
        if end <= start:
            continue  # a phase that lasted no time holds no instant
        cuts = st.lists(st.integers(start + 1, end - 1), max_size=2, unique=True)
        cuts = data.draw(cuts) if end - start > 1 else []
        bounds = [start, *sorted(cuts), end]
        events = by_id[int(items.item_id[phases.item[k]])]
        for s, e in itertools.pairwise(bounds):
            history = [
                x for x in events if epoch(x.at) <= s and (x.type == CREATED or "to" in x.data)
            ]
            spans.item.append(int(phases.item[k]))
            spans.start.append(s)
            spans.end.append(e)
            spans.status.append(int(phases.status[k]))
            spans.tier.append(replay.fold(0, history).tier)
    return spans


def instants(
    config: SlaConfig, marks: SpanMarks, spans: SpanRows, data: st.DataObject
) -> tuple[list[int], list[int]]:
    """(span row, instant) pairs to check: the span's start, a random instant, a random
    whole hour after the start (and a second later), the first opening at or after
    the start (and a second later), each mark and a second either side."""
    rows, moments = [], []
    for k, (s, e) in enumerate(zip(spans.start, spans.end, strict=True)):
        hour = s + data.draw(st.integers(0, (e - 1 - s) // H)) * H
        chosen = {s, data.draw(st.integers(s, e - 1)), hour, hour + 1}
        if marks.calendar[k] is not None:
            calendar = config.calendars[marks.calendar[k]]
            after = calendar.add(datetime.fromtimestamp(s, UTC), Fraction(1, H), "business_hours")
            chosen |= {epoch(after) - 1, epoch(after)}
        for mark in (marks.overdue_after[k], marks.half_at[k], marks.three_quarters_at[k]):
            if mark != NAT:
                chosen |= {int(mark) - 1, int(mark), int(mark) + 1}
        inside = sorted(t for t in chosen if s <= t < e)
        rows += [k] * len(inside)
        moments += inside
    return rows, moments


def check_against_measure(config: SlaConfig, logs: list[list[Event]], data: st.DataObject) -> None:
    """Cut each item's phases into spans at random, compute their marks, and compare
    them with `measure` at instants of each span (after the last event for an item's
    last span: nothing else happens)."""
    by_id = {i: [replace(e, item_id=i) for e in log] for i, log in enumerate(logs, start=1)}
    items, phases = columns(by_id, at=max(log[-1].at for log in by_id.values()))
    spans = cut_spans(by_id, items, phases, data)
    marks = resolution_marks(
        config,
        items,
        phases,
        np.array(spans.item, dtype=np.int64),
        np.array(spans.start, dtype=np.int64),
        np.array(spans.status, dtype=np.int64),
        span_facts={"tier": np.array(spans.tier, dtype=object)},
    )
    rows, moments = instants(config, marks, spans, data)
    chosen = take(marks, np.array(rows, dtype=np.int64))
    t = np.array(moments, dtype=np.int64)
    got = zip(
        chosen.calendar,
        overdue_at(chosen, config.calendars, t).tolist(),
        share_bucket(chosen, t).tolist(),
        strict=True,
    )
    for k, moment, answer in zip(rows, moments, got, strict=True):
        want = expected(config, by_id[int(items.item_id[spans.item[k]])], moment)
        if spans.status[k] not in OPEN:
            want = (None, False, -1)  # no marks outside open statuses
        assert answer == want, (k, datetime.fromtimestamp(moment, UTC))


@settings(max_examples=40, deadline=None)
@given(st.lists(histories(), min_size=1, max_size=4), st.data())
def test_marks_equal_measure_on_the_bulk_histories(
    logs: list[list[Event]], data: st.DataObject
) -> None:
    check_against_measure(CONFIG, logs, data)


@settings(max_examples=60, deadline=None)
@given(st.lists(escalating_histories() | paused_near_due(), min_size=1, max_size=4), st.data())
def test_marks_equal_measure_with_escalations_and_whole_hours(
    logs: list[list[Event]], data: st.DataObject
) -> None:
    check_against_measure(TIERED, logs, data)


# -- hand-worked cases (br-sp unless told) --------------------------------------------


def one_item(
    config: SlaConfig, events: list[Event], tiers: list[str] | None = None
) -> tuple[Phases, SpanMarks]:
    """The marks of one item's phases, each phase one span (tiers: per phase)."""
    items, phases = columns({1: events}, at=events[-1].at)
    marks = resolution_marks(
        config,
        items,
        phases,
        np.zeros(len(phases.item), dtype=np.int64),
        phases.start,
        phases.status,
        span_facts=None if tiers is None else {"tier": np.array(tiers, dtype=object)},
    )
    return phases, marks


def row(phases: Phases, marks: SpanMarks, k: int) -> tuple[object, ...]:
    def local(t: np.int64) -> datetime | None:
        return None if t == NAT else datetime.fromtimestamp(int(t), BRT)

    return (
        list(Status)[phases.status[k]].value,
        local(phases.start[k]),
        marks.calendar[k],
        local(marks.overdue_after[k]),
        bool(marks.overdue_off_hours[k]),
        local(marks.half_at[k]),
        local(marks.three_quarters_at[k]),
    )


def answers(
    config: SlaConfig, events: list[Event], when: datetime, tiers: list[str] | None = None
) -> tuple[bool, str]:
    """(overdue, share bucket) from the marks of the phase containing `when`, checked
    against `measure` at that instant."""
    phases, marks = one_item(config, events, tiers)
    k = int(np.searchsorted(phases.start, epoch(when), side="right")) - 1
    span = take(marks, np.array([k]))
    got = (
        bool(overdue_at(span, config.calendars, epoch(when))[0]),
        SHARE_BUCKETS[share_bucket(span, epoch(when))[0]],
    )
    _, breached, bucket = expected(config, events, epoch(when))
    assert got == (breached, SHARE_BUCKETS[bucket])
    return got


class TestWorkedExample:
    # docs/sla.md, "Worked example": invoice-dispute (pauses on the customer only);
    # received Fri 17 April 10:00, started 13:00, pending on the customer Fri 17:00 ->
    # Mon 20 09:00, waiting on finance from Mon 10:00.
    # T = Fri 10-18 (8 h) + 5 business days (Mon 20, Wed 22, Thu 23, Fri 24, Mon 27:
    # 50 h) = 58 h; a half is 29 h, three quarters 43.5 h.
    EVENTS = test_clock.TestPausesAndOla.EVENTS

    def test_marks_of_each_span(self) -> None:
        phases, marks = one_item(V1, self.EVENTS)
        # Before the pause, P = 0: due Mon 27 18:00; 29 h after receipt: Fri 8, Mon 20
        # 10 (18), Tiradentes, Wed 22 10 (28), Thu 23 08:00 + 1 h; 43.5 h: Thu 23 (38),
        # Fri 24 08:00 + 5.5 h.
        before = ("br-sp", at(27, 18), False, at(23, 9), at(24, 13, 30))
        # Paused from Fri 17:00 with 51 business hours left (Fri 1 + Mon 10 + Wed-Fri 30
        # + Mon 10): never overdue while paused; elapsed stays 7 h, under a half.
        paused = ("br-sp", None, False, None, None)
        # Resumed with P = 2 h (Fri 17-18, Mon 08-09): due Tue 28 10:00; a half at
        # 31 business hours after receipt (Thu 23 11:00), three quarters at 45.5 h
        # (Fri 24 15:30). Waiting on finance does not pause this policy: the same.
        after = ("br-sp", at(28, 10), False, at(23, 11), at(24, 15, 30))
        assert [row(phases, marks, k) for k in range(len(marks))] == [
            ("new", at(17, 10), *before),
            ("queued", at(17, 11), *before),
            ("assigned", at(17, 11, 5), *before),
            ("in_progress", at(17, 13), *before),
            ("pending_customer", at(17, 17), *paused),
            ("in_progress", at(20, 9), *after),
            ("pending_area", at(20, 10), *after),
        ]

    def test_read_at_instants(self) -> None:
        # Wed 22 12:00: 20 h of 58 h (34 %); Thu 23 11:00: 29 h, exactly a half;
        # Fri 24 15:30: 43.5 h; Tue 28 10:00 is the due itself, 10:00:01 past it.
        assert answers(V1, self.EVENTS, at(22, 12)) == (False, "under_half")
        assert answers(V1, self.EVENTS, at(23, 10, 59, 59)) == (False, "under_half")
        assert answers(V1, self.EVENTS, at(23, 11)) == (False, "half_to_three_quarters")
        assert answers(V1, self.EVENTS, at(24, 15, 30)) == (False, "three_quarters_on")
        assert answers(V1, self.EVENTS, at(28, 10)) == (False, "three_quarters_on")
        assert answers(V1, self.EVENTS, at(28, 10, 0, 1)) == (True, "three_quarters_on")


class TestPausedExactlyAtTheDue:
    # Received Fri 10 April 10:00: due 5 business days later, Fri 17 18:00 (T = 58 h).
    # Pending on the customer from Saturday 18 10:00: no business time passed since the
    # due, so the due moves with every business second paused (remaining exactly 0).
    EVENTS = worked_on(at(10, 10), (Action.PEND_CUSTOMER, at(18, 10), {}))

    def test_the_pause_is_marked_overdue_off_hours(self) -> None:
        phases, marks = one_item(V1, self.EVENTS)
        # Elapsed stays 58 h = T: three quarters from the start of the pause.
        assert row(phases, marks, 4) == (
            "pending_customer",
            at(18, 10),
            "br-sp",
            at(17, 18),
            True,
            at(18, 10),
            at(18, 10),
        )

    @pytest.mark.parametrize(
        ("when", "overdue"),
        [
            (at(18, 10), True),  # Saturday: past Fri 18:00, no business time paused yet
            (at(19, 12), True),  # Sunday
            (at(20, 8), True),  # Monday's opening instant: still nothing paused
            (at(20, 8, 0, 1), False),  # one second paused: due Mon 08:00:01, in time
            (at(20, 10), False),  # due Mon 10:00: the due instant itself is in time
            (at(21, 10), True),  # Tue 21 Tiradentes: due stuck at Mon 20 18:00
            (at(22, 9), False),  # Wed 09:00: due Wed 09:00
        ],
    )
    def test_overdue_exactly_off_hours(self, when: datetime, overdue: bool) -> None:
        assert answers(V1, self.EVENTS, when) == (overdue, "three_quarters_on")


CALENDAR_HOURS = replace(
    V1,
    policies=(
        SlaPolicy(
            key="default",
            calendar="br-sp",
            targets={"resolution": Target(Decimal(36), "calendar_hours")},
        ),
    ),
)


class TestPausedBeforeADueOffHours:
    # 36 calendar hours from Thu 16 April 20:00: due Sat 18 08:00, off hours (T = Fri
    # 10 h). Pending on the customer from Fri 19:00, after closing: remaining is 0 all
    # along, yet until Sat 08:00 the due has not passed: overdue only past the due AND
    # off hours, not either.
    EVENTS = worked_on(at(16, 20), (Action.PEND_CUSTOMER, at(17, 19), {}))

    def test_marks(self) -> None:
        phases, marks = one_item(CALENDAR_HOURS, self.EVENTS)
        assert row(phases, marks, 4)[2:5] == ("br-sp", at(18, 8), True)

    @pytest.mark.parametrize(
        ("when", "overdue"),
        [
            (at(17, 22), False),  # off hours but before the due
            (at(18, 8), False),  # the due instant itself
            (at(18, 8, 0, 1), True),
            (at(20, 8), True),  # Monday's opening instant: nothing paused yet
            (at(20, 8, 0, 1), False),  # one second paused: due Mon 08:00:01
        ],
    )
    def test_overdue(self, when: datetime, overdue: bool) -> None:
        assert answers(CALENDAR_HOURS, self.EVENTS, when) == (overdue, "three_quarters_on")


def test_time_resolved_before_a_reopen_is_paused() -> None:
    # test_clock's reopening: received Mon 6 April 09:00, resolved Mon 15:00, reopened
    # Tue 15:00 (10 business hours resolved). T = Mon 9 h + 5 days (Tue 7 .. Mon 13)
    # 50 h = 59 h; a half is 29.5 h, three quarters ceil(44.25 h) = 44.25 h.
    events = worked_on(at(6, 9), (Action.RESOLVE, at(6, 15), {}), (Action.REOPEN, at(7, 15), {}))
    phases, marks = one_item(V1, events)
    # Resolved: no marks. Reopened: due Mon 13 18:00 + 10 h = Tue 14 18:00; a half at
    # 39.5 h after receipt (Mon 9, Tue 19, Wed 29, Thu 39, Fri 10 08:30), three
    # quarters at 54.25 h (Fri 49, Mon 13 08:00 + 5.25 h = 13:15).
    assert row(phases, marks, 4) == ("resolved", at(6, 15), None, None, False, None, None)
    assert row(phases, marks, 5) == (
        "queued",
        at(7, 15),
        "br-sp",
        at(14, 18),
        False,
        at(10, 8, 30),
        at(13, 13, 15),
    )
    assert answers(V1, events, at(10, 8, 29, 59)) == (False, "under_half")
    assert answers(V1, events, at(13, 13, 15)) == (False, "three_quarters_on")


def test_a_zero_target_is_used_up_at_receipt() -> None:
    # 0 business hours: due at receipt (Mon 6 April 09:00), T = 0 counts as all used.
    config = replace(
        V1,
        policies=(
            SlaPolicy(
                key="now",
                calendar="br-sp",
                targets={"resolution": Target(Decimal(0), "business_hours")},
            ),
        ),
    )
    events = story(at(6, 9))
    phases, marks = one_item(config, events)
    assert row(phases, marks, 0) == ("new", at(6, 9), "br-sp", at(6, 9), False, at(6, 9), at(6, 9))
    assert answers(config, events, at(6, 9)) == (False, "three_quarters_on")
    assert answers(config, events, at(6, 9, 0, 1)) == (True, "three_quarters_on")


def test_an_escalation_applies_the_policy_of_the_new_tier_from_receipt() -> None:
    # Received Mon 6 April 09:00 on backoffice_l1 (invoice-dispute: due Mon 13 18:00);
    # escalated Tue 7 10:00 to backoffice_l3, whose policy gives 4 business hours:
    # due Mon 6 13:00, so from the escalation on the item is overdue.
    strict = SlaPolicy(
        key="upper",
        calendar="br-sp",
        targets={"resolution": Target(Decimal(4), "business_hours")},
        match={"tier": ("backoffice_l3",)},
    )
    config = replace(V1, policies=(strict, INVOICE))
    escalate = {"to_tier": "backoffice_l3", "reason": "ombudsman"}
    events = worked_on(at(6, 9), (Action.ESCALATE, at(7, 10), escalate))
    tiers = ["backoffice_l1"] * 4 + ["backoffice_l3"]
    phases, marks = one_item(config, events, tiers)
    assert row(phases, marks, 3)[3] == at(13, 18)  # in progress on backoffice_l1
    assert row(phases, marks, 4)[3] == at(6, 13)  # queued on backoffice_l3
    # Tue 09:00 on backoffice_l1: 10 h of 59 h used; from 10:00 on backoffice_l3:
    # 11 h of 4 h.
    assert answers(config, events, at(7, 9), tiers) == (False, "under_half")
    assert answers(config, events, at(7, 10), tiers) == (True, "three_quarters_on")
    # Without span facts the item's current facts (as `items` holds them) are used.
    _, current = one_item(config, events)
    assert current.overdue_after[3] == epoch(at(6, 13))


def test_spans_sharing_a_phase_and_spans_starting_within_a_second() -> None:
    # Two phases starting in the same second (whole seconds: 10:00:00.2 and
    # 10:00:00.7 both read 10:00:00): a span of the first status finds its own phase.
    phases = Phases(
        item=np.array([1, 1, 1, 0], dtype=np.int64),
        status=np.array([0, 1, 2, 0], dtype=np.int64),
        start=np.array([100, 200, 200, 50], dtype=np.int64),
        end=np.array([200, 200, NAT, NAT], dtype=np.int64),
        pending_area=np.full(4, None, dtype=object),
    )
    with pytest.raises(ValueError, match="grouped by item"):
        phase_of(phases, np.array([0]), np.array([100]), np.array([0]))
    phases = Phases(*(getattr(phases, name)[[3, 0, 1, 2]] for name in Phases.__slots__))
    found = phase_of(
        phases,
        np.array([1, 1, 1, 1, 0]),
        np.array([100, 150, 200, 200, 60]),
        np.array([0, 0, 1, 2, 0]),
    )
    assert found.tolist() == [1, 1, 2, 3, 0]
    for item, start, status in ((1, 99, 0), (1, 200, 0), (0, 60, 2)):
        with pytest.raises(ValueError, match="lies in no phase"):
            phase_of(phases, np.array([item]), np.array([start]), np.array([status]))


def test_no_span_and_no_clock() -> None:
    items, phases = columns({1: story(at(6, 9), case_type="address_change")}, at=at(6, 10))
    empty = np.zeros(0, dtype=np.int64)
    assert len(resolution_marks(V1, items, phases, empty, empty, empty)) == 0
    marks = resolution_marks(V1, items, phases, np.array([0]), phases.start, phases.status)
    assert marks.calendar.tolist() == [None]  # no policy matches an address change
    assert overdue_at(marks, V1.calendars, epoch(at(20, 9))).tolist() == [False]
    assert share_bucket(marks, epoch(at(20, 9))).tolist() == [-1]


def test_phase_keys_that_would_overflow_use_ranks() -> None:
    # Item 10**9 with instants from 1901 to 2198: item x width passes 2**62.
    early, late = -(2**31), 7_000_000_000
    phases = Phases(
        item=np.array([0, 10**9, 10**9], dtype=np.int64),
        status=np.array([0, 0, 1], dtype=np.int64),
        start=np.array([early, early, late], dtype=np.int64),
        end=np.array([NAT, late, NAT], dtype=np.int64),
        pending_area=np.full(3, None, dtype=object),
    )
    found = phase_of(
        phases, np.array([10**9, 10**9, 0]), np.array([0, late + 1, late]), np.array([0, 1, 0])
    )
    assert found.tolist() == [1, 2, 0]
