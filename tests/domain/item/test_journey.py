"""The tier path of an item, from its events."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from retaguarda.domain.item import replay
from retaguarda.domain.item.events import created_event
from retaguarda.domain.item.journey import Stay, journey
from retaguarda.domain.item.lifecycle import TransitionCommand, transition
from retaguarda.domain.item.model import Action
from tests.domain.builders import LADDER, T0, draft


def test_each_escalation_closes_a_stay_and_opens_the_next() -> None:
    first = replace(created_event(draft(), actor="crm"), item_id=7)
    item = replay.start(7, first)
    events = [first]
    steps = [
        (Action.QUEUE, 1, {}),
        (Action.ASSIGN, 2, {"assignee": "ana"}),
        (Action.ESCALATE, 3, {"reason": "needs a refund approval"}),  # to the next tier
        (Action.ASSIGN, 4, {"assignee": "bruno"}),  # not a tier change: the stay goes on
        (
            Action.ESCALATE,
            5,
            {
                "reason": "customer went to the regulator",
                "to_tier": "ombudsman",
                "area": "ombudsman",
            },
        ),
    ]
    for action, hours, fields in steps:
        item, event = transition(
            item,
            TransitionCommand(
                action=action, at=T0 + timedelta(hours=hours), actor="sofia", **fields
            ),
            ladder=LADDER,
        )
        events.append(event)
    assert journey(events) == [
        Stay("backoffice_l1", "backoffice", T0, "crm", None, T0 + timedelta(hours=3)),
        Stay(
            "backoffice_l2",
            "backoffice",
            T0 + timedelta(hours=3),
            "sofia",
            "needs a refund approval",
            T0 + timedelta(hours=5),
        ),
        Stay(
            "ombudsman",
            "ombudsman",
            T0 + timedelta(hours=5),
            "sofia",
            "customer went to the regulator",
        ),
    ]
    # The path agrees with the journey the item keeps.
    assert tuple(s.tier for s in journey(events)) == item.journey


def test_an_item_never_escalated_has_one_open_stay() -> None:
    first = created_event(draft(), actor="crm")
    assert journey([first]) == [Stay("backoffice_l1", "backoffice", T0, "crm", None)]


def test_a_transfer_is_no_stay_but_the_next_stay_enters_with_its_area() -> None:
    # received in back office at backoffice_l1 (T0); transferred to finance at T0+1h,
    # same tier; escalated at T0+2h: the second stay enters backoffice_l2 from finance.
    first = created_event(draft(), actor="crm")
    item = replay.start(7, first)
    events = [first]
    for action, hours, fields in [
        (Action.TRANSFER, 1, {"area": "finance", "note": "a refund"}),
        (Action.ESCALATE, 2, {"reason": "refund above the limit"}),
    ]:
        at = T0 + timedelta(hours=hours)
        command = TransitionCommand(action=action, at=at, actor="sofia", **fields)
        item, event = transition(item, command, ladder=LADDER)
        events.append(event)

    assert journey(events) == [
        Stay("backoffice_l1", "backoffice", T0, "crm", None, T0 + timedelta(hours=2)),
        Stay(
            "backoffice_l2", "finance", T0 + timedelta(hours=2), "sofia", "refund above the limit"
        ),
    ]
    assert item.journey == ("backoffice_l1", "backoffice_l2")
