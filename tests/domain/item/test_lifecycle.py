"""The status state machine: every (status x action) pair, then the rules of each action."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from itertools import product
from typing import Any

import pytest

from retaguarda.domain.errors import IllegalTransition, InvalidInput
from retaguarda.domain.item.lifecycle import transition
from retaguarda.domain.item.model import Action, Outcome, Status
from tests.domain.builders import AT, LADDER, LAST_EVENT_AT, command, item

A = Action
S = Status

# ---------------------------------------------------------------------------
# The expected table, written out by hand (NOT derived from lifecycle.ACTIONS).
# One row per action, one column per current status (in FROM order). A cell is
# the status the action leads to from that column; ___ means it is illegal there.
# ---------------------------------------------------------------------------
NEW, QUE, ASG, INP = S.NEW, S.QUEUED, S.ASSIGNED, S.IN_PROGRESS
PCU, PAR, RES = S.PENDING_CUSTOMER, S.PENDING_AREA, S.RESOLVED
CLO, CAN = S.CLOSED, S.CANCELLED
___ = None

FROM = (NEW, QUE, ASG, INP, PCU, PAR, RES, CLO, CAN)

# fmt: off
EXPECTED: dict[Action, tuple[Status | None, ...]] = {
    #           from:   NEW  QUE  ASG  INP  PCU  PAR  RES  CLO  CAN
    A.QUEUE:           (QUE, ___, ___, ___, ___, ___, ___, ___, ___),
    A.ASSIGN:          (ASG, ASG, ASG, ASG, ___, ___, ___, ___, ___),
    A.UNASSIGN:        (___, ___, QUE, QUE, ___, ___, ___, ___, ___),
    A.START:           (___, ___, INP, ___, ___, ___, ___, ___, ___),
    A.PEND_CUSTOMER:   (___, ___, ___, PCU, ___, ___, ___, ___, ___),
    A.PEND_AREA:       (___, ___, ___, PAR, ___, ___, ___, ___, ___),
    A.RESUME:          (___, ___, ___, ___, INP, INP, ___, ___, ___),
    A.RESOLVE:         (___, ___, ___, RES, ___, ___, ___, ___, ___),
    A.REOPEN:          (___, ___, ___, ___, ___, ___, QUE, ___, ___),
    A.ESCALATE:        (QUE, QUE, QUE, QUE, QUE, QUE, QUE, ___, ___),
    A.TRANSFER:        (QUE, QUE, QUE, QUE, ___, ___, ___, ___, ___),
    A.CANCEL:          (CAN, CAN, CAN, CAN, CAN, CAN, ___, ___, ___),
    A.CLOSE:           (___, ___, ___, ___, ___, ___, CLO, ___, ___),
}
# fmt: on

EVENT_TYPES = {
    A.QUEUE: "queued",
    A.ASSIGN: "assigned",
    A.UNASSIGN: "unassigned",
    A.START: "started",
    A.PEND_CUSTOMER: "pended_customer",
    A.PEND_AREA: "pended_area",
    A.RESUME: "resumed",
    A.RESOLVE: "resolved",
    A.REOPEN: "reopened",
    A.ESCALATE: "escalated",
    A.TRANSFER: "transferred",
    A.CANCEL: "cancelled",
    A.CLOSE: "closed",
}

# The fields each action needs to succeed; the table test sends them on every pair.
REQUIRED_FIELDS: dict[Action, dict[str, Any]] = {
    A.ASSIGN: {"assignee": "bruno"},
    A.PEND_AREA: {"area": "finance"},
    A.ESCALATE: {"reason": "customer went to the regulator"},
    A.TRANSFER: {"area": "finance"},
}

CELLS = [
    (status, action, target)
    for action, row in EXPECTED.items()
    for status, target in zip(FROM, row, strict=True)
]
LEGAL = [(s, a, t) for s, a, t in CELLS if t is not None]
ILLEGAL = [(s, a) for s, a, t in CELLS if t is None]


def allowed_in(status: Status) -> tuple[str, ...]:
    """The allowed actions of a row of the hand-written table, as the error reports them."""
    return tuple(sorted(a.value for s, a, t in CELLS if s is status and t is not None))


class TestTable:
    def test_covers_every_status_and_every_action_exactly_once(self) -> None:
        assert list(EXPECTED) == list(Action)
        assert list(FROM) == list(Status)
        assert len(CELLS) == 9 * 13

    def test_every_pair_of_the_product_is_in_the_table(self) -> None:
        assert {(s, a) for s, a, _ in CELLS} == set(product(Status, Action))

    def test_has_32_legal_and_85_illegal_pairs(self) -> None:
        # Legal cells per status column: new 5, queued 4, assigned 6, in_progress 8,
        # pending_customer 3, pending_area 3, resolved 3, closed 0, cancelled 0 = 32.
        assert len(LEGAL) == 32
        assert len(ILLEGAL) == 117 - 32 == 85


class TestLegalTransitions:
    @pytest.mark.parametrize(
        ("status", "action", "target"),
        LEGAL,
        ids=[f"{s}-{a}->{t}" for s, a, t in LEGAL],
    )
    def test_moves_to_target_and_records_the_event(
        self, status: Status, action: Action, target: Status
    ) -> None:
        before = item(status)

        after, event = transition(
            before, command(action, **REQUIRED_FIELDS.get(action, {})), ladder=LADDER
        )

        assert after.status is target
        assert event.type == EVENT_TYPES[action]
        assert event.data["action"] == action.value
        assert event.data["from"] == status.value
        assert event.data["to"] == target.value
        assert event.at == AT
        assert event.actor == "sofia"
        assert event.item_id == 7
        assert after.version == 5  # 4 + 1
        assert after.updated_at == AT
        assert after.created_at == before.created_at
        assert before.status is status  # the input is left untouched


class TestIllegalTransitions:
    @pytest.mark.parametrize(
        ("status", "action"),
        ILLEGAL,
        ids=[f"{s}-{a}-illegal" for s, a in ILLEGAL],
    )
    def test_raises_with_current_status_and_allowed_actions(
        self, status: Status, action: Action
    ) -> None:
        with pytest.raises(IllegalTransition) as caught:
            transition(
                item(status), command(action, **REQUIRED_FIELDS.get(action, {})), ladder=LADDER
            )

        error = caught.value
        assert error.status == status.value
        assert error.action == action.value
        assert error.allowed == allowed_in(status)
        assert error.field == "action"

    def test_message_names_action_status_and_allowed_actions(self) -> None:
        with pytest.raises(IllegalTransition) as caught:
            transition(item(S.QUEUED), command(A.START), ladder=LADDER)

        assert caught.value.message == (
            "action 'start' is not allowed when the item is 'queued'; "
            "allowed actions: assign, cancel, escalate, transfer"
        )

    def test_terminal_status_reports_no_allowed_action(self) -> None:
        with pytest.raises(IllegalTransition) as caught:
            transition(item(S.CLOSED), command(A.REOPEN), ladder=LADDER)

        assert caught.value.allowed == ()
        assert caught.value.message.endswith("allowed actions: none")


class TestAssign:
    def test_requires_an_assignee(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(item(S.QUEUED), command(A.ASSIGN), ladder=LADDER)

        assert caught.value.field == "assignee"

    def test_refuses_an_empty_assignee(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(item(S.QUEUED), command(A.ASSIGN, assignee=""), ladder=LADDER)

        assert caught.value.field == "assignee"

    def test_sets_the_assignee(self) -> None:
        after, event = transition(item(S.QUEUED), command(A.ASSIGN, assignee="ana"), ladder=LADDER)

        assert after.assignee == "ana"
        assert event.data["changes"] == {"assignee": "ana"}

    def test_reassigning_in_progress_hands_over_and_restarts_at_assigned(self) -> None:
        after, event = transition(
            item(S.IN_PROGRESS), command(A.ASSIGN, assignee="bruno"), ladder=LADDER
        )

        assert (after.status, after.assignee) == (S.ASSIGNED, "bruno")
        assert event.data["changes"] == {"assignee": "bruno"}


class TestUnusedFields:
    @pytest.mark.parametrize(
        ("status", "action", "fields", "refused"),
        [
            (S.ASSIGNED, A.START, {"assignee": "ana"}, "assignee"),
            (S.IN_PROGRESS, A.RESOLVE, {"area": "finance"}, "area"),
            (S.QUEUED, A.ASSIGN, {"assignee": "ana", "to_tier": "backoffice_l2"}, "to_tier"),
            (S.NEW, A.QUEUE, {"to_tier": "backoffice_l2"}, "to_tier"),
            (S.IN_PROGRESS, A.PEND_AREA, {"area": "finance", "assignee": "ana"}, "assignee"),
            (S.QUEUED, A.ESCALATE, {"reason": "r", "assignee": "ana"}, "assignee"),
            (S.PENDING_AREA, A.RESUME, {"area": "finance"}, "area"),
            (S.RESOLVED, A.CLOSE, {"to_tier": "ombudsman"}, "to_tier"),
        ],
        ids=[
            "start with assignee",
            "resolve with area",
            "assign with to_tier",
            "queue with to_tier",
            "pend_area with assignee",
            "escalate with assignee",
            "resume with area",
            "close with to_tier",
        ],
    )
    def test_are_refused_naming_the_field(
        self, status: Status, action: Action, fields: dict[str, Any], refused: str
    ) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(item(status), command(action, **fields), ladder=LADDER)

        assert caught.value.field == refused
        assert caught.value.message == f"is not used by action {action.value!r}"

    def test_note_and_reason_are_accepted_by_every_action_and_kept_on_the_event(self) -> None:
        after, event = transition(
            item(S.ASSIGNED),
            command(A.START, note="calling the customer", reason="first contact"),
            ladder=LADDER,
        )

        assert event.data["note"] == "calling the customer"
        assert event.data["reason"] == "first contact"
        assert after.reason is None  # only `resolve` turns the reason into the item's
        assert event.data["changes"] == {}

    def test_event_has_no_note_or_reason_key_when_none_was_given(self) -> None:
        _, event = transition(item(S.ASSIGNED), command(A.START), ladder=LADDER)

        assert set(event.data) == {"action", "from", "to", "changes"}


class TestQueue:
    def test_may_move_the_item_to_another_area(self) -> None:
        after, event = transition(item(S.NEW), command(A.QUEUE, area="finance"), ladder=LADDER)

        assert (after.status, after.area) == (S.QUEUED, "finance")
        assert event.data["changes"] == {"area": "finance"}


class TestPendArea:
    def test_records_the_area_waited_on(self) -> None:
        after, event = transition(
            item(S.IN_PROGRESS), command(A.PEND_AREA, area="finance"), ladder=LADDER
        )

        assert (after.status, after.pending_area, after.area) == (
            S.PENDING_AREA,
            "finance",
            "backoffice",
        )
        assert event.data["changes"] == {"pending_area": "finance"}

    def test_requires_an_area(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(item(S.IN_PROGRESS), command(A.PEND_AREA), ladder=LADDER)

        assert caught.value.field == "area"

    def test_refuses_the_items_own_area(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(item(S.IN_PROGRESS), command(A.PEND_AREA, area="backoffice"), ladder=LADDER)

        assert caught.value.field == "area"
        assert caught.value.message == "'backoffice' is the item's own area"

    def test_resume_clears_the_pending_area(self) -> None:
        after, event = transition(item(S.PENDING_AREA), command(A.RESUME), ladder=LADDER)

        assert (after.status, after.pending_area) == (S.IN_PROGRESS, None)
        assert event.data["changes"] == {"pending_area": None}

    def test_cancel_clears_the_pending_area_and_keeps_the_assignee(self) -> None:
        after, event = transition(item(S.PENDING_AREA), command(A.CANCEL), ladder=LADDER)

        assert (after.status, after.pending_area, after.assignee) == (S.CANCELLED, None, "ana")
        assert event.data["changes"] == {"pending_area": None}


class TestEscalate:
    REASON = "customer went to the regulator"

    def test_defaults_to_the_next_tier_on_the_ladder(self) -> None:
        # backoffice_l1 is LADDER[1], so the next tier is LADDER[2] = backoffice_l2.
        after, event = transition(
            item(S.IN_PROGRESS), command(A.ESCALATE, reason=self.REASON), ladder=LADDER
        )

        assert (after.status, after.tier) == (S.QUEUED, "backoffice_l2")
        assert after.journey == ("backoffice_l1", "backoffice_l2")
        assert event.data["changes"] == {"tier": "backoffice_l2", "assignee": None}
        assert event.data["reason"] == self.REASON

    def test_jumps_to_an_explicit_higher_tier(self) -> None:
        after, _ = transition(
            item(S.QUEUED),
            command(A.ESCALATE, reason=self.REASON, to_tier="pre_ombudsman"),
            ladder=LADDER,
        )

        assert after.tier == "pre_ombudsman"
        assert after.journey == ("backoffice_l1", "pre_ombudsman")

    @pytest.mark.parametrize(
        "to_tier",
        ["backoffice_l1", "first_level"],
        ids=["same tier", "lower tier"],
    )
    def test_refuses_a_tier_not_above_the_current_one(self, to_tier: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(
                item(S.QUEUED),
                command(A.ESCALATE, reason=self.REASON, to_tier=to_tier),
                ladder=LADDER,
            )

        assert caught.value.field == "to_tier"
        assert caught.value.message == f"{to_tier!r} is not above the item's tier 'backoffice_l1'"

    def test_refuses_a_tier_off_the_ladder(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(
                item(S.QUEUED),
                command(A.ESCALATE, reason=self.REASON, to_tier="board"),
                ladder=LADDER,
            )

        assert caught.value.field == "to_tier"

    def test_refuses_to_go_past_the_top_tier(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(
                item(S.QUEUED, tier="ombudsman"),
                command(A.ESCALATE, reason=self.REASON),
                ladder=LADDER,
            )

        assert caught.value.field == "to_tier"
        assert caught.value.message == "'ombudsman' is already the top tier"

    def test_refuses_an_item_whose_tier_left_the_ladder(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(
                item(S.QUEUED, tier="retired_tier"),
                command(A.ESCALATE, reason=self.REASON),
                ladder=LADDER,
            )

        assert caught.value.field == "tier"

    @pytest.mark.parametrize("reason", [None, ""], ids=["no reason", "empty reason"])
    def test_requires_a_reason(self, reason: str | None) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(item(S.QUEUED), command(A.ESCALATE, reason=reason), ladder=LADDER)

        assert caught.value.field == "reason"

    def test_appends_every_step_to_the_journey(self) -> None:
        first, _ = transition(
            item(S.QUEUED), command(A.ESCALATE, reason=self.REASON), ladder=LADDER
        )
        second, _ = transition(
            first,
            command(A.ESCALATE, reason=self.REASON, to_tier="ombudsman", at=AT + timedelta(days=1)),
            ladder=LADDER,
        )

        assert second.journey == ("backoffice_l1", "backoffice_l2", "ombudsman")
        assert second.journey[-1] == second.tier

    def test_clears_the_assignee_and_the_pending_area(self) -> None:
        after, event = transition(
            item(S.PENDING_AREA), command(A.ESCALATE, reason=self.REASON), ladder=LADDER
        )

        assert (after.assignee, after.pending_area) == (None, None)
        assert event.data["changes"] == {
            "tier": "backoffice_l2",
            "assignee": None,
            "pending_area": None,
        }

    def test_may_move_the_item_to_another_area(self) -> None:
        after, event = transition(
            item(S.QUEUED),
            command(A.ESCALATE, reason=self.REASON, area="finance"),
            ladder=LADDER,
        )

        assert after.area == "finance"
        assert event.data["changes"] == {"tier": "backoffice_l2", "area": "finance"}

    def test_from_resolved_requeues_at_the_higher_tier(self) -> None:
        after, _ = transition(
            item(S.RESOLVED), command(A.ESCALATE, reason=self.REASON), ladder=LADDER
        )

        assert (after.status, after.tier, after.assignee) == (S.QUEUED, "backoffice_l2", None)


class TestTransfer:
    @pytest.mark.parametrize(
        ("status", "changes"),
        [
            (S.NEW, {"area": "finance"}),
            (S.QUEUED, {"area": "finance"}),
            (S.ASSIGNED, {"area": "finance", "assignee": None}),
            (S.IN_PROGRESS, {"area": "finance", "assignee": None}),
        ],
        ids=["new", "queued", "assigned (ana)", "in_progress (ana)"],
    )
    def test_queues_the_item_in_the_other_area_with_nobody_on_it(
        self, status: Status, changes: dict[str, Any]
    ) -> None:
        before = item(status)

        after, event = transition(
            before, command(A.TRANSFER, area="finance", note="finance owns refunds"), ladder=LADDER
        )

        assert (after.status, after.area, after.assignee) == (S.QUEUED, "finance", None)
        assert event.type == "transferred"
        assert event.data == {
            "action": "transfer",
            "from": status.value,
            "to": "queued",
            "changes": changes,  # `assignee` only when somebody had it
            "note": "finance owns refunds",
        }

    def test_keeps_the_tier_and_the_journey(self) -> None:
        before = item(
            S.IN_PROGRESS, tier="backoffice_l2", journey=("backoffice_l1", "backoffice_l2")
        )

        after, event = transition(before, command(A.TRANSFER, area="logistics"), ladder=LADDER)

        assert (after.tier, after.journey) == ("backoffice_l2", ("backoffice_l1", "backoffice_l2"))
        assert "tier" not in event.data["changes"]

    @pytest.mark.parametrize("area", [None, ""], ids=["no area", "empty area"])
    def test_requires_an_area(self, area: str | None) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(item(S.QUEUED), command(A.TRANSFER, area=area), ladder=LADDER)

        assert caught.value.field == "area"
        assert caught.value.message == "is required: the area the item moves to"

    def test_refuses_the_items_own_area(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(item(S.ASSIGNED), command(A.TRANSFER, area="backoffice"), ladder=LADDER)

        assert caught.value.field == "area"
        assert caught.value.message == "the item is in 'backoffice' already"

    @pytest.mark.parametrize(
        ("fields", "refused"),
        [({"area": "finance", "assignee": "carla"}, "assignee"),
         ({"area": "finance", "to_tier": "backoffice_l2"}, "to_tier")],
        ids=["with assignee", "with to_tier"],
    )  # fmt: skip
    def test_refuses_fields_it_does_not_use(self, fields: dict[str, Any], refused: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(item(S.QUEUED), command(A.TRANSFER, **fields), ladder=LADDER)

        assert caught.value.field == refused

    @pytest.mark.parametrize("status", [S.PENDING_CUSTOMER, S.PENDING_AREA], ids=str)
    def test_an_item_waiting_on_someone_is_not_transferred(self, status: Status) -> None:
        with pytest.raises(IllegalTransition) as caught:
            transition(item(status), command(A.TRANSFER, area="finance"), ladder=LADDER)

        assert caught.value.status == status.value
        assert "transfer" not in caught.value.allowed


class TestReopen:
    def test_clears_the_assignee(self) -> None:
        after, event = transition(item(S.RESOLVED), command(A.REOPEN), ladder=LADDER)

        assert (after.status, after.assignee) == (S.QUEUED, None)
        assert event.data["changes"] == {"assignee": None}


class TestUnassign:
    def test_clears_the_assignee_and_requeues(self) -> None:
        after, event = transition(item(S.IN_PROGRESS), command(A.UNASSIGN), ladder=LADDER)

        assert (after.status, after.assignee) == (S.QUEUED, None)
        assert event.data["changes"] == {"assignee": None}


class TestResolve:
    def test_with_a_reason_sets_the_items_root_cause(self) -> None:
        after, event = transition(
            item(S.IN_PROGRESS), command(A.RESOLVE, reason="duplicate_charge"), ladder=LADDER
        )

        assert (after.status, after.reason) == (S.RESOLVED, "duplicate_charge")
        assert event.data["changes"] == {"outcome": "solved", "reason": "duplicate_charge"}
        assert event.data["reason"] == "duplicate_charge"

    def test_without_a_reason_keeps_the_intake_reason(self) -> None:
        after, event = transition(
            item(S.IN_PROGRESS, reason="billing_error"), command(A.RESOLVE), ladder=LADDER
        )

        assert after.reason == "billing_error"
        assert event.data["changes"] == {"outcome": "solved"}

    def test_keeps_the_assignee(self) -> None:
        after, _ = transition(item(S.IN_PROGRESS), command(A.RESOLVE), ladder=LADDER)

        assert after.assignee == "ana"


class TestOutcome:
    def test_resolve_records_solved_when_no_outcome_is_given(self) -> None:
        after, event = transition(item(S.IN_PROGRESS), command(A.RESOLVE), ladder=LADDER)

        assert after.outcome is Outcome.SOLVED
        assert event.data["changes"] == {"outcome": "solved"}

    @pytest.mark.parametrize("outcome", list(Outcome), ids=str)
    def test_resolve_records_the_outcome_given(self, outcome: Outcome) -> None:
        after, event = transition(
            item(S.IN_PROGRESS), command(A.RESOLVE, outcome=outcome), ladder=LADDER
        )

        assert after.outcome is outcome
        assert event.data["changes"] == {"outcome": outcome.value}  # plain JSON in the log
        assert "outcome" not in event.data  # a change, not a field of the command's own

    def test_an_unknown_outcome_is_refused_naming_the_field(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            transition(
                item(S.IN_PROGRESS),
                command(A.RESOLVE, outcome="perfect"),  # type: ignore[arg-type]
                ladder=LADDER,
            )

        assert caught.value.field == "outcome"
        assert caught.value.message == (
            "unknown outcome 'perfect' (one of: solved, unfounded, failed)"
        )

    @pytest.mark.parametrize(
        ("status", "action"),
        [(s, a) for s, a, _ in LEGAL if a is not A.RESOLVE],
        ids=[f"{s}-{a}" for s, a, _ in LEGAL if a is not A.RESOLVE],
    )
    def test_only_resolve_accepts_an_outcome(self, status: Status, action: Action) -> None:
        fields = {**REQUIRED_FIELDS.get(action, {}), "outcome": Outcome.FAILED}

        with pytest.raises(InvalidInput) as caught:
            transition(item(status), command(action, **fields), ladder=LADDER)

        assert caught.value.field == "outcome"
        assert caught.value.message == f"is not used by action {action.value!r}"

    def test_reopen_clears_it(self) -> None:
        after, event = transition(
            item(S.RESOLVED, outcome=Outcome.FAILED), command(A.REOPEN), ladder=LADDER
        )

        assert (after.status, after.outcome) == (S.QUEUED, None)
        assert event.data["changes"] == {"assignee": None, "outcome": None}

    def test_escalating_a_resolved_item_clears_it(self) -> None:
        after, event = transition(
            item(S.RESOLVED, outcome=Outcome.UNFOUNDED),
            command(A.ESCALATE, reason="the customer went to the ombudsman"),
            ladder=LADDER,
        )

        assert (after.status, after.outcome) == (S.QUEUED, None)
        assert event.data["changes"]["outcome"] is None

    def test_close_keeps_it(self) -> None:
        after, event = transition(
            item(S.RESOLVED, outcome=Outcome.UNFOUNDED), command(A.CLOSE), ladder=LADDER
        )

        assert (after.status, after.outcome) == (S.CLOSED, Outcome.UNFOUNDED)
        assert event.data["changes"] == {}

    def test_resolving_again_after_a_reopen_records_the_new_outcome(self) -> None:
        reopened, _ = transition(
            item(S.RESOLVED, outcome=Outcome.SOLVED), command(A.REOPEN), ladder=LADDER
        )
        started = replace(reopened, status=S.IN_PROGRESS, assignee="ana")

        after, event = transition(
            started, command(A.RESOLVE, outcome=Outcome.FAILED), ladder=LADDER
        )

        assert after.outcome is Outcome.FAILED
        assert event.data["changes"] == {"outcome": "failed"}


class TestChronology:
    def test_refuses_a_command_dated_before_the_last_event(self) -> None:
        earlier = LAST_EVENT_AT - timedelta(seconds=1)

        with pytest.raises(InvalidInput) as caught:
            transition(item(S.NEW), command(A.QUEUE, at=earlier), ladder=LADDER)

        assert caught.value.field == "at"
        assert caught.value.message == (
            "2026-03-02T09:59:59+00:00 is before the item's last event "
            "(2026-03-02T10:00:00+00:00); events of an item are chronological"
        )

    def test_accepts_a_command_at_the_same_instant_as_the_last_event(self) -> None:
        after, _ = transition(item(S.NEW), command(A.QUEUE, at=LAST_EVENT_AT), ladder=LADDER)

        assert after.updated_at == LAST_EVENT_AT

    def test_refuses_a_naive_instant(self) -> None:
        naive = datetime(2026, 3, 2, 12, 0)  # noqa: DTZ001 - the point of the test

        with pytest.raises(InvalidInput) as caught:
            transition(item(S.NEW), command(A.QUEUE, at=naive), ladder=LADDER)

        assert caught.value.field == "at"

    def test_illegal_action_is_reported_before_the_date(self) -> None:
        with pytest.raises(IllegalTransition):
            transition(
                item(S.CLOSED),
                command(A.QUEUE, at=LAST_EVENT_AT - timedelta(days=1)),
                ladder=LADDER,
            )


class TestChanges:
    @pytest.mark.parametrize(
        ("status", "action", "fields"),
        [
            (S.ASSIGNED, A.ASSIGN, {"assignee": "ana"}),
            (S.NEW, A.QUEUE, {"area": "backoffice"}),
            (S.PENDING_CUSTOMER, A.RESUME, {}),
            (S.IN_PROGRESS, A.PEND_CUSTOMER, {}),
            (S.RESOLVED, A.CLOSE, {}),
        ],
        ids=[
            "assign to the current assignee",
            "queue into the current area",
            "resume with no pending area",
            "pend_customer",
            "close",
        ],
    )
    def test_unchanged_values_are_left_out(
        self, status: Status, action: Action, fields: dict[str, Any]
    ) -> None:
        before = item(status)

        after, event = transition(before, command(action, **fields), ladder=LADDER)

        assert event.data["changes"] == {}
        assert (after.assignee, after.area, after.pending_area) == (
            before.assignee,
            before.area,
            before.pending_area,
        )
        assert after.version == before.version + 1  # still an event

    def test_escalating_an_unassigned_item_reports_only_the_tier(self) -> None:
        _, event = transition(item(S.QUEUED), command(A.ESCALATE, reason="r"), ladder=LADDER)

        assert event.data["changes"] == {"tier": "backoffice_l2"}

    def test_resolving_with_the_current_reason_reports_only_the_outcome(self) -> None:
        _, event = transition(
            item(S.IN_PROGRESS, reason="billing_error"),
            command(A.RESOLVE, reason="billing_error"),
            ladder=LADDER,
        )

        assert event.data["changes"] == {"outcome": "solved"}
