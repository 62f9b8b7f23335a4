"""The demo generator: a plausible back office, written through the services, whose events
are chronological, replay to the stored items, and come out the same for the same seed."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, text

from retaguarda.domain.catalog import Role
from retaguarda.domain.errors import Conflict
from retaguarda.domain.item import replay
from retaguarda.domain.item.model import Action, Status, WorkItem
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import agent as agent_service
from retaguarda.services import demo, intake, routing
from retaguarda.services import item as item_service
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.records import Base
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos.item import ItemFilter
from tests.builders import ADMIN, CRM

NOW = datetime(2026, 3, 4, 18, 30, tzinfo=UTC)  # Wednesday 15:30 in São Paulo
SEED = 7
OPEN = {Status.NEW, Status.QUEUED, Status.ASSIGNED, Status.IN_PROGRESS}
OPEN |= {Status.PENDING_CUSTOMER, Status.PENDING_AREA}
# Steps only a specialist at work takes, so only inside working hours.
WORKED = {Action.ASSIGN, Action.START, Action.RESOLVE, Action.PEND_CUSTOMER, Action.PEND_AREA}


def generate(engine: Engine, *, seed: int = SEED) -> None:
    """A light week (about 250 items): enough for every status, quick on both databases."""
    with unit_of_work(engine) as conn:
        demo.apply_config(conn, now=NOW)
    light = demo.workload().model_copy(update={"daily_arrivals": 40})
    demo.generate(engine, now=NOW, weeks=1, seed=seed, work=light)


def all_items(engine: Engine) -> list[WorkItem]:
    with unit_of_work(engine) as conn:
        return item_repo.page(conn, ItemFilter(), areas=None, after=None, limit=100_000)


def empty(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(text(f"DELETE FROM {table.name}"))


@pytest.fixture(scope="module")
def planned() -> list[demo.PlannedItem]:
    return demo.plan(demo.catalog(), demo.workload(), now=NOW, weeks=6, seed=SEED)


class TestPlan:
    def test_same_seed_and_instant_give_the_same_plan(self, planned: list[demo.PlannedItem]):
        again = demo.plan(demo.catalog(), demo.workload(), now=NOW, weeks=6, seed=SEED)
        assert again == planned

    def test_another_seed_gives_another_plan(self, planned: list[demo.PlannedItem]):
        other = demo.plan(demo.catalog(), demo.workload(), now=NOW, weeks=6, seed=SEED + 1)
        assert other != planned

    def test_a_few_thousand_items_over_six_weeks(self, planned: list[demo.PlannedItem]):
        assert 1_500 <= len(planned) <= 4_000
        first = min(p.created_at for p in planned)
        assert NOW - timedelta(weeks=6) <= first < NOW - timedelta(weeks=6) + timedelta(days=1)

    def test_mondays_are_busiest_and_sundays_quietest(self, planned: list[demo.PlannedItem]):
        by_weekday = Counter(p.created_at.astimezone(demo.LOCAL).weekday() for p in planned)
        assert by_weekday[0] == max(by_weekday.values())
        assert by_weekday[6] == min(by_weekday.values())

    def test_steps_are_chronological_and_never_after_now(self, planned: list[demo.PlannedItem]):
        for p in planned:
            instants = [p.created_at, *(s.at for s in p.steps)]
            assert instants == sorted(set(instants)), p.input.external_ref
            assert instants[-1] <= NOW

    def test_work_happens_in_business_hours(self, planned: list[demo.PlannedItem]):
        for p in planned:
            for step in p.steps:
                if step.action in WORKED:
                    local = step.at.astimezone(demo.LOCAL)
                    assert local.weekday() < 5, (p.input.external_ref, step)
                    assert time(8) <= local.time() <= time(18), (p.input.external_ref, step)

    def test_mixes_channels_reuses_customers_and_values_financial_cases(
        self, planned: list[demo.PlannedItem]
    ):
        channels = Counter(p.input.channel.value for p in planned)
        assert {"email", "phone", "web", "app", "chat", "store", "regulator"} <= set(channels)
        assert channels["regulator"] < channels["email"] / 10
        customers = Counter(p.input.customer.external_id for p in planned if p.input.customer)
        assert sum(n > 1 for n in customers.values()) > 50
        disputes = [p for p in planned if p.input.case_type == "invoice_dispute"]
        assert disputes
        assert all(p.input.amount is not None and p.input.amount > 0 for p in disputes)

    def test_resolutions_carry_a_root_cause(self, planned: list[demo.PlannedItem]):
        resolves = [s for p in planned for s in p.steps if s.action is Action.RESOLVE]
        assert resolves
        assert all(s.reason for s in resolves)
        assert len({s.reason for s in resolves}) > 10


class TestGenerate:
    def test_a_week_leaves_a_backlog_and_a_history_worked_by_people(self, engine: Engine):
        generate(engine)
        items = all_items(engine)
        statuses = Counter(i.status for i in items)
        assert len(items) > 150
        # A week is short: items resolved in the last three days are not closed yet.
        assert statuses[Status.CLOSED] + statuses[Status.RESOLVED] > len(items) / 2
        assert statuses[Status.CLOSED] > 0
        assert len(OPEN & set(statuses)) >= 3
        assert sum(statuses[s] for s in OPEN) > 10
        assert statuses[Status.CANCELLED] > 0
        assert any("ombudsman" in i.journey[1:] for i in items)
        assert {i.area for i in items} >= {"backoffice", "finance", "logistics", "ombudsman"}
        with unit_of_work(engine) as conn:
            for stored in [i for i in items if i.status is Status.CLOSED][:50]:
                events = item_service.events(conn, stored.id, principal=ADMIN)
                assert (events[0].type, events[0].actor) == ("created", "crm")
                assert (events[-1].type, events[-1].actor) == ("closed", "crm")
                resolve = [e for e in events if e.type == "resolved"][-1]
                assert resolve.actor == stored.assignee  # the specialist, not the importer
                assert resolve.data["reason"] == stored.reason

    def test_the_team_is_available_and_the_queue_ranked(self, engine: Engine):
        generate(engine)
        waiting = [i for i in all_items(engine) if i.status in (Status.NEW, Status.QUEUED)]
        with unit_of_work(engine) as conn:
            assert routing.queue_counts(conn) == {"queued": len(waiting), "to_rank": 0}
            agents = demo.catalog().agents
            states = [agent_service.presence(conn, a.key, principal=ADMIN) for a in agents]
            assert {s.status for s in states} == {Presence.AVAILABLE}
            # Someone gets the first waiting item of their areas.
            taken = [routing.next_item(conn, a.key, principal=ADMIN, now=NOW) for a in agents]
        assert any(t is not None and t.status is Status.ASSIGNED for t in taken)

    def test_events_are_chronological_and_replay_to_the_stored_items(self, engine: Engine):
        generate(engine)
        with unit_of_work(engine) as conn:
            for stored in item_repo.page(conn, ItemFilter(), areas=None, after=None, limit=10**5):
                events = item_service.events(conn, stored.id, principal=ADMIN)
                instants = [e.at for e in events]
                assert instants == sorted(set(instants)), stored.external_ref
                assert instants[-1] <= NOW
                assert stored.created_at == instants[0]
                folded = replay.fold(stored.id, events)
                assert replace(folded, customer=None) == replace(stored, customer=None)

    def test_same_seed_and_instant_give_the_same_counts(self, engine: Engine):
        generate(engine)
        first = Counter(i.status for i in all_items(engine))
        empty(engine)
        generate(engine)
        assert Counter(i.status for i in all_items(engine)) == first

    def test_refuses_a_database_that_has_items(self, engine: Engine):
        with unit_of_work(engine) as conn:
            demo.apply_config(conn, now=NOW)
            data = intake.ItemInput(external_ref="X-1", channel="email", case_type="cancellation")
            intake.intake(conn, [data], principal=CRM, now=NOW)
        with pytest.raises(Conflict, match="has items already"):
            demo.generate(engine, now=NOW, weeks=1, seed=SEED)
        assert len(all_items(engine)) == 1


class TestConfig:
    def test_applying_the_demo_configuration_twice_changes_nothing(self, engine: Engine):
        with unit_of_work(engine) as conn:
            assert demo.apply_config(conn, now=NOW)
            assert demo.apply_config(conn, now=NOW) == []

    def test_has_the_short_ladder_the_invoice_dispute_and_the_crm_integration(self):
        catalog = demo.catalog()
        assert catalog.tiers == ("first_level", "backoffice", "ombudsman")
        assert "invoice_dispute" in {c.key for c in catalog.case_types}
        assert 6 <= len(catalog.agents) <= 10
        roles = {u.name: u.role for u in catalog.users}
        assert roles["admin"] is Role.ADMIN
        assert roles["crm"] is Role.INTEGRATION
        assert Role.SUPERVISOR in roles.values()
