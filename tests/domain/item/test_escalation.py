"""Escalation rules: the configuration section's checks, matching, and the escalations."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from retaguarda.domain.errors import InvalidInput
from retaguarda.domain.item import escalation, replay
from retaguarda.domain.item.escalation import Condition, Rule
from retaguarda.domain.item.events import created_event
from retaguarda.domain.item.journey import Stay, journey
from retaguarda.domain.item.model import Channel, Status
from tests.domain.builders import AT, LADDER, T0, draft, item

CASE_TYPES = {"invoice_dispute", "delivery_missing"}
ISSUE_EXAMPLE = [
    {"when": "resolution_breached", "to": "backoffice_l2"},
    {"when": {"amount_gte": 10000}, "to": "backoffice_l2"},
    {"when": {"channel": "ombudsman"}, "enter_at": "ombudsman"},
]


def problems(document: Any) -> list[tuple[str, str]]:
    found = escalation.check(document, tiers=LADDER, case_types=CASE_TYPES)
    return [(p.path, p.message) for p in found]


class TestCheck:
    def test_the_issue_example_is_accepted(self) -> None:
        assert problems(ISSUE_EXAMPLE) == []

    def test_lists_and_several_conditions_are_accepted(self) -> None:
        rule = {
            "when": {
                "amount_gte": 2500.5,
                "channel": ["email", "web"],
                "case_type": "invoice_dispute",
            },
            "to": "backoffice_l3",
        }
        assert problems([rule]) == []

    def test_an_empty_list_is_accepted_and_has_no_rules(self) -> None:
        assert problems([]) == []
        assert escalation.from_document([]) == ()

    @pytest.mark.parametrize(
        ("document", "expected"),
        [
            pytest.param(
                {"when": "resolution_breached", "to": "backoffice_l2"},
                [
                    (
                        "escalation",
                        "must be a list of {when: resolution_breached | "
                        "{amount_gte, channel, case_type}, to | enter_at: TIER}",
                    )
                ],
                id="a mapping, not a list",
            ),
            pytest.param(
                ["resolution_breached"],
                [
                    (
                        "escalation[0]",
                        "must be {when: resolution_breached | "
                        "{amount_gte, channel, case_type}, to | enter_at: TIER}",
                    )
                ],
                id="a rule that is not a mapping",
            ),
            pytest.param(
                [{"when": "resolution_breached", "to": "backoffice_l9"}],
                [("escalation[0].to", "unknown tier 'backoffice_l9'")],
                id="unknown target tier",
            ),
            pytest.param(
                [{"when": {"channel": "fax"}, "enter_at": "nowhere"}],
                [
                    ("escalation[0].when.channel", "unknown channel 'fax'"),
                    ("escalation[0].enter_at", "unknown tier 'nowhere'"),
                ],
                id="unknown channel and entry tier, both reported",
            ),
            pytest.param(
                [{"when": "first_response_breached", "to": "backoffice_l2"}],
                [
                    (
                        "escalation[0].when",
                        "unknown trigger 'first_response_breached'; expected resolution_breached"
                        " or a mapping of amount_gte, channel, case_type",
                    )
                ],
                id="unknown trigger",
            ),
            pytest.param(
                [{"to": "backoffice_l2"}],
                [
                    (
                        "escalation[0].when",
                        "is required: resolution_breached or a mapping of amount_gte, channel,"
                        " case_type",
                    )
                ],
                id="no when",
            ),
            pytest.param(
                [{"when": {}, "to": "backoffice_l2"}],
                [
                    (
                        "escalation[0].when",
                        "name at least one condition: amount_gte, channel, case_type",
                    )
                ],
                id="an empty condition would match everything",
            ),
            pytest.param(
                [{"when": {"amount_gte": 10000}}],
                [("escalation[0]", "needs `to: TIER` (escalate) or `enter_at: TIER`")],
                id="no effect",
            ),
            pytest.param(
                [{"when": {"amount_gte": 10000}, "to": "backoffice_l2", "enter_at": "ombudsman"}],
                [("escalation[0]", "give `to` or `enter_at`, not both")],
                id="two effects",
            ),
            pytest.param(
                [{"when": "resolution_breached", "enter_at": "ombudsman"}],
                [("escalation[0].enter_at", "a breach happens after intake: use `to` with it")],
                id="enter_at on a breach",
            ),
            pytest.param(
                [
                    {"when": {"amount_gte": -1}, "to": "backoffice_l2"},
                    {"when": {"amount_gte": "10000"}, "to": "backoffice_l2"},
                    {"when": {"amount_gte": True}, "to": "backoffice_l2"},
                ],
                [
                    ("escalation[0].when.amount_gte", "must be a number, 0 or more"),
                    ("escalation[1].when.amount_gte", "must be a number, 0 or more"),
                    ("escalation[2].when.amount_gte", "must be a number, 0 or more"),
                ],
                id="amounts: negative, text, boolean",
            ),
            pytest.param(
                [
                    {
                        "when": {"case_type": ["invoice_dispute", "fraud"], "colour": "red"},
                        "to": "backoffice_l2",
                        "notify": True,
                    }
                ],
                [
                    ("escalation[0].notify", "unknown key"),
                    ("escalation[0].when.colour", "unknown condition"),
                    ("escalation[0].when.case_type", "unknown case type 'fraud'"),
                ],
                id="unknown keys, conditions and case types",
            ),
            pytest.param(
                [{"when": {"channel": []}, "to": "backoffice_l2"}],
                [("escalation[0].when.channel", "name at least one channel")],
                id="an empty list of channels",
            ),
        ],
    )
    def test_a_bad_section_names_each_problem_with_its_path(
        self, document: Any, expected: list[tuple[str, str]]
    ) -> None:
        assert problems(document) == expected


class TestFromDocument:
    def test_the_issue_example_becomes_three_numbered_rules(self) -> None:
        assert escalation.from_document(ISSUE_EXAMPLE) == (
            Rule(1, None, to="backoffice_l2"),
            Rule(2, Condition(amount_gte=Decimal(10000)), to="backoffice_l2"),
            Rule(3, Condition(channel=("ombudsman",)), enter_at="ombudsman"),
        )

    def test_no_section_means_no_rules(self) -> None:
        assert escalation.from_document(None) == ()

    @pytest.mark.parametrize(
        ("when", "reason"),
        [
            ("resolution_breached", "escalation rule 1: resolution breached"),
            ({"amount_gte": 10000}, "escalation rule 1: amount >= 10000"),
            ({"amount_gte": 2500.50}, "escalation rule 1: amount >= 2500.5"),
            (
                {"channel": ["email", "web"], "case_type": "invoice_dispute"},
                "escalation rule 1: channel in (email, web), case type = invoice_dispute",
            ),
        ],
    )
    def test_the_reason_names_the_rule_and_what_it_checks(self, when: Any, reason: str) -> None:
        [rule] = escalation.from_document([{"when": when, "to": "backoffice_l2"}])
        assert rule.reason == reason


class TestMatching:
    RULES = escalation.from_document(
        [
            *ISSUE_EXAMPLE,
            {"when": {"amount_gte": 50000}, "to": "backoffice_l3"},
            {"when": {"channel": ["regulator", "ombudsman"]}, "enter_at": "pre_ombudsman"},
        ]
    )

    @pytest.mark.parametrize(
        ("amount", "expected"),
        [
            (None, None),  # no amount never meets amount_gte
            (Decimal("9999.99"), None),  # one cent short of 10000
            (Decimal("10000.00"), 2),  # the bound is included: rule 2, to backoffice_l2
            (Decimal("50000"), 4),  # rules 2 and 4 apply: the higher tier (l3) wins
        ],
    )
    def test_the_highest_applicable_to_rule_escalates_a_received_item(
        self, amount: Decimal | None, expected: int | None
    ) -> None:
        rule = escalation.intake_rule(self.RULES, draft(amount=amount), LADDER)
        assert (rule.number if rule else None) == expected

    def test_an_item_received_at_or_above_the_tier_is_left_alone(self) -> None:
        at_l2 = draft(amount=Decimal(10000), tier="backoffice_l2")
        at_l3 = draft(amount=Decimal(10000), tier="backoffice_l3")
        assert escalation.intake_rule(self.RULES, at_l2, LADDER) is None
        assert escalation.intake_rule(self.RULES, at_l3, LADDER) is None

    def test_a_breach_rule_never_applies_at_intake(self) -> None:
        rules = escalation.from_document([ISSUE_EXAMPLE[0]])
        assert escalation.intake_rule(rules, draft(), LADDER) is None

    @pytest.mark.parametrize(
        ("channel", "expected"),
        [
            (Channel.EMAIL, None),
            (Channel.REGULATOR, "pre_ombudsman"),  # rule 5 only
            (Channel.OMBUDSMAN, "ombudsman"),  # rules 3 and 5: the higher tier
        ],
    )
    def test_enter_at_gives_the_highest_matching_tier(
        self, channel: Channel, expected: str | None
    ) -> None:
        assert escalation.entry_tier(self.RULES, draft(channel=channel), LADDER) == expected

    @pytest.mark.parametrize(
        ("status", "tier", "expected"),
        [
            (Status.QUEUED, "backoffice_l1", "backoffice_l2"),
            (Status.PENDING_CUSTOMER, "first_level", "backoffice_l2"),
            (Status.IN_PROGRESS, "backoffice_l2", None),  # there already
            (Status.QUEUED, "ombudsman", None),  # never down the ladder
            (Status.RESOLVED, "backoffice_l1", None),  # no longer open
            (Status.CANCELLED, "backoffice_l1", None),
        ],
    )
    def test_a_breach_escalates_open_items_below_the_rule_tier(
        self, status: Status, tier: str, expected: str | None
    ) -> None:
        rule = escalation.breach_rule(self.RULES, item(status, tier=tier), LADDER)
        assert (rule.to if rule else None) == expected


class TestEscalate:
    RULE = Rule(2, Condition(amount_gte=Decimal(10000)), to="backoffice_l2")

    def test_a_received_item_is_escalated_the_instant_it_arrives_by_system(self) -> None:
        received = draft(amount=Decimal(12000))
        state, event = escalation.escalate_received(received, self.RULE, ladder=LADDER)

        assert (event.type, event.at, event.actor) == ("escalated", T0, "system")
        assert event.data == {
            "action": "escalate",
            "from": "new",
            "to": "queued",
            "changes": {"tier": "backoffice_l2"},
            "reason": "escalation rule 2: amount >= 10000",
        }
        assert (state.status, state.tier, state.journey, state.version, state.updated_at) == (
            Status.QUEUED,
            "backoffice_l2",
            ("backoffice_l1", "backoffice_l2"),
            2,
            T0,
        )
        # The two events fold into exactly that state, and the journey shows both tiers.
        created = created_event(received, actor="crm")
        assert replay.fold(0, [created, event]) == state
        assert journey([created, event]) == [
            Stay("backoffice_l1", "backoffice", T0, "crm", None, left_at=T0),
            Stay("backoffice_l2", "backoffice", T0, "system", "escalation rule 2: amount >= 10000"),
        ]

    def test_a_stored_item_is_escalated_as_a_manual_escalation_would_be(self) -> None:
        before = item(Status.ASSIGNED)
        after, event = escalation.escalate(before, self.RULE, at=AT, actor="worker", ladder=LADDER)
        assert (after.tier, after.status, after.assignee, after.version) == (
            "backoffice_l2",
            Status.QUEUED,
            None,
            before.version + 1,
        )
        assert event.data["changes"] == {"tier": "backoffice_l2", "assignee": None}
        assert replay.evolve(before, event) == after

    def test_an_instant_before_the_last_change_is_refused(self) -> None:
        with pytest.raises(InvalidInput):
            escalation.escalate(item(), self.RULE, at=T0, actor="worker", ladder=LADDER)

    def test_a_draft_keeps_everything_but_the_tier(self) -> None:
        received = draft(amount=Decimal(12000))
        state, _ = escalation.escalate_received(received, self.RULE, ladder=LADDER)
        start = replay.start(0, created_event(received, actor="crm"))
        assert (
            replace(state, tier=start.tier, journey=start.journey, status=start.status, version=1)
            == start
        )
