"""Automatic escalation through the services, on every test database: the configuration
section, escalation at intake (single and bulk) and by the worker after a breach."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, event, select

from retaguarda.domain.item import replay
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.journey import Stay
from retaguarda.domain.item.model import Action, Status, WorkItem
from retaguarda.services import config, intake, sla_store
from retaguarda.services import escalation as escalation_service
from retaguarda.services import item as item_service
from retaguarda.services.config import InvalidConfig
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.records import RoutingQueueRecord
from tests.builders import ADMIN, CONCURRENT_BACKENDS, CRM, NOW, in_parallel, seed
from tests.services.helpers import EVENTS, count, item_input

DATA = Path(__file__).parents[1] / "data"
BRT = timezone(timedelta(hours=-3))
RULES = """
escalation:
  - {when: resolution_breached, to: backoffice_l2}
  - {when: {amount_gte: 10000}, to: backoffice_l2}
  - {when: {channel: ombudsman}, enter_at: ombudsman}
  - {when: {amount_gte: 50000, case_type: invoice_dispute}, to: backoffice_l3}
"""
BREACH = "escalation rule 1: resolution breached"


def apply(engine: Engine, text: str, *, now: datetime = NOW) -> list[str]:
    with unit_of_work(engine) as conn:
        changes = config.apply(conn, text, source="office.yaml", now=now)
    return [f"{c.section}:{c.key}:{c.kind}" for c in changes]


def take_in(engine: Engine, *bodies: dict[str, Any], now: datetime = NOW) -> list[Any]:
    inputs = [item_input(**b) for b in bodies]
    with unit_of_work(engine) as conn:
        return intake.intake(conn, inputs, principal=CRM, now=now, with_items=True)


def log_and_item(engine: Engine, item_id: int) -> tuple[list[Event], WorkItem]:
    with unit_of_work(engine) as conn:
        return (
            item_service.events(conn, item_id, principal=ADMIN),
            item_service.get(conn, item_id, principal=ADMIN),
        )


def folded(log: list[Event], item_id: int) -> WorkItem:
    """The item rebuilt from its log (SLA alerts are not transitions)."""
    return replay.fold(item_id, [e for e in log if not e.type.startswith("sla_")])


@pytest.fixture
def ruled(engine: Engine) -> Engine:
    seed(engine)
    apply(engine, RULES)
    return engine


class TestConfiguration:
    def test_the_section_is_stored_exported_and_applied_once(self, engine: Engine) -> None:
        seed(engine)
        assert apply(engine, RULES) == ["escalation:escalation:created"]
        assert apply(engine, RULES) == []
        with unit_of_work(engine) as conn:
            exported = config.export(conn)
        # JSONB keeps keys in its own order: compare the data, then apply the export.
        assert yaml.safe_load(exported)["escalation"] == yaml.safe_load(RULES)["escalation"]
        assert apply(engine, exported) == []

    def test_tiers_and_case_types_of_the_same_file_may_be_named(self, engine: Engine) -> None:
        text = (
            "tiers: [level_a, level_b]\n"
            "areas: [{key: desk, name: Desk}]\n"
            "case_types: [{key: claim, name: Claim, area: desk, tier: level_a}]\n"
            "escalation: [{when: {case_type: claim, amount_gte: 5}, to: level_b}]\n"
        )
        assert "escalation:escalation:created" in apply(engine, text)

    def test_a_bad_section_is_refused_with_paths_and_nothing_is_applied(
        self, engine: Engine
    ) -> None:
        seed(engine)
        text = (
            "areas: [{key: desk, name: Desk}]\n"
            "escalation:\n"
            "  - {when: resolution_breached, enter_at: ombudsman}\n"
            "  - {when: {amount_gte: 10000, channel: fax}, to: backoffice_l9}\n"
            "  - {when: {channel: ombudsman}}\n"
        )
        with pytest.raises(InvalidConfig) as refused:
            apply(engine, text)
        assert refused.value.lines() == [
            "office.yaml: escalation[0].enter_at: a breach happens after intake: use `to` with it",
            "office.yaml: escalation[1].when.channel: unknown channel 'fax'",
            "office.yaml: escalation[1].to: unknown tier 'backoffice_l9'",
            "office.yaml: escalation[2]: needs `to: TIER` (escalate) or `enter_at: TIER`",
        ]
        with unit_of_work(engine) as conn:
            assert "desk" not in config.export(conn)  # all or nothing

    def test_a_section_that_is_not_a_list_is_a_form_error(self, engine: Engine) -> None:
        with pytest.raises(InvalidConfig) as refused:
            apply(engine, "escalation: {when: resolution_breached, to: backoffice_l2}\n")
        assert refused.value.lines() == ["office.yaml: escalation: Input should be a valid list"]


class TestAtIntake:
    def test_a_large_amount_is_escalated_at_once_and_the_log_replays_to_the_row(
        self, ruled: Engine
    ) -> None:
        [result] = take_in(ruled, {"external_ref": "BIG-1", "amount": "12000.00"})
        log, stored = log_and_item(ruled, result.item_id)

        assert [(e.type, e.at, e.actor) for e in log] == [
            ("created", NOW, "crm"),
            ("escalated", NOW, "system"),
        ]
        assert log[0].data["tier"] == "backoffice_l1"  # received at the case type's tier
        assert log[1].data["reason"] == "escalation rule 2: amount >= 10000"
        assert (stored.status, stored.tier, stored.journey, stored.version) == (
            Status.QUEUED,
            "backoffice_l2",
            ("backoffice_l1", "backoffice_l2"),
            2,
        )
        assert folded(log, stored.id) == stored
        assert result.item == stored  # what a single create answers with

    def test_the_highest_rule_wins_and_one_event_climbs_straight_there(self, ruled: Engine) -> None:
        # Rules 2 (l2) and 4 (l3) both apply to 60,000: one escalation, to l3.
        [result] = take_in(ruled, {"external_ref": "BIG-2", "amount": "60000"})
        log, stored = log_and_item(ruled, result.item_id)
        assert [e.type for e in log] == ["created", "escalated"]
        assert log[1].data["reason"] == (
            "escalation rule 4: amount >= 50000, case type = invoice_dispute"
        )
        assert stored.journey == ("backoffice_l1", "backoffice_l3")

    def test_the_ladder_order_is_the_configured_one(self, ruled: Engine) -> None:
        # first_level is the lowest tier, though it sorts after backoffice_l2 by name.
        [result] = take_in(
            ruled, {"external_ref": "LOW-1", "amount": "10000", "tier": "first_level"}
        )
        stored = log_and_item(ruled, result.item_id)[1]
        assert stored.journey == ("first_level", "backoffice_l2")

    @pytest.mark.parametrize(
        ("fields", "tier"),
        [
            ({"amount": "9999.99"}, "backoffice_l1"),  # one cent short
            ({"amount": "12000", "tier": "backoffice_l3"}, "backoffice_l3"),  # above l2 already
        ],
    )
    def test_items_the_rules_do_not_raise_keep_one_event(
        self, ruled: Engine, fields: dict[str, str], tier: str
    ) -> None:
        [result] = take_in(ruled, {"external_ref": "SMALL-1", **fields})
        log, stored = log_and_item(ruled, result.item_id)
        assert [e.type for e in log] == ["created"]
        assert (stored.status, stored.tier, stored.version) == (Status.NEW, tier, 1)

    def test_enter_at_starts_the_item_there_unless_the_input_names_a_tier(
        self, ruled: Engine
    ) -> None:
        first, named = take_in(
            ruled,
            {"external_ref": "OMB-1", "channel": "ombudsman"},
            {"external_ref": "OMB-2", "channel": "ombudsman", "tier": "pre_ombudsman"},
        )
        log, stored = log_and_item(ruled, first.item_id)
        assert [(e.type, e.data["tier"]) for e in log] == [("created", "ombudsman")]
        assert (stored.tier, stored.journey, stored.status) == (
            "ombudsman",
            ("ombudsman",),
            Status.NEW,
        )
        with unit_of_work(ruled) as conn:
            journey = item_service.journey(conn, first.item_id, principal=ADMIN)
            assert journey == [Stay("ombudsman", "backoffice", NOW, "crm", None)]
        assert log_and_item(ruled, named.item_id)[1].tier == "pre_ombudsman"

    def test_a_bulk_intake_escalates_in_the_same_batch_and_every_log_replays(
        self, ruled: Engine
    ) -> None:
        # 120 items: every third one is 10,000 or more (escalated), the rest are small.
        bodies = [
            {"external_ref": f"B-{n:03}", "amount": "15000" if n % 3 == 0 else "100"}
            for n in range(120)
        ]
        results = take_in(ruled, *bodies)
        assert {r.status for r in results} == {"created"}
        assert count(ruled, EVENTS, type="escalated") == 40
        assert count(ruled, EVENTS, type="created") == 120
        for n, result in enumerate(results):
            log, stored = log_and_item(ruled, result.item_id)
            assert folded(log, stored.id) == stored
            assert stored.tier == ("backoffice_l2" if n % 3 == 0 else "backoffice_l1")
        # Escalated items wait for an agent at their new tier.
        queue = RoutingQueueRecord.__table__
        with ruled.connect() as conn:
            tiers = dict(conn.execute(select(queue.c.item_id, queue.c.tier)).all())
        assert tiers[results[0].item_id] == "backoffice_l2"
        assert tiers[results[1].item_id] == "backoffice_l1"

    def test_the_statements_of_a_batch_do_not_grow_with_its_size(self, ruled: Engine) -> None:
        apply(ruled, "repeat_contacts: {within_days: 30}\n")

        def statements(size: int, prefix: str) -> int:
            bodies = [
                {
                    "external_ref": f"{prefix}-{n}",
                    "amount": "20000" if n % 2 else "10",
                    "customer": {"external_id": f"C-{n % 7}"},
                }
                for n in range(size)
            ]
            seen: list[str] = []
            listener = lambda *args: seen.append(args[2])  # noqa: E731
            event.listen(ruled, "before_cursor_execute", listener)
            try:
                take_in(ruled, *bodies)
            finally:
                event.remove(ruled, "before_cursor_execute", listener)
            return len(seen)

        # Both sizes past the COPY threshold (50 rows), so only the size differs; every
        # customer has repeats and half the items are escalated in both.
        assert statements(60, "S") == statements(400, "L")


class TestAfterABreach:
    """Invoice disputes under tests/data/sla-config.yaml (br-sp calendar, 08:00-18:00
    Mon-Fri). Received Mon 6 April 2026 09:00 BRT, the resolution target of 5 business
    days ends with the 5th business day after the day of receipt: Tue 7, Wed 8, Thu 9,
    Fri 10, Mon 13 -> due Mon 13 April 18:00 BRT; breached from 18:00:01."""

    RECEIVED = datetime(2026, 4, 6, 9, 0, tzinfo=BRT)
    DUE = datetime(2026, 4, 13, 18, 0, tzinfo=BRT)

    @pytest.fixture
    def timed(self, ruled: Engine) -> Engine:
        apply(ruled, (DATA / "sla-config.yaml").read_text(), now=datetime(2026, 4, 1, tzinfo=BRT))
        return ruled

    def create(self, engine: Engine, ref: str, **fields: str) -> int:
        [result] = take_in(
            engine,
            {"external_ref": ref, "created_at": self.RECEIVED.isoformat(), **fields},
            now=self.RECEIVED + timedelta(seconds=1),
        )
        assert result.item_id is not None
        return int(result.item_id)

    def sweep(self, engine: Engine, now: datetime) -> dict[str, int]:
        """What the worker does, at `now`: refresh clocks, record alerts, escalate."""
        with unit_of_work(engine) as conn:
            sla_store.refresh_all(conn, now=now)
            return escalation_service.record_alerts(conn, now=now)

    def test_the_worker_escalates_once_after_the_due_even_when_run_again(
        self, timed: Engine
    ) -> None:
        item_id = self.create(timed, "LATE-1")
        # Mon 13 17:59: the first response (due Mon 6 13:00) is breached and the
        # resolution only at risk (past 75 % of its time): no escalation yet.
        before_due = self.DUE - timedelta(minutes=1)
        assert self.sweep(timed, before_due) == {"at_risk": 1, "breached": 1, "escalated": 0}
        assert log_and_item(timed, item_id)[1].tier == "backoffice_l1"

        after_due = self.DUE + timedelta(seconds=1)
        assert self.sweep(timed, after_due) == {"at_risk": 0, "breached": 1, "escalated": 1}
        assert self.sweep(timed, after_due + timedelta(hours=1)) == {
            "at_risk": 0,
            "breached": 0,
            "escalated": 0,
        }

        log, stored = log_and_item(timed, item_id)
        assert [(e.type, e.actor) for e in log if e.type == "escalated"] == [
            ("escalated", "worker")
        ]
        [escalated] = [e for e in log if e.type == "escalated"]
        assert (escalated.at, escalated.data["reason"]) == (after_due, BREACH)
        assert (stored.tier, stored.status) == ("backoffice_l2", Status.QUEUED)
        assert folded(log, item_id) == stored
        with unit_of_work(timed) as conn:
            stays = item_service.journey(conn, item_id, principal=ADMIN)
        assert [(s.tier, s.entered_by, s.reason, s.left_at) for s in stays] == [
            ("backoffice_l1", "crm", None, after_due),
            ("backoffice_l2", "worker", BREACH, None),
        ]

    def test_items_at_the_tier_and_resolved_items_stay_put(self, timed: Engine) -> None:
        at_l2 = self.create(timed, "LATE-2", tier="backoffice_l2")
        resolved = self.create(timed, "LATE-3")
        for action, fields in (
            (Action.ASSIGN, {"assignee": "ana"}),
            (Action.START, {}),
            (Action.RESOLVE, {}),
        ):
            with unit_of_work(timed) as conn:
                item_service.act(
                    conn,
                    resolved,
                    action=action,
                    principal=ADMIN,
                    now=self.RECEIVED + timedelta(hours=2),
                    **fields,
                )
        tally = self.sweep(timed, self.DUE + timedelta(seconds=1))
        # LATE-2's resolution breached but it is at l2 already; LATE-3 resolved in time.
        assert tally["escalated"] == 0
        assert log_and_item(timed, at_l2)[1].journey == ("backoffice_l2",)
        assert log_and_item(timed, resolved)[1].journey == ("backoffice_l1",)

    def test_without_a_breach_rule_nothing_is_escalated(self, engine: Engine) -> None:
        seed(engine)
        apply(engine, "escalation: [{when: {amount_gte: 10000}, to: backoffice_l2}]\n")
        apply(engine, (DATA / "sla-config.yaml").read_text(), now=datetime(2026, 4, 1, tzinfo=BRT))
        item_id = self.create(engine, "LATE-4")
        assert self.sweep(engine, self.DUE + timedelta(seconds=1))["escalated"] == 0
        assert log_and_item(engine, item_id)[1].tier == "backoffice_l1"

    @pytest.mark.parametrize("backend", CONCURRENT_BACKENDS)
    def test_several_workers_at_once_escalate_each_item_once(self, timed: Engine) -> None:
        ids = [self.create(timed, f"W-{n}") for n in range(30)]
        in_parallel(*[lambda: self.sweep(timed, self.DUE + timedelta(hours=1))] * 4)
        for item_id in ids:
            log, stored = log_and_item(timed, item_id)
            assert [e.actor for e in log if e.type == "escalated"] == ["worker"]
            assert folded(log, item_id) == stored
