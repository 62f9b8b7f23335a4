"""SLA configuration versions and item clocks through the services, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine

from retaguarda.domain.item import replay
from retaguarda.domain.item.model import Action
from retaguarda.domain.sla.clock import measure
from retaguarda.services import config, intake, sla, sla_store
from retaguarda.services import item as item_service
from retaguarda.services.config import InvalidConfig
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from tests.builders import ADMIN, CONCURRENT_BACKENDS, CRM, in_parallel, seed

BRT = timezone(timedelta(hours=-3))
DATA = Path(__file__).parents[1] / "data"
H = 3600


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=BRT)


def apply(engine: Engine, text: str, *, when: datetime, source: str = "sla.yaml") -> list[str]:
    with unit_of_work(engine) as conn:
        changes = config.apply(conn, text, source=source, now=when)
    return [f"{c.section}:{c.key}:{c.kind}" for c in changes]


@pytest.fixture
def configured(engine: Engine) -> Engine:
    seed(engine)
    apply(engine, (DATA / "sla-config.yaml").read_text(), when=at(1, 12))
    return engine


def create(engine: Engine, ref: str, received: datetime, **fields: object) -> int:
    body = {"external_ref": ref, "channel": "email", "case_type": "invoice_dispute", **fields}
    with unit_of_work(engine) as conn:
        [result] = intake.intake(
            conn,
            [ItemInput.model_validate({**body, "created_at": received})],
            principal=CRM,
            now=received + timedelta(seconds=1),
        )
    assert result.item_id is not None
    return result.item_id


def act(engine: Engine, item_id: int, action: Action, when: datetime, **fields: str) -> None:
    with unit_of_work(engine) as conn:
        item_service.act(conn, item_id, action=action, principal=ADMIN, now=when, at=when, **fields)


class TestConfiguration:
    def test_the_issue_example_is_accepted_and_stored_as_version_1(
        self, configured: Engine
    ) -> None:
        with unit_of_work(configured) as conn:
            [v1] = sla.configs(conn)
        assert v1.version == 1
        assert [p.key for p in v1.policies] == ["invoice-dispute", "regulator", "default"]
        assert sorted(v1.calendars) == ["always", "br-sp", "es-md"]
        assert sorted(v1.olas) == ["finance", "logistics"]

    def test_applying_the_same_file_again_changes_nothing(self, configured: Engine) -> None:
        assert apply(configured, (DATA / "sla-config.yaml").read_text(), when=at(2, 12)) == []
        with unit_of_work(configured) as conn:
            assert len(sla.configs(conn)) == 1

    def test_a_change_makes_a_new_version_and_says_what_changed(self, configured: Engine) -> None:
        changed = apply(
            configured,
            "olas:\n  - {area: finance, calendar: always, target: {calendar_hours: 24}}\n",
            when=at(2, 12),
        )
        assert changed == ["olas:finance:updated"]
        with unit_of_work(configured) as conn:
            versions = sla.configs(conn)
            exported = config.export(conn)
        assert [v.version for v in versions] == [1, 2]
        assert versions[1].olas["finance"].calendar == "always"
        assert versions[1].policies == versions[0].policies  # untouched sections kept
        assert "calendar_hours: 24" in exported

    def test_policies_given_again_replace_the_whole_ordered_list(self, configured: Engine) -> None:
        changed = apply(
            configured,
            "sla_policies:\n"
            "  - {key: default, match: {}, calendar: always, "
            "targets: {resolution: {calendar_days: 30}}}\n",
            when=at(2, 12),
        )
        assert sorted(changed) == [
            "sla_policies:default:updated",
            "sla_policies:invoice-dispute:removed",
            "sla_policies:regulator:removed",
        ]

    @pytest.mark.parametrize(
        ("text", "path", "message"),
        [
            (
                "sla_policies:\n  - {key: p, calendar: nowhere,"
                " targets: {resolution: {business_days: 5}}}\n",
                "sla_policies[0].calendar",
                "unknown calendar 'nowhere'",
            ),
            (
                "sla_policies:\n  - {key: p, calendar: br-sp, match: {case_type: nope}, "
                "targets: {resolution: {business_days: 5}}}\n",
                "sla_policies[0].match.case_type",
                "unknown case type 'nope'",
            ),
            (
                "sla_policies:\n  - {key: p, calendar: br-sp, targets: {resolution: {weeks: 1}}}\n",
                "sla_policies[0].targets.resolution",
                "unknown unit 'weeks'",
            ),
            (
                "sla_policies:\n  - {key: p, calendar: br-sp, pause_on: [closed], "
                "targets: {resolution: {business_days: 5}}}\n",
                "sla_policies[0].pause_on",
                "'closed' cannot pause a clock",
            ),
            (
                "olas:\n  - {area: marketing, calendar: br-sp, target: {business_hours: 8}}\n",
                "olas[0].area",
                "unknown area 'marketing'",
            ),
            (
                "calendars:\n  - {key: x, timezone: Mars/Olympus,"
                " hours: {mon-fri: ['08:00-18:00']}}\n",
                "calendars[0].timezone",
                "Mars/Olympus",
            ),
        ],
    )
    def test_a_bad_entry_is_refused_with_its_path_and_nothing_changes(
        self, configured: Engine, text: str, path: str, message: str
    ) -> None:
        with pytest.raises(InvalidConfig) as refused:
            apply(configured, text, when=at(2, 12))
        assert any(p.path == path and message in p.message for p in refused.value.problems), (
            refused.value.problems
        )
        with unit_of_work(configured) as conn:
            assert len(sla.configs(conn)) == 1


class TestClocks:
    def test_clocks_follow_the_item_through_a_pause(self, configured: Engine) -> None:
        item_id = create(configured, "S-1", at(17, 10))
        act(configured, item_id, Action.QUEUE, at(17, 11))
        act(configured, item_id, Action.ASSIGN, at(17, 11, 5), assignee="ana")
        act(configured, item_id, Action.START, at(17, 13))
        act(configured, item_id, Action.PEND_CUSTOMER, at(17, 17))
        act(configured, item_id, Action.RESUME, at(20, 9))
        with unit_of_work(configured) as conn:
            measured = sla.clocks(conn, item_id, principal=ADMIN, at=at(22, 12))
        by_metric = {c.metric: c for c in measured.clocks}
        # Hand-worked in tests/domain/sla/test_clock.py (TestPausesAndOla): 5 business
        # days from Fri 17 April skip Tiradentes (Tue 21): Mon 27 18:00, plus the 2
        # business hours paused -> Tue 28 10:00.
        assert by_metric["resolution"].due_at.isoformat() == "2026-04-28T10:00:00-03:00"
        assert by_metric["resolution"].elapsed_business_seconds == 20 * H
        assert by_metric["first_response"].state == "met"

    def test_replaying_the_stored_events_reproduces_the_clocks(self, configured: Engine) -> None:
        item_id = create(configured, "S-2", at(6, 9))
        act(configured, item_id, Action.QUEUE, at(6, 10))
        act(configured, item_id, Action.ASSIGN, at(6, 10), assignee="ana")
        act(configured, item_id, Action.START, at(6, 11))
        act(configured, item_id, Action.PEND_AREA, at(6, 12), area="finance")
        with unit_of_work(configured) as conn:
            served = sla.clocks(conn, item_id, principal=ADMIN, at=at(7, 12))
            history = item_service.events(conn, item_id, principal=ADMIN)
            versions = sla.configs(conn)
            handling = sla.handling_minutes(conn)
            stored = item_service.get(conn, item_id, principal=ADMIN)
        # The same pure function over the log read back gives the same clocks ...
        again = measure(history, versions, at=at(7, 12), expected_handling_minutes=handling)
        assert again == served
        # ... and the log folds back into the stored row.
        assert replay.fold(item_id, history) == stored
        assert {c.metric for c in served.clocks} == {"first_response", "resolution", "ola"}

    def test_a_policy_change_recomputes_open_items_and_keeps_closed_ones(
        self, configured: Engine
    ) -> None:
        open_id = create(configured, "S-3", at(6, 9))
        closed_id = create(configured, "S-4", at(6, 9))
        for action, when, fields in [
            (Action.QUEUE, at(6, 10), {}),
            (Action.ASSIGN, at(6, 10), {"assignee": "ana"}),
            (Action.START, at(6, 11), {}),
            (Action.RESOLVE, at(9, 10), {}),
            (Action.CLOSE, at(9, 11), {}),
        ]:
            act(configured, closed_id, action, when, **fields)
        apply(
            configured,
            "sla_policies:\n"
            "  - {key: invoice-dispute, match: {case_type: invoice_dispute}, calendar: br-sp,\n"
            "     targets: {resolution: {business_days: 2}}}\n",
            when=at(10, 12),
        )
        with unit_of_work(configured) as conn:
            opened = sla.clocks(conn, open_id, principal=ADMIN, at=at(10, 13))
            closed = sla.clocks(conn, closed_id, principal=ADMIN, at=at(10, 13))
        [res_open] = [c for c in opened.clocks if c.metric == "resolution"]
        [res_closed] = [c for c in closed.clocks if c.metric == "resolution"]
        # Open, now under version 2: 2 business days after Mon 6 -> Wed 8 18:00: breached.
        assert (opened.config_version, res_open.due_at, res_open.state) == (
            2,
            at(8, 18),
            "breached",
        )
        # Closed on Thu 9 under version 1: 5 business days -> Mon 13 18:00, met.
        assert (closed.config_version, res_closed.due_at, res_closed.state) == (
            1,
            at(13, 18),
            "met",
        )


class TestSweep:
    """A received Mon 6 April 09:00, B Thu 9 April 09:00 (invoice disputes)."""

    def sweep(self, engine: Engine, now: datetime) -> dict[str, int]:
        with unit_of_work(engine) as conn:
            sla_store.refresh_all(conn, now=now)
            return sla_store.record_alerts(conn, now=now)

    def alert_events(self, engine: Engine, item_id: int) -> list[tuple[str, datetime, str]]:
        with unit_of_work(engine) as conn:
            history = item_service.events(conn, item_id, principal=ADMIN)
        return [(e.type, e.at, e.data["metric"]) for e in history if e.type.startswith("sla_")]

    def test_records_each_change_once_dated_when_it_happened(self, configured: Engine) -> None:
        a = create(configured, "A", at(6, 9))
        b = create(configured, "B", at(9, 9))
        # Thu 9 at 12:00: A's first response (due Mon 6 13:00) is breached; B's
        # (due Thu 13:00) has used 3 of 4 hours: at risk since 12:00 (75 %).
        assert self.sweep(configured, at(9, 12)) == {"at_risk": 1, "breached": 1}
        assert self.alert_events(configured, a) == [
            ("sla_breached", at(6, 13, 0) + timedelta(seconds=1), "first_response")
        ]
        assert self.alert_events(configured, b) == [("sla_at_risk", at(9, 12), "first_response")]
        # Nothing changed: nothing more to record.
        assert self.sweep(configured, at(9, 12, 30)) == {"at_risk": 0, "breached": 0}
        # Thu 13:00:01: B's first response is now breached as well: one more event.
        later = at(9, 13) + timedelta(seconds=1)
        assert self.sweep(configured, later) == {"at_risk": 0, "breached": 1}
        assert [t for t, _, _ in self.alert_events(configured, b)] == [
            "sla_at_risk",
            "sla_breached",
        ]

    def test_alert_events_leave_the_item_and_its_clocks_as_they_were(
        self, configured: Engine
    ) -> None:
        b = create(configured, "B", at(9, 9))
        with unit_of_work(configured) as conn:
            before = sla.clocks(conn, b, principal=ADMIN, at=at(9, 14))
            item_before = item_service.get(conn, b, principal=ADMIN)
        self.sweep(configured, at(9, 14))
        with unit_of_work(configured) as conn:
            after = sla.clocks(conn, b, principal=ADMIN, at=at(9, 14))
            history = item_service.events(conn, b, principal=ADMIN)
            assert item_service.get(conn, b, principal=ADMIN) == item_before
        assert after == before
        assert replay.fold(b, [e for e in history if not e.type.startswith("sla_")]) == item_before

    @pytest.mark.parametrize("backend", CONCURRENT_BACKENDS)
    def test_several_workers_at_once_record_each_change_once(self, configured: Engine) -> None:
        ids = [create(configured, f"W-{n}", at(6, 9) + timedelta(minutes=n)) for n in range(40)]
        in_parallel(*[lambda: self.sweep(configured, at(9, 12))] * 4)
        with unit_of_work(configured) as conn:
            kinds = [
                (e.item_id, e.type, e.data["metric"])
                for item_id in ids
                for e in item_service.events(conn, item_id, principal=ADMIN)
                if e.type.startswith("sla_")
            ]
        # Each item: first response breached (due Mon 6 by 13:40 at the latest).
        assert sorted(kinds) == sorted((i, "sla_breached", "first_response") for i in ids)
