"""Customer satisfaction answers: an event on a resolved or closed item, never a
transition; the item keeps the last score, replay and the SLA clocks are unaffected."""

from __future__ import annotations

from dataclasses import fields, replace
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pytest

from retaguarda.domain.errors import Conflict, InvalidInput
from retaguarda.domain.item import replay, satisfaction
from retaguarda.domain.item.events import CSAT_RECORDED, Event
from retaguarda.domain.item.journey import journey
from retaguarda.domain.item.lifecycle import TransitionCommand, transition
from retaguarda.domain.item.model import Action, Outcome, Status, WorkItem
from retaguarda.domain.sla import bulk
from retaguarda.domain.sla.clock import measure, phases
from retaguarda.domain.sla.columns import columns
from tests.domain.builders import AT, LAST_EVENT_AT, item
from tests.domain.sla.test_clock import V1, at, worked_on

S = Status


def answer(status: Status = S.RESOLVED, **fields: Any) -> tuple[WorkItem, Event]:
    """A customer's answer about an item in `status` (4, with a comment, at AT unless told)."""
    values: dict[str, Any] = {"score": 4, "comment": "quick and polite", "at": AT}
    values.update(fields)
    return satisfaction.record(item(status), actor="crm", **values)


class TestRecord:
    @pytest.mark.parametrize("status", [S.RESOLVED, S.CLOSED])
    def test_sets_the_score_and_nothing_else_of_the_state(self, status: Status) -> None:
        before = item(status, outcome=Outcome.SOLVED)

        after, event = satisfaction.record(
            before, score=4, comment="quick and polite", at=AT, actor="crm"
        )

        assert after == replace(before, csat=4, updated_at=AT, version=before.version + 1)
        assert (event.type, event.at, event.actor, event.item_id) == (CSAT_RECORDED, AT, "crm", 7)
        assert dict(event.data) == {"score": 4, "comment": "quick and polite"}
        assert "to" not in event.data  # not a transition
        assert before.csat is None  # the input is left untouched

    def test_a_later_answer_replaces_the_score_and_both_stay_in_the_log(self) -> None:
        first, one = satisfaction.record(
            item(S.RESOLVED), score=2, comment=None, at=AT, actor="crm"
        )
        second, two = satisfaction.record(
            first, score=5, comment="solved after all", at=AT + timedelta(hours=1), actor="crm"
        )

        assert (first.csat, second.csat) == (2, 5)
        assert second.version == first.version + 1
        assert [e.data["score"] for e in (one, two)] == [2, 5]
        assert one.data == {"score": 2, "comment": None}

    @pytest.mark.parametrize(
        "status", [s for s in Status if s not in (S.RESOLVED, S.CLOSED)], ids=str
    )
    def test_is_refused_unless_resolved_or_closed_naming_the_status(self, status: Status) -> None:
        with pytest.raises(Conflict) as caught:
            answer(status)

        assert caught.value.field == "status"
        assert caught.value.message == (
            "satisfaction is recorded only for resolved or closed items; "
            f"item 7 is {status.value!r}"
        )

    @pytest.mark.parametrize("score", [1, 5])
    def test_accepts_the_ends_of_the_scale(self, score: int) -> None:
        after, _ = answer(score=score)
        assert after.csat == score

    @pytest.mark.parametrize("score", [0, 6, -1, True, 3.0, "3"], ids=repr)
    def test_refuses_a_score_off_the_scale(self, score: object) -> None:
        with pytest.raises(InvalidInput) as caught:
            answer(score=score)

        assert caught.value.field == "score"

    def test_a_comment_of_up_to_2000_characters(self) -> None:
        _, event = answer(comment="x" * 2000)
        assert len(event.data["comment"]) == 2000

        with pytest.raises(InvalidInput) as caught:
            answer(comment="x" * 2001)
        assert caught.value.field == "comment"

    def test_refuses_an_instant_before_the_last_event(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            answer(at=LAST_EVENT_AT - timedelta(seconds=1))

        assert caught.value.field == "at"
        assert "events of an item are chronological" in caught.value.message

    def test_accepts_the_instant_of_the_last_event(self) -> None:
        after, _ = answer(at=LAST_EVENT_AT)
        assert after.updated_at == LAST_EVENT_AT

    def test_refuses_a_naive_instant(self) -> None:
        naive = datetime(2026, 3, 2, 12, 0)  # noqa: DTZ001 - the point of the test

        with pytest.raises(InvalidInput) as caught:
            answer(at=naive)

        assert caught.value.field == "at"

    def test_the_status_is_reported_before_the_score(self) -> None:
        with pytest.raises(Conflict):
            answer(S.IN_PROGRESS, score=9)


def resolved_with_answers() -> list[Event]:
    """An item worked on from Fri 17 April, resolved Mon 20 at 11:00, answered twice."""
    events = worked_on(at(17, 10), (Action.RESOLVE, at(20, 11), {"outcome": "unfounded"}))
    state = replay.fold(1, events)
    for score, when in ((2, at(20, 15)), (4, at(21, 9))):
        state, event = satisfaction.record(state, score=score, comment=None, at=when, actor="crm")
        events.append(replace(event, item_id=1))
    return events


class TestTheLogStaysWhole:
    def test_fold_replays_the_answers(self) -> None:
        events = resolved_with_answers()

        folded = replay.fold(1, events)

        assert (folded.status, folded.outcome, folded.csat) == (S.RESOLVED, Outcome.UNFOUNDED, 4)
        assert folded.version == len(events)
        assert folded.updated_at == at(21, 9)

    def test_sla_clocks_ignore_the_answers(self) -> None:
        events = resolved_with_answers()
        transitions = [e for e in events if e.type != CSAT_RECORDED]

        for when in (at(20, 16), at(22, 12)):
            with_answers = measure(events, [V1], at=when)
            without = measure(transitions, [V1], at=when)
            assert with_answers.clocks == without.clocks
            assert with_answers.clocks  # the policy did match: clocks were compared

    def test_the_bulk_clocks_ignore_the_answers(self) -> None:
        events = resolved_with_answers()
        transitions = [e for e in events if e.type != CSAT_RECORDED]
        when = at(22, 12)

        measured = [
            bulk.measure_many(V1, *columns({1: log}, at=when), at=int(when.timestamp()))
            for log in (events, transitions)
        ]

        assert len(measured[0].item) > 0
        for field in fields(bulk.Clocks):
            a, b = (getattr(m, field.name) for m in measured)
            assert np.array_equal(a, b), field.name

    def test_the_status_timeline_and_the_journey_ignore_the_answers(self) -> None:
        events = resolved_with_answers()
        transitions = [e for e in events if e.type != CSAT_RECORDED]

        assert phases(events, at(22, 12)) == phases(transitions, at(22, 12))
        assert journey(events) == journey(transitions)

    def test_a_transition_after_an_answer_keeps_the_score(self) -> None:
        events = resolved_with_answers()
        state = replay.fold(1, events)
        closed, _ = transition(
            state,
            TransitionCommand(action=Action.CLOSE, at=at(21, 10), actor="sofia"),
            ladder=(),
        )

        assert (closed.status, closed.csat, closed.outcome) == (S.CLOSED, 4, Outcome.UNFOUNDED)
