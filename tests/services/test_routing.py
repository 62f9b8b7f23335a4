"""The routing queue and the next-item claim through the services, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import partial
from pathlib import Path

import pytest
import yaml
from sqlalchemy import Engine, select

from retaguarda.domain.access import Principal
from retaguarda.domain.errors import Conflict, Forbidden, NotFound
from retaguarda.domain.item.model import Action, Status
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import agent as agent_service
from retaguarda.services import config, intake, routing
from retaguarda.services import item as item_service
from retaguarda.services.config import InvalidConfig
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.records import RoutingQueueRecord
from tests.builders import ADMIN, ANA, BRUNO, CONCURRENT_BACKENDS, CRM, SOFIA, in_parallel, seed

BRT = timezone(timedelta(hours=-3))
DATA = Path(__file__).parents[1] / "data"
QUEUE = RoutingQueueRecord.__table__

# Monday 2026-03-02, São Paulo. br-sp is open Mon-Fri 08:00-18:00.
OPEN = datetime(2026, 3, 2, 9, 0, tzinfo=BRT)

JOBS = """
case_types:
  - {key: long_job, name: Long job, area: backoffice, tier: backoffice_l1,
     expected_handling_minutes: 120}
  - {key: short_job, name: Short job, area: backoffice, tier: backoffice_l1,
     expected_handling_minutes: 10}
sla_policies:
  - {key: long, match: {case_type: long_job}, calendar: br-sp,
     targets: {resolution: {business_hours: 3}}}
  - {key: short, match: {case_type: short_job}, calendar: br-sp,
     targets: {resolution: {business_hours: 2}}}
  - {key: invoice-dispute, match: {case_type: invoice_dispute}, calendar: br-sp,
     targets: {first_response: {business_hours: 4}, resolution: {business_days: 5}}}
  - {key: default, match: {}, calendar: br-sp, targets: {resolution: {business_days: 10}}}
"""


def apply(engine: Engine, text: str, *, when: datetime = OPEN) -> list[str]:
    with unit_of_work(engine) as conn:
        changes = config.apply(conn, text, source="test.yaml", now=when)
    return [f"{c.section}:{c.key}:{c.kind}" for c in changes]


def available(engine: Engine, *agents: str, when: datetime = OPEN) -> None:
    with unit_of_work(engine) as conn:
        for key in agents:
            agent_service.set_presence(conn, key, Presence.AVAILABLE, principal=ADMIN, now=when)


@pytest.fixture
def configured(engine: Engine) -> Engine:
    seed(engine)
    apply(engine, (DATA / "sla-config.yaml").read_text(), when=OPEN - timedelta(days=30))
    apply(engine, JOBS, when=OPEN - timedelta(days=1))
    available(engine, "ana", "bruno", "carla", when=OPEN - timedelta(hours=1))
    return engine


def create(
    engine: Engine,
    ref: str,
    *,
    case_type: str = "long_job",
    when: datetime = OPEN,
    **fields: object,
) -> int:
    body = {"external_ref": ref, "channel": "email", "case_type": case_type, **fields}
    with unit_of_work(engine) as conn:
        [result] = intake.intake(
            conn, [ItemInput.model_validate({**body, "created_at": when})], principal=CRM, now=when
        )
    assert result.item_id is not None, result
    return result.item_id


def claim(
    engine: Engine, agent: str, *, when: datetime, principal: Principal = ADMIN
) -> int | None:
    with unit_of_work(engine) as conn:
        item = routing.next_item(conn, agent, principal=principal, now=when)
    if item is not None:
        assert (item.status, item.assignee) == (Status.ASSIGNED, agent)
    return None if item is None else item.id


def act(engine: Engine, item_id: int, action: Action, when: datetime, **fields: str) -> None:
    with unit_of_work(engine) as conn:
        item_service.act(conn, item_id, action=action, principal=ADMIN, now=when, **fields)


def queued(engine: Engine) -> dict[int, tuple[str, int]]:
    """item id -> (tier, k0) of the queue rows."""
    with engine.connect() as conn:
        rows = conn.execute(select(QUEUE.c.item_id, QUEUE.c.tier, QUEUE.c.k0))
        return {r.item_id: (r.tier, r.k0) for r in rows}


class TestQueueFollowsTheItem:
    def test_waiting_items_are_queued_and_leave_when_assigned(self, configured: Engine) -> None:
        first = create(configured, "A")
        assert queued(configured) == {first: ("backoffice_l1", 2)}  # in, not yet ranked
        act(configured, first, Action.ASSIGN, OPEN, assignee="ana")
        assert queued(configured) == {}
        act(configured, first, Action.UNASSIGN, OPEN)
        assert list(queued(configured)) == [first]
        act(configured, first, Action.ASSIGN, OPEN, assignee="ana")
        act(configured, first, Action.START, OPEN)
        act(configured, first, Action.ESCALATE, OPEN, reason="needs L2")
        # Escalated: waiting again, at the new tier.
        assert queued(configured) == {first: ("backoffice_l2", 2)}
        act(configured, first, Action.CANCEL, OPEN)
        assert queued(configured) == {}

    def test_a_failed_transition_leaves_the_queue_as_it_was(self, configured: Engine) -> None:
        first = create(configured, "A")
        with pytest.raises(Exception, match="not allowed"):
            act(configured, first, Action.START, OPEN)
        assert list(queued(configured)) == [first]


class TestOrder:
    def test_least_slack_takes_less_slack_before_the_nearer_deadline(
        self, configured: Engine
    ) -> None:
        # Both received Mon 09:00 BRT. long_job: due in 3 business hours (12:00) with
        # 2 h of handling -> latest start 10:00 (slack 1 h). short_job: due in 2 (11:00)
        # with 10 min -> latest start 10:50 (slack 1 h 50 min).
        short = create(configured, "S", case_type="short_job")
        long = create(configured, "L", case_type="long_job")
        assert claim(configured, "ana", when=OPEN + timedelta(minutes=5)) == long
        assert claim(configured, "ana", when=OPEN + timedelta(minutes=6)) == short
        assert claim(configured, "ana", when=OPEN + timedelta(minutes=7)) is None

    def test_earliest_deadline_for_an_area_takes_the_nearer_due(self, configured: Engine) -> None:
        assert apply(configured, "routing: {areas: {backoffice: earliest_deadline}}") == [
            "routing:routing:created"
        ]
        short = create(configured, "S", case_type="short_job")
        long = create(configured, "L", case_type="long_job")
        assert claim(configured, "ana", when=OPEN + timedelta(minutes=5)) == short
        assert claim(configured, "ana", when=OPEN + timedelta(minutes=6)) == long

    def test_fifo_and_priority(self, configured: Engine) -> None:
        old = create(configured, "OLD", priority=4, when=OPEN - timedelta(hours=2))
        urgent = create(configured, "URG", priority=1)
        apply(configured, "routing: {default: fifo}")
        assert claim(configured, "ana", when=OPEN) == old
        act(configured, old, Action.UNASSIGN, OPEN)
        apply(configured, "routing: {default: priority}")
        assert claim(configured, "ana", when=OPEN) == urgent

    def test_a_routing_change_reorders_items_already_ranked(self, configured: Engine) -> None:
        old = create(configured, "OLD", priority=4, when=OPEN - timedelta(hours=2))
        urgent = create(configured, "URG", priority=1)
        with unit_of_work(configured) as conn:
            assert routing.rank_pending(conn, now=OPEN) == 2
        assert {k0 for _, k0 in queued(configured).values()} == {0}
        apply(configured, "routing: {default: priority}")
        with unit_of_work(configured) as conn:
            assert routing.queue_counts(conn) == {"queued": 2, "to_rank": 2}  # stale
            # The worker's pass ranks them again under the new policy.
            assert routing.rank_pending(conn, now=OPEN) == 2
        assert claim(configured, "ana", when=OPEN) == urgent
        assert old in queued(configured)

    def test_until_ranked_again_the_old_order_stands(self, configured: Engine) -> None:
        old = create(configured, "OLD", priority=4, when=OPEN - timedelta(hours=2))
        create(configured, "URG", priority=1)
        apply(configured, "routing: {default: fifo}")
        with unit_of_work(configured) as conn:
            routing.rank_pending(conn, now=OPEN)
        apply(configured, "routing: {default: priority}")
        assert claim(configured, "ana", when=OPEN) == old

    def test_routing_sections_are_exported_as_applied(self, configured: Engine) -> None:
        apply(configured, "routing: {default: fifo, areas: {finance: priority}}")
        apply(configured, "skill_rules:\n  - {when: {amount_gte: 5000}, require: {billing: 4}}\n")
        with unit_of_work(configured) as conn:
            exported = config.export(conn)
        document = yaml.safe_load(exported)
        assert document["routing"] == {"default": "fifo", "areas": {"finance": "priority"}}
        assert document["skill_rules"] == [
            {"when": {"amount_gte": 5000}, "require": {"billing": 4}}
        ]
        # Applying the export again changes nothing.
        assert apply(configured, exported) == []

    def test_weighted_needs_weights(self, configured: Engine) -> None:
        with pytest.raises(InvalidConfig, match=r"routing\.weights: the weighted policy needs"):
            apply(configured, "routing: {default: weighted}")
        apply(configured, "routing: {default: weighted, weights: {priority: 1}}")
        low = create(configured, "LOW", priority=4)
        high = create(configured, "HIGH", priority=2)
        assert claim(configured, "ana", when=OPEN) == high
        assert claim(configured, "ana", when=OPEN) == low


class TestEligibility:
    def test_skills_tier_and_area(self, configured: Engine) -> None:
        # invoice_dispute needs billing: Bruno (logistics only) may not take it.
        invoice = create(configured, "INV", case_type="invoice_dispute")
        assert claim(configured, "bruno", when=OPEN) is None
        # delivery_missing needs logistics: Bruno may.
        parcel = create(configured, "DEL", case_type="delivery_missing")
        assert claim(configured, "bruno", when=OPEN) == parcel
        # Escalated to L2, the invoice is beyond Bruno's tiers and within Ana's.
        act(configured, invoice, Action.ESCALATE, OPEN, reason="complex")
        assert claim(configured, "ana", when=OPEN) == invoice

    def test_a_skill_rule_raises_the_level_needed(self, configured: Engine) -> None:
        apply(configured, "skill_rules:\n  - {when: {amount_gte: 5000}, require: {billing: 4}}\n")
        big = create(configured, "BIG", case_type="invoice_dispute", amount="6000.00")
        small = create(configured, "SMALL", case_type="invoice_dispute", amount="4999.99")
        # Ana has billing 3: the 6,000 dispute needs 4.
        assert claim(configured, "ana", when=OPEN) == small
        assert claim(configured, "ana", when=OPEN) is None
        assert big in queued(configured)

    def test_needs_are_checked_even_before_ranking(
        self, configured: Engine, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # No inline ranking at all: the rows keep unknown needs and the claim checks
        # each candidate itself.
        monkeypatch.setattr(routing, "RANK_INLINE", 0)
        invoice = create(configured, "INV", case_type="invoice_dispute", when=OPEN - timedelta(1))
        parcel = create(configured, "DEL", case_type="delivery_missing")
        assert queued(configured)[invoice][1] == 2
        assert claim(configured, "bruno", when=OPEN) == parcel
        assert claim(configured, "ana", when=OPEN) == invoice

    def test_capacity_presence_and_schedule(self, configured: Engine) -> None:
        for n in range(4):
            create(configured, f"I{n}")
        # long_job needs no skill; Bruno's capacity is 2: the third claim is refused.
        assert claim(configured, "bruno", when=OPEN) is not None
        assert claim(configured, "bruno", when=OPEN) is not None
        with pytest.raises(Conflict, match="bruno is at capacity \\(2 of 2\\)"):
            claim(configured, "bruno", when=OPEN)
        with unit_of_work(configured) as conn:
            agent_service.set_presence(conn, "ana", Presence.AWAY, principal=ADMIN, now=OPEN)
        with pytest.raises(Conflict, match="ana is away"):
            claim(configured, "ana", when=OPEN)
        apply(
            configured,
            "agents:\n  - {key: dora, name: Dora, areas: [backoffice], tiers: [backoffice_l1],"
            " capacity: 5, schedule: {calendar: br-sp}}\n",
        )
        available(configured, "dora")
        saturday = datetime(2026, 3, 7, 10, 0, tzinfo=BRT)
        with pytest.raises(Conflict, match="dora is outside their schedule"):
            claim(configured, "dora", when=saturday)
        assert claim(configured, "dora", when=OPEN + timedelta(minutes=1)) is not None

    def test_who_may_claim_for_whom(self, configured: Engine) -> None:
        create(configured, "A")
        with pytest.raises(Forbidden, match="only for themselves"):
            claim(configured, "bruno", when=OPEN, principal=ANA)
        with pytest.raises(Forbidden, match="outside your areas"):
            claim(configured, "carla", when=OPEN, principal=SOFIA)
        with pytest.raises(NotFound):
            claim(configured, "nobody", when=OPEN)
        assert claim(configured, "bruno", when=OPEN, principal=BRUNO) is not None


class TestRanking:
    def test_the_worker_pass_ranks_every_waiting_item(self, configured: Engine) -> None:
        ids = [create(configured, f"R{n}") for n in range(5)]
        with unit_of_work(configured) as conn:
            assert routing.queue_counts(conn) == {"queued": 5, "to_rank": 5}
            assert routing.rank_pending(conn, now=OPEN) == 5
            assert routing.queue_counts(conn) == {"queued": 5, "to_rank": 0}
        assert sorted(queued(configured)) == ids

    def test_the_claim_writes_one_assigned_event(self, configured: Engine) -> None:
        item = create(configured, "A")
        assert claim(configured, "ana", when=OPEN, principal=ANA) == item
        with configured.connect() as conn:
            from retaguarda.storage.repos import item as item_repo

            history = item_repo.history(conn, item)
        assert [e.type for e in history] == ["created", "assigned"]
        assert history[-1].actor == "ana"
        assert history[-1].data["changes"] == {"assignee": "ana"}


@pytest.mark.parametrize("backend", CONCURRENT_BACKENDS, indirect=True)
def test_parallel_claims_never_share_an_item(configured: Engine) -> None:
    apply(
        configured,
        "agents:\n"
        + "".join(
            f"  - {{key: w{n}, name: W{n}, areas: [backoffice], tiers: [backoffice_l1],"
            " capacity: 1000}\n"
            for n in range(8)
        ),
    )
    available(configured, *(f"w{n}" for n in range(8)))
    with unit_of_work(configured) as conn:
        intake.intake(
            conn,
            [
                ItemInput.model_validate(
                    {
                        "external_ref": f"P{n}",
                        "channel": "email",
                        "case_type": "long_job",
                        "created_at": OPEN - timedelta(minutes=n),
                    }
                )
                for n in range(300)
            ],
            principal=CRM,
            now=OPEN,
        )
    got: dict[str, list[int]] = {}

    def work(agent: str) -> None:
        mine = got.setdefault(agent, [])
        while (item := claim(configured, agent, when=OPEN)) is not None:
            mine.append(item)

    in_parallel(*[partial(work, f"w{n}") for n in range(8)])
    everything = [i for ids in got.values() for i in ids]
    assert len(everything) == len(set(everything)) == 300
    assert queued(configured) == {}
