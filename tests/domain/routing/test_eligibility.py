"""Who may take an item: one row per reason, then the skill rules."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from retaguarda.calendar import BusinessCalendar
from retaguarda.domain.catalog import Agent
from retaguarda.domain.item.model import Channel, WorkItem
from retaguarda.domain.routing.eligibility import (
    AgentNow,
    Presence,
    SkillRule,
    is_eligible,
    on_shift,
    required_skills,
    why_not,
    why_not_now,
)
from tests.domain.builders import item

ANA = Agent(
    key="ana",
    name="Ana",
    areas=("backoffice",),
    tiers=("backoffice_l1", "backoffice_l2"),
    skills={"billing": 3, "logistics": 2},
    capacity=3,
)
READY = AgentNow(ANA, Presence.AVAILABLE, load=1)
INVOICE = item()  # backoffice, backoffice_l1, invoice_dispute, by e-mail
BILLING = {"billing": 1}
RULES = (
    SkillRule(skill="billing", level=4, amount_gte=Decimal("5000")),
    SkillRule(skill="ombudsman", level=1, channel=("regulator",)),
)


@pytest.mark.parametrize(
    ("state", "work", "needed", "reason"),
    [
        (READY, INVOICE, BILLING, None),
        (replace(READY, presence=Presence.BUSY), INVOICE, BILLING, "ana is busy"),
        (replace(READY, presence=Presence.AWAY), INVOICE, BILLING, "ana is away"),
        (replace(READY, presence=Presence.OFFLINE), INVOICE, BILLING, "ana is offline"),
        (replace(READY, load=3), INVOICE, BILLING, "ana is at capacity (3 of 3)"),
        (replace(READY, working=False), INVOICE, BILLING, "ana is outside their schedule"),
        (READY, replace(INVOICE, area="finance"), BILLING, "area 'finance' is not one of ana's"),
        (
            READY,
            replace(INVOICE, tier="ombudsman"),
            BILLING,
            "tier 'ombudsman' is not one of ana's",
        ),
        (READY, INVOICE, {"billing": 4}, "needs billing at level 4; ana has level 3"),
        (READY, INVOICE, {"fraud": 1}, "needs fraud at level 1; ana has none"),
        (READY, INVOICE, {"billing": 3, "logistics": 2}, None),  # exactly the level: enough
    ],
    ids=[
        "eligible",
        "busy",
        "away",
        "offline",
        "at capacity",
        "off shift",
        "other area",
        "other tier",
        "skill too low",
        "skill missing",
        "levels met exactly",
    ],
)
def test_eligibility(
    state: AgentNow, work: WorkItem, needed: dict[str, int], reason: str | None
) -> None:
    reasons = why_not(state, work, needed)
    assert reasons == ([] if reason is None else [reason])
    assert is_eligible(state, work, needed) is (reason is None)


def test_every_reason_is_given_at_once() -> None:
    state = AgentNow(ANA, Presence.AWAY, load=3, working=False)
    assert len(why_not(state, replace(INVOICE, area="finance"), {"fraud": 2})) == 5
    # The three about the agent alone are what the claim answers 409 with.
    assert why_not_now(state) == [
        "ana is away",
        "ana is at capacity (3 of 3)",
        "ana is outside their schedule",
    ]
    assert why_not_now(AgentNow(ANA, Presence.AVAILABLE, load=2)) == []


class TestRequiredSkills:
    def test_a_large_amount_raises_the_level(self) -> None:
        big = replace(INVOICE, amount=Decimal("5000.00"))
        assert required_skills(big, BILLING, RULES) == {"billing": 4}
        assert required_skills(replace(big, amount=Decimal("4999.99")), BILLING, RULES) == BILLING

    def test_no_amount_never_meets_an_amount_rule(self) -> None:
        assert required_skills(replace(INVOICE, amount=None), BILLING, RULES) == BILLING

    def test_the_regulator_channel_adds_a_skill(self) -> None:
        regulator = replace(INVOICE, channel=Channel.REGULATOR)
        assert required_skills(regulator, BILLING, RULES) == {"billing": 1, "ombudsman": 1}

    def test_a_rule_never_lowers_what_the_case_type_needs(self) -> None:
        big = replace(INVOICE, amount=Decimal("9000"))
        assert required_skills(big, {"billing": 5}, RULES) == {"billing": 5}

    def test_case_type_conditions(self) -> None:
        rule = SkillRule(skill="fraud", level=2, case_type=("chargeback",))
        assert required_skills(INVOICE, {}, [rule]) == {}
        assert required_skills(replace(INVOICE, case_type="chargeback"), {}, [rule]) == {"fraud": 2}


class TestSchedule:
    # A split shift in Madrid (+01:00 in March): 09:00-14:00 and 15:00-18:00, Mon-Fri.
    SHIFT = BusinessCalendar(
        timezone="Europe/Madrid", hours={"mon-fri": ["09:00-14:00", "15:00-18:00"]}
    )

    @pytest.mark.parametrize(
        ("local", "expected"),
        [
            ("2026-03-02T09:00:00+01:00", True),  # Monday, the first second of the span
            ("2026-03-02T13:59:59+01:00", True),
            ("2026-03-02T14:00:00+01:00", False),  # the end is not included
            ("2026-03-02T14:30:00+01:00", False),  # lunch
            ("2026-03-02T15:00:00+01:00", True),
            ("2026-03-01T11:00:00+01:00", False),  # Sunday
            ("2026-03-02T08:30:00Z", True),  # 09:30 in Madrid, given in UTC
        ],
    )
    def test_on_shift(self, local: str, expected: bool) -> None:
        assert on_shift(self.SHIFT, datetime.fromisoformat(local)) is expected

    def test_no_schedule_means_always(self) -> None:
        assert on_shift(None, datetime(2026, 3, 1, 3, 0, tzinfo=UTC))
