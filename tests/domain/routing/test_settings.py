"""The `routing` and `skill_rules` sections: every problem with its path, and the
values built from good documents."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from retaguarda.domain.item.model import Channel, WorkItem
from retaguarda.domain.routing.eligibility import needs_of, required_skills
from retaguarda.domain.routing.settings import (
    Routing,
    check_routing,
    check_skill_rules,
    from_documents,
)
from tests.domain.builders import item as an_item

AREAS = {"backoffice", "ombudsman"}
SKILLS = {"billing", "ombudsman", "fraud"}
CASE_TYPES = {"invoice_dispute", "card_fraud"}


def problems_of_routing(doc: Any) -> list[str]:
    return [f"{p.path}: {p.message}" for p in check_routing(doc, areas=AREAS)]


def problems_of_rules(doc: Any) -> list[str]:
    return [
        f"{p.path}: {p.message}"
        for p in check_skill_rules(doc, skills=SKILLS, case_types=CASE_TYPES)
    ]


class TestRouting:
    def test_the_issue_example_is_accepted(self) -> None:
        doc = {"default": "least_slack", "areas": {"ombudsman": "earliest_deadline"}}
        assert problems_of_routing(doc) == []
        routing = from_documents(doc, None)
        assert routing.policy_of("ombudsman") == "earliest_deadline"
        assert routing.policy_of("backoffice") == "least_slack"

    def test_nothing_configured_is_least_slack_everywhere(self) -> None:
        assert from_documents(None, None) == Routing()
        assert Routing().policy_of("anything") == "least_slack"

    @pytest.mark.parametrize(
        ("doc", "expected"),
        [
            ([], "routing: must be a mapping: {default, areas, weights}"),
            ({"defualt": "fifo"}, "routing.defualt: unknown key"),
            (
                {"default": "random"},
                "routing.default: unknown policy 'random'; known: least_slack, "
                "earliest_deadline, priority, fifo, weighted",
            ),
            ({"areas": {"sales": "fifo"}}, "routing.areas.sales: unknown area 'sales'"),
            ({"areas": ["fifo"]}, "routing.areas: must map area keys to policy names"),
            ({"default": "weighted"}, "routing.weights: the weighted policy needs weights"),
            (
                {"default": "weighted", "weights": {"speed": 1}},
                "routing.weights.speed: unknown weight; known: slack, priority, age",
            ),
            (
                {"default": "weighted", "weights": {"age": "lots"}},
                "routing.weights.age: must be a number, got 'lots'",
            ),
        ],
    )
    def test_problems_have_paths(self, doc: Any, expected: str) -> None:
        assert expected in problems_of_routing(doc)

    def test_weights_are_decimals(self) -> None:
        doc = {"default": "weighted", "weights": {"slack": 1, "age": 0.5}}
        assert problems_of_routing(doc) == []
        assert from_documents(doc, None).weights == {"slack": Decimal(1), "age": Decimal("0.5")}


RULES: list[dict[str, Any]] = [
    {"when": {"amount_gte": 5000}, "require": {"billing": 4}},
    {"when": {"channel": "regulator"}, "require": {"ombudsman": 1}},
    {"when": {"case_type": ["card_fraud"], "channel": ["app", "web"]}, "require": {"fraud": 3}},
]


class TestSkillRules:
    def test_the_issue_examples_raise_the_levels_needed(self) -> None:
        assert problems_of_rules(RULES) == []
        rules = from_documents(None, RULES).skill_rules
        skills = {"invoice_dispute": ("billing",), "card_fraud": ("fraud",)}
        # 4,999.99: billing stays at the case type's level 1; 5,000: level 4.
        assert needs_of("invoice_dispute", "email", Decimal("4999.99"), skills, rules) == {
            "billing": 1
        }
        assert needs_of("invoice_dispute", "email", Decimal("5000"), skills, rules) == {
            "billing": 4
        }
        # The regulator channel adds ombudsman; no amount given: no billing rule.
        assert needs_of("invoice_dispute", "regulator", None, skills, rules) == {
            "billing": 1,
            "ombudsman": 1,
        }
        # Both conditions of the third rule must hold.
        assert needs_of("card_fraud", "app", None, skills, rules) == {"fraud": 3}
        assert needs_of("card_fraud", "phone", None, skills, rules) == {"fraud": 1}

    def test_needs_of_agrees_with_required_skills_on_an_item(self) -> None:
        rules = from_documents(None, RULES).skill_rules
        item: WorkItem = an_item(channel=Channel.REGULATOR, amount=Decimal("7000"))
        by_fields = needs_of(
            item.case_type, item.channel.value, item.amount, {item.case_type: ("billing",)}, rules
        )
        assert by_fields == required_skills(item, {"billing": 1}, rules)

    @pytest.mark.parametrize(
        ("doc", "expected"),
        [
            ({}, "skill_rules: must be a list of {when: {...}, require: {skill: level}}"),
            ([{"require": {"billing": 9}}], "skill_rules[0].require.billing: level must be 1 to 5"),
            (
                [{"require": {"cooking": 2}}],
                "skill_rules[0].require.cooking: unknown skill 'cooking'",
            ),
            ([{"when": {}}], "skill_rules[0].require: must map one or more skills to a level"),
            (
                [{"when": {"amount_gte": -1}, "require": {"billing": 2}}],
                "skill_rules[0].when.amount_gte: must be a number, 0 or more",
            ),
            (
                [{"when": {"channel": "fax"}, "require": {"billing": 2}}],
                "skill_rules[0].when.channel: unknown channel 'fax'",
            ),
            (
                [{"when": {"weekday": "mon"}, "require": {"billing": 2}}],
                "skill_rules[0].when.weekday: unknown condition",
            ),
            (
                [{"when": {"case_type": "nope"}, "require": {"billing": 2}, "x": 1}],
                "skill_rules[0].x: unknown key",
            ),
        ],
    )
    def test_problems_have_paths(self, doc: Any, expected: str) -> None:
        assert expected in problems_of_rules(doc)
