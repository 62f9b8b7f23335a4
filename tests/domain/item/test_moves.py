"""Supervisor moves: the action per target, why an item is skipped, the assignee's area."""

from __future__ import annotations

from typing import Any

import pytest

from retaguarda.domain.catalog import Agent
from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.item import moves
from retaguarda.domain.item.lifecycle import transition
from retaguarda.domain.item.model import Action, Status
from retaguarda.domain.item.moves import MoveTarget
from tests.domain.builders import AT, LADDER, item

S = Status
TO_BRUNO = MoveTarget(assignee="bruno")
TO_QUEUE = MoveTarget(queue=True)
TO_FINANCE = MoveTarget(area="finance")
BACKOFFICE = ("backoffice",)  # bruno's areas


class TestMoveTarget:
    @pytest.mark.parametrize(
        ("target", "action"),
        [(TO_BRUNO, Action.ASSIGN), (TO_QUEUE, Action.UNASSIGN), (TO_FINANCE, Action.TRANSFER)],
        ids=["agent", "queue", "area"],
    )
    def test_each_target_is_one_action(self, target: MoveTarget, action: Action) -> None:
        assert target.action is action

    @pytest.mark.parametrize(
        "fields",
        [{}, {"queue": False}, {"assignee": "bruno", "queue": True}, {"assignee": "a", "area": "b"},
         {"queue": True, "area": "finance"}],
        ids=["nothing", "queue false", "agent and queue", "agent and area", "queue and area"],
    )  # fmt: skip
    def test_needs_exactly_one_destination(self, fields: dict[str, Any]) -> None:
        with pytest.raises(InvalidInput) as caught:
            MoveTarget(**fields)

        assert caught.value.field == "to"
        assert caught.value.message == "give exactly one of assignee, queue (true) or area"


class TestCommand:
    def test_carries_the_target_the_actor_and_the_note(self) -> None:
        cmd = moves.command(TO_FINANCE, at=AT, actor="sofia", note="finance owns refunds")

        after, event = transition(item(S.ASSIGNED), cmd, ladder=LADDER)

        assert (after.status, after.area, after.assignee) == (S.QUEUED, "finance", None)
        assert (event.type, event.actor, event.at) == ("transferred", "sofia", AT)
        assert event.data["note"] == "finance owns refunds"

    def test_to_an_agent_assigns(self) -> None:
        cmd = moves.command(TO_BRUNO, at=AT, actor="sofia", note=None)

        after, event = transition(item(S.IN_PROGRESS), cmd, ladder=LADDER)

        assert (after.status, after.assignee) == (S.ASSIGNED, "bruno")
        assert event.data["changes"] == {"assignee": "bruno"}
        assert "note" not in event.data


class TestSkipReason:
    # item() is in back office; from assigned on it is ana's.
    @pytest.mark.parametrize(
        ("status", "target", "overrides", "reason"),
        [
            # moves that go ahead
            (S.QUEUED, TO_BRUNO, {}, None),
            (S.IN_PROGRESS, TO_BRUNO, {}, None),  # reassigned from ana
            (S.ASSIGNED, TO_QUEUE, {}, None),
            (S.IN_PROGRESS, TO_QUEUE, {}, None),
            (S.NEW, TO_FINANCE, {}, None),
            (S.IN_PROGRESS, TO_FINANCE, {}, None),
            # the action does not apply: the reason is the status
            (S.PENDING_CUSTOMER, TO_BRUNO, {}, "pending_customer"),
            (S.PENDING_AREA, TO_FINANCE, {}, "pending_area"),
            (S.RESOLVED, TO_BRUNO, {}, "resolved"),
            (S.QUEUED, TO_QUEUE, {}, "queued"),  # in the queue already
            (S.NEW, TO_QUEUE, {}, "new"),
            (S.CLOSED, TO_FINANCE, {}, "closed"),
            # the action applies but would change nothing, or may not be done
            (S.IN_PROGRESS, TO_BRUNO, {"assignee": "bruno"}, "already_assigned"),
            (S.QUEUED, TO_FINANCE, {"area": "finance"}, "already_in_area"),
            (S.QUEUED, TO_BRUNO, {"area": "finance"}, "assignee_not_in_area"),
        ],
        ids=lambda v: str(v) if not isinstance(v, MoveTarget) else f"to {v.action}",
    )
    def test_table(
        self,
        status: Status,
        target: MoveTarget,
        overrides: dict[str, str],
        reason: str | None,
    ) -> None:
        found = moves.skip_reason(item(status, **overrides), target, assignee_areas=BACKOFFICE)

        assert found == reason

    def test_a_move_that_goes_ahead_is_a_legal_transition(self) -> None:
        # skip_reason None must mean transition succeeds: check every open status.
        for status in (S.NEW, S.QUEUED, S.ASSIGNED, S.IN_PROGRESS):
            for target in (TO_BRUNO, TO_QUEUE, TO_FINANCE):
                subject = item(status)
                if moves.skip_reason(subject, target, assignee_areas=BACKOFFICE) is None:
                    cmd = moves.command(target, at=AT, actor="sofia", note=None)
                    transition(subject, cmd, ladder=LADDER)

    def test_the_status_wins_over_the_other_reasons(self) -> None:
        waiting = item(S.PENDING_CUSTOMER, assignee="bruno")

        assert moves.skip_reason(waiting, TO_BRUNO, assignee_areas=BACKOFFICE) == (
            "pending_customer"
        )


class TestCheckAssignee:
    CARLA = Agent("carla", "Carla Dias", areas=("finance",))

    def test_passes_in_one_of_the_agents_areas(self) -> None:
        moves.check_assignee(self.CARLA, "finance")

    def test_refuses_another_area_naming_the_assignee(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            moves.check_assignee(self.CARLA, "backoffice")

        assert caught.value.field == "assignee"
        assert caught.value.message == (
            "agent 'carla' does not work in area 'backoffice' (works in: finance)"
        )

    def test_an_agent_without_areas_works_nowhere(self) -> None:
        with pytest.raises(InvalidInput, match=r"\(works in: no area\)"):
            moves.check_assignee(Agent("zeca", "Zeca"), "backoffice")
