"""Derived state: the log rebuilds exactly the state the lifecycle kept step by step."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.item import replay, satisfaction
from retaguarda.domain.item.events import CREATED, CSAT_RECORDED, Event, created_event
from retaguarda.domain.item.lifecycle import TransitionCommand, allowed_actions, transition
from retaguarda.domain.item.model import Action, Channel, Customer, Outcome, Status, WorkItem
from tests.domain.builders import LADDER, T0, draft

AREAS = ("backoffice", "finance", "logistics", "ombudsman")
AGENTS = ("ana", "bruno", "carla")
ITEM_ID = 41

_optional_text = st.none() | st.sampled_from(["called back", "see attachment", "duplicate"])


def _feasible(item: WorkItem) -> list[Action]:
    """Allowed actions for which valid fields exist (escalate needs a tier above)."""
    top = item.tier == LADDER[-1]
    return sorted(a for a in allowed_actions(item.status) if not (a is Action.ESCALATE and top))


@st.composite
def _command(draw: st.DrawFn, item: WorkItem) -> TransitionCommand | None:
    """A valid command for `item`, dated at or after its last event; None if it is final."""
    actions = _feasible(item)
    if not actions:
        return None
    # Cancel and close end a history; pick them rarely so histories get long.
    ongoing = [a for a in actions if a not in (Action.CANCEL, Action.CLOSE)]
    is_ending = not ongoing or draw(st.integers(0, 9)) == 9
    action = draw(st.sampled_from(actions if is_ending else ongoing))
    at = item.updated_at + timedelta(seconds=draw(st.integers(0, 5 * 24 * 3600)))
    fields: dict[str, Any] = {"note": draw(_optional_text), "reason": draw(_optional_text)}
    if action is Action.ASSIGN:
        fields["assignee"] = draw(st.sampled_from(AGENTS))
    elif action is Action.QUEUE:
        fields["area"] = draw(st.none() | st.sampled_from(AREAS))
    elif action in (Action.PEND_AREA, Action.TRANSFER):
        fields["area"] = draw(st.sampled_from([a for a in AREAS if a != item.area]))
    elif action is Action.RESOLVE:
        fields["outcome"] = draw(st.none() | st.sampled_from(list(Outcome)))
    elif action is Action.ESCALATE:
        above = LADDER[LADDER.index(item.tier) + 1 :]
        fields["reason"] = draw(st.sampled_from(["regulator", "customer insists"]))
        fields["to_tier"] = draw(st.none() | st.sampled_from(above))
        fields["area"] = draw(st.none() | st.sampled_from(AREAS))
    actor = draw(st.sampled_from(["sofia", "ana", "crm"]))
    return TransitionCommand(action=action, at=at, actor=actor, **fields)


@st.composite
def _histories(draw: st.DrawFn) -> tuple[Event, list[Event], WorkItem]:
    """A `created` event, the events of random legal commands (and, once the item is
    resolved or closed, customer satisfaction answers), and the state kept incrementally."""
    created = created_event(
        draft(
            area=draw(st.sampled_from(AREAS)),
            tier=draw(st.sampled_from(LADDER)),
            reason=draw(_optional_text),
        ),
        actor="crm",
    )
    state = replay.start(ITEM_ID, created)
    events: list[Event] = []
    for _ in range(draw(st.integers(0, 25))):
        if state.status in satisfaction.ANSWERABLE and draw(st.booleans()):
            state, event = satisfaction.record(
                state,
                score=draw(st.integers(1, 5)),
                comment=draw(_optional_text),
                at=state.updated_at + timedelta(seconds=draw(st.integers(0, 7 * 24 * 3600))),
                actor="crm",
            )
            events.append(event)
            continue
        cmd = draw(_command(state))
        if cmd is None:
            break
        state, event = transition(state, cmd, ladder=LADDER)
        events.append(event)
    return created, events, state


def _through_json(event: Event) -> Event:
    """The event as storage gives it back: its data has been through JSON."""
    return replace(event, data=json.loads(json.dumps(event.data)))


class TestFold:
    @settings(max_examples=300, deadline=None)
    @given(_histories())
    def test_rebuilds_the_incrementally_kept_state(
        self, history: tuple[Event, list[Event], WorkItem]
    ) -> None:
        created, events, state = history

        assert replay.fold(ITEM_ID, [created, *events]) == state

    @settings(max_examples=200, deadline=None)
    @given(_histories())
    def test_rebuilds_the_same_state_from_json_stored_events(
        self, history: tuple[Event, list[Event], WorkItem]
    ) -> None:
        created, events, state = history

        stored = [_through_json(e) for e in (created, *events)]

        assert replay.fold(ITEM_ID, stored) == state

    @settings(max_examples=200, deadline=None)
    @given(_histories())
    def test_kept_state_holds_the_model_invariants(
        self, history: tuple[Event, list[Event], WorkItem]
    ) -> None:
        _, events, state = history

        assert state.version == 1 + len(events)
        assert state.journey[-1] == state.tier
        assert [e.at for e in events] == sorted(e.at for e in events)
        assert state.updated_at == (events[-1].at if events else T0)
        # An outcome exactly while resolved or closed; the last answer's score.
        assert (state.outcome is not None) == (state.status in (Status.RESOLVED, Status.CLOSED))
        answers = [e.data["score"] for e in events if e.type == CSAT_RECORDED]
        assert state.csat == (answers[-1] if answers else None)

    def test_a_hand_written_history(self) -> None:
        # Created at backoffice_l1; ana starts it, escalation requeues it at
        # backoffice_l2 without an assignee, then bruno takes it and resolves it.
        created = created_event(draft(), actor="crm")
        steps = [
            (Action.QUEUE, {}),
            (Action.ASSIGN, {"assignee": "ana"}),
            (Action.START, {}),
            (Action.ESCALATE, {"reason": "needs l2"}),
            (Action.ASSIGN, {"assignee": "bruno"}),
            (Action.START, {}),
            (Action.RESOLVE, {"reason": "refund_issued"}),
        ]
        state = replay.start(ITEM_ID, created)
        events = []
        for minute, (action, fields) in enumerate(steps, start=1):
            command = TransitionCommand(
                action=action, at=T0 + timedelta(minutes=minute), actor="sofia", **fields
            )
            state, event = transition(state, command, ladder=LADDER)
            events.append(event)

        rebuilt = replay.fold(ITEM_ID, [created, *events])

        assert rebuilt == state
        assert rebuilt.status is Status.RESOLVED
        assert rebuilt.assignee == "bruno"
        assert rebuilt.journey == ("backoffice_l1", "backoffice_l2")
        assert rebuilt.reason == "refund_issued"
        assert rebuilt.version == 8  # created + 7 transitions
        assert rebuilt.updated_at == T0 + timedelta(minutes=7)

    def test_refuses_an_empty_log(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            replay.fold(ITEM_ID, [])

        assert caught.value.field == "events"
        assert caught.value.message == "an item needs at least its 'created' event"

    def test_refuses_a_log_that_does_not_start_with_created(self) -> None:
        queued = Event(
            type="queued",
            at=T0,
            actor="sofia",
            data={"action": "queue", "from": "new", "to": "queued", "changes": {}},
        )

        with pytest.raises(InvalidInput) as caught:
            replay.fold(ITEM_ID, [queued])

        assert caught.value.field == "events"
        assert caught.value.message == "an item's first event must be 'created', not 'queued'"

    def test_accepts_any_iterable(self) -> None:
        created = created_event(draft(), actor="crm")

        assert replay.fold(ITEM_ID, iter([created])) == replay.start(ITEM_ID, created)


class TestCreatedRoundTrip:
    def test_start_rebuilds_every_field_of_the_draft(self) -> None:
        d = draft()
        event = created_event(d, actor="crm")

        started = replay.start(ITEM_ID, event)

        assert event.type == CREATED
        assert (event.at, event.actor) == (T0, "crm")
        assert started == WorkItem(
            id=ITEM_ID,
            external_ref="CRM-1001",
            channel=Channel.EMAIL,
            case_type="invoice_dispute",
            status=Status.NEW,
            area="backoffice",
            tier="backoffice_l1",
            journey=("backoffice_l1",),
            created_at=T0,
            updated_at=T0,
            version=1,
            subject="Charged twice in February",
            description="Invoice 2026-02 shows the same line twice.",
            customer=Customer(
                external_id="C-42",
                name="Maria Lima",
                email="maria@example.com",
                language="pt_BR",
                segment="retail",
            ),
            amount=Decimal("1234.50"),
            priority=2,
            reason="billing_error",
            tags=("vip", "second_contact"),
        )

    def test_amount_keeps_its_exact_digits_through_json(self) -> None:
        event = _through_json(created_event(draft(amount=Decimal("1234.50")), actor="crm"))

        amount = replay.start(ITEM_ID, event).amount

        assert event.data["amount"] == "1234.50"  # a string in the payload, never a float
        assert amount == Decimal("1234.50")
        assert str(amount) == "1234.50"  # the trailing zero survives

    def test_a_minimal_draft_has_no_customer_amount_or_tags(self) -> None:
        event = _through_json(
            created_event(
                draft(customer=None, amount=None, tags=(), subject=None, description=None),
                actor="crm",
            )
        )

        started = replay.start(ITEM_ID, event)

        assert (started.customer, started.amount, started.tags) == (None, None, ())
        assert (started.subject, started.description) == (None, None)

    def test_customer_with_only_an_external_id(self) -> None:
        event = _through_json(
            created_event(draft(customer=Customer(external_id="C-7")), actor="crm")
        )

        assert replay.start(ITEM_ID, event).customer == Customer(external_id="C-7")

    def test_start_refuses_a_non_created_event(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            replay.start(ITEM_ID, Event(type="assigned", at=T0, actor="sofia"))

        assert caught.value.field == "events"
