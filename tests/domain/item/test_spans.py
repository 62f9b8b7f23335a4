"""Spans: the state over time, checked against `fold` at every instant that matters."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retaguarda.domain.item import replay
from retaguarda.domain.item.events import Event, created_event
from retaguarda.domain.item.lifecycle import TransitionCommand, transition
from retaguarda.domain.item.model import Action, Status, WorkItem
from retaguarda.domain.item.spans import (
    NAT,
    OPEN,
    STATUS_CODES,
    Spans,
    columns_of,
    epoch_us,
    grouping_changes,
    open_spans,
    resolutions,
    spans,
)
from tests.domain.builders import LADDER, T0, draft
from tests.domain.item.test_replay import _histories as one_history

STATUSES = list(Status)
History = tuple[Event, list[Event], WorkItem]


def state_at(events: list[Event], item_id: int, t: datetime) -> WorkItem | None:
    """The oracle: fold the events dated at or before t (None before the item exists)."""
    seen = [e for e in events if e.at <= t]
    return replay.fold(item_id, seen) if seen else None


def containing(found: Spans, item_id: int, t: datetime) -> list[int]:
    """Rows of the spans of `item_id` that contain t."""
    at = epoch_us(t)
    return [
        row
        for row in np.flatnonzero(found.item_id == item_id)
        if found.start[row] <= at and (found.end[row] == NAT or at < found.end[row])
    ]


def around(
    found: Spans, histories: dict[int, list[Event]], row: int
) -> tuple[WorkItem | None, WorkItem | None]:
    """The oracle's state of the span's item a microsecond before the span starts, and
    at its end (None while it lasts)."""
    item_id = int(found.item_id[row])
    events = histories[item_id]
    start = T0 + timedelta(microseconds=int(found.start[row]) - epoch_us(T0))
    before = state_at(events, item_id, start - timedelta(microseconds=1))
    if found.end[row] == NAT:
        return before, None
    end = T0 + timedelta(microseconds=int(found.end[row]) - epoch_us(T0))
    return before, state_at(events, item_id, end)


class TestAgainstFold:
    @settings(max_examples=300, deadline=None)
    @given(st.lists(one_history(), min_size=1, max_size=4), st.data())
    def test_an_item_is_in_an_open_span_at_t_exactly_when_fold_says_it_is_open(
        self, drawn: list[History], data: st.DataObject
    ) -> None:
        histories = {
            10 * (k + 1): [created, *events] for k, (created, events, _) in enumerate(drawn)
        }
        found = open_spans(columns_of(histories))
        for item_id, events in histories.items():
            last = events[-1].at
            instants = (
                [e.at for e in events]
                + [T0 + timedelta(seconds=data.draw(st.integers(-3600, 0))) for _ in range(3)]
                + [
                    T0 + timedelta(seconds=s)
                    for s in data.draw(
                        st.lists(
                            st.integers(0, int((last - T0).total_seconds()) + 86_400), max_size=8
                        )
                    )
                ]
            )
            for t in instants:
                state = state_at(events, item_id, t)
                rows = containing(found, item_id, t)
                if state is None or state.status not in OPEN:
                    assert rows == [], (item_id, t)
                    continue
                assert len(rows) == 1, (item_id, t)
                row = rows[0]
                assert STATUSES[found.status[row]] == state.status
                got = {name: found.fields[name][row] for name in found.fields}
                assert got == {
                    "area": state.area,
                    "tier": state.tier,
                    "assignee": state.assignee,
                    "pending_area": state.pending_area,
                }

    @settings(max_examples=200, deadline=None)
    @given(st.lists(one_history(), min_size=1, max_size=4))
    def test_enters_and_left_to_mark_where_the_item_comes_into_and_out_of_the_backlog(
        self, drawn: list[History]
    ) -> None:
        histories = {k + 1: [created, *events] for k, (created, events, _) in enumerate(drawn)}
        found = open_spans(columns_of(histories))
        for row in range(len(found)):
            before, after = around(found, histories, row)
            assert found.enters[row] == (before is None or before.status not in OPEN)
            if found.end[row] == NAT:
                assert found.left_to[row] == -1
                continue
            assert after is not None
            left = -1 if after.status in OPEN else STATUS_CODES[after.status]
            assert found.left_to[row] == left

    @settings(max_examples=200, deadline=None)
    @given(st.lists(one_history(), min_size=1, max_size=4))
    def test_in_and_out_flags_mark_where_the_items_group_changes(
        self, drawn: list[History]
    ) -> None:
        # f_in: just before the span the item was not open or had another f; f_out:
        # just at its end the item is not open or has another f.
        histories = {k + 1: [created, *events] for k, (created, events, _) in enumerate(drawn)}
        found = open_spans(columns_of(histories))
        flags = grouping_changes(found)
        for row in range(len(found)):
            before, after = around(found, histories, row)
            for name in ("area", "tier", "assignee"):
                value = found.fields[name][row]
                came = before is None or before.status not in OPEN
                assert flags[f"{name}_in"][row] == (came or getattr(before, name) != value)
                if found.end[row] == NAT:
                    assert not flags[f"{name}_out"][row]
                    continue
                assert after is not None
                went = after.status not in OPEN or getattr(after, name) != value
                assert flags[f"{name}_out"][row] == went

    @settings(max_examples=200, deadline=None)
    @given(st.lists(one_history(), min_size=1, max_size=4))
    def test_spans_of_an_item_follow_each_other_numbered_from_zero(
        self, drawn: list[History]
    ) -> None:
        histories = {k + 1: [created, *events] for k, (created, events, _) in enumerate(drawn)}
        every = spans(columns_of(histories))
        for item_id in histories:
            rows = np.flatnonzero(every.item_id == item_id)
            assert list(every.seq[rows]) == list(range(len(rows)))
            # Contiguous: each span ends where the next starts; only the last lasts.
            assert list(every.end[rows][:-1]) == list(every.start[rows][1:])
            assert every.end[rows][-1] == NAT
            assert all(every.start[rows][:-1] < every.end[rows][:-1])


class TestResolutions:
    @settings(max_examples=300, deadline=None)
    @given(st.lists(one_history(), min_size=1, max_size=4))
    def test_one_row_per_resolved_event_with_the_state_and_work_before_it(
        self, drawn: list[History]
    ) -> None:
        histories = {k + 1: [created, *events] for k, (created, events, _) in enumerate(drawn)}
        found = resolutions(columns_of(histories))
        expected = []
        for item_id, events in histories.items():
            transitions = [e for e in events if e.type == "created" or "to" in e.data]
            worked = 0  # microseconds in progress since the last resolution
            for k, event in enumerate(transitions):
                if k:
                    before = replay.fold(item_id, transitions[:k])
                    if before.status is Status.IN_PROGRESS:
                        worked += epoch_us(event.at) - epoch_us(transitions[k - 1].at)
                if event.type != "resolved":
                    continue
                state = replay.fold(item_id, transitions[: k + 1])
                later = [
                    replay.fold(item_id, transitions[: j + 1])
                    for j in range(k + 1, len(transitions))
                ]
                expected.append(
                    (
                        item_id,
                        epoch_us(event.at),
                        state.area,
                        state.tier,
                        state.assignee,
                        state.reason,
                        epoch_us(transitions[0].at),
                        replay.fold(
                            item_id, [e for e in transitions if e.at == transitions[0].at]
                        ).tier,
                        worked,
                        any(s.status in OPEN for s in later),
                    )
                )
                worked = 0
        got = [
            (
                int(found.item_id[row]),
                int(found.at[row]),
                *(found.fields[name][row] for name in ("area", "tier", "assignee", "reason")),
                int(found.received[row]),
                found.entry_tier[row],
                int(found.handling_us[row]),
                bool(found.reopened[row]),
            )
            for row in range(len(found))
        ]
        assert got == expected


class TestByHand:
    def test_a_transfer_while_queued_splits_the_wait_by_area(self) -> None:
        # Created 09:00 in backoffice; queued at once (same instant: the `new` state
        # lasted no time, so it has no span); transferred to finance at 10:30:00.25;
        # assigned to ana 11:00; resolved 12:00 (no span: not open).
        created = created_event(draft(area="backoffice"), actor="crm")
        item = replay.start(1, created)
        events: list[Event] = [created]
        steps = [
            (Action.QUEUE, timedelta(0), {}),
            (
                Action.TRANSFER,
                timedelta(hours=1, minutes=30, microseconds=250_000),
                {"area": "finance"},
            ),
            (Action.ASSIGN, timedelta(hours=2), {"assignee": "ana"}),
            (Action.START, timedelta(hours=2), {}),
            (Action.RESOLVE, timedelta(hours=3), {}),
        ]
        for action, offset, fields in steps:
            command = TransitionCommand(action=action, at=T0 + offset, actor="sofia", **fields)
            item, event = transition(item, command, ladder=LADDER)
            events.append(event)

        found = open_spans(columns_of({1: events}))

        us = epoch_us(T0)
        hour = 3_600_000_000
        assert list(found.start - us) == [0, hour * 3 // 2 + 250_000, 2 * hour]
        assert list(found.end - us) == [hour * 3 // 2 + 250_000, 2 * hour, 3 * hour]
        assert [STATUSES[s] for s in found.status] == [
            Status.QUEUED,
            Status.QUEUED,
            Status.IN_PROGRESS,  # assigned and started at the same instant: one span
        ]
        assert list(found.fields["area"]) == ["backoffice", "finance", "finance"]
        assert list(found.fields["assignee"]) == [None, None, "ana"]
        assert list(found.seq) == [0, 1, 2]
        # By area, the item moves at the transfer (out of backoffice, into finance)
        # and leaves at the resolution; by assignee, at the assignment.
        flags = grouping_changes(found)
        assert list(flags["area_in"]) == [True, True, False]
        assert list(flags["area_out"]) == [True, False, True]
        assert list(flags["assignee_in"]) == [True, False, True]
        assert list(flags["assignee_out"]) == [False, True, True]
        assert list(flags["tier_in"]) == [True, False, False]
        assert list(flags["tier_out"]) == [False, False, True]

    def test_a_reopen_opens_a_new_span_after_the_resolved_time(self) -> None:
        created = created_event(draft(), actor="crm")
        item = replay.start(1, created)
        events: list[Event] = [created]
        for action, hours in [
            (Action.ASSIGN, 1),
            (Action.START, 2),
            (Action.RESOLVE, 3),
            (Action.REOPEN, 5),
        ]:
            fields = {"assignee": "ana"} if action is Action.ASSIGN else {}
            command = TransitionCommand(
                action=action, at=T0 + timedelta(hours=hours), actor="sofia", **fields
            )
            item, event = transition(item, command, ladder=LADDER)
            events.append(event)

        found = open_spans(columns_of({1: events}))

        # new 0-1 h, assigned 1-2 h, in progress 2-3 h, (resolved 3-5 h), queued from 5 h.
        hours = [(s - epoch_us(T0)) / 3_600_000_000 for s in found.start]
        assert hours == [0, 1, 2, 5]
        assert found.end[-1] == NAT
        assert [STATUSES[s] for s in found.status] == [
            Status.NEW,
            Status.ASSIGNED,
            Status.IN_PROGRESS,
            Status.QUEUED,
        ]
        assert STATUS_CODES[Status.QUEUED] == found.status[-1]
        # In at creation and again at the reopen; out at the resolution.
        assert list(found.enters) == [True, False, False, True]
        resolved = STATUS_CODES[Status.RESOLVED]
        assert list(found.left_to) == [-1, -1, resolved, -1]
