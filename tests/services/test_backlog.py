"""The backlog at any instant (services.reports.backlog) on both databases: against a
straightforward replay of the event list written here, and on hand-worked cases."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from retaguarda.domain.item import replay
from retaguarda.domain.item.events import Event
from retaguarda.domain.item.lifecycle import allowed_actions
from retaguarda.domain.item.model import Action, WorkItem
from retaguarda.domain.item.spans import OPEN
from retaguarda.domain.kpi.backlog import age_bucket
from retaguarda.domain.sla.clock import measure
from retaguarda.services import config, intake, reports, sla, sla_store
from retaguarda.services import item as item_service
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.repos import reports as reports_repo
from tests.builders import ADMIN, CRM, DATA, NOW, seed

# Reports may look at any instant up to now; the histories below end before it.
LATER = NOW + timedelta(days=60)
START = datetime(2026, 2, 2, 11, 0, tzinfo=UTC)  # a Monday, 08:00 in Sao Paulo
ITEM_TABLES = (
    "item_spans",
    "item_resolutions",
    "sla_alerts",
    "sla_clocks",
    "sla_pending",
    "routing_queue",
    "item_events",
    "items",
    "customers",
)


@pytest.fixture
def configured(engine: Engine) -> Engine:
    seed(engine)
    with unit_of_work(engine) as conn:
        config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=NOW)
    return engine


def clear_items(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in ITEM_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


# -- random histories, written through the services ------------------------------------

Step = tuple[Action, int, dict[str, Any]]  # action, seconds after the previous, fields


def _fields(action: Action, item: WorkItem, area: str) -> dict[str, Any] | None:
    """Valid fields for `action` on `item`, or None when it cannot be done here.
    `area`: a drawn area, used when the action needs one."""
    other = "logistics" if area == item.area else area
    if action is Action.ASSIGN:
        return {"assignee": "ana"} if item.area == "backoffice" else None
    if action is Action.PEND_AREA:
        return {"area": other}
    if action is Action.TRANSFER:
        return {"area": "finance" if item.area != "finance" else "backoffice"}
    if action is Action.ESCALATE:
        return None if item.tier == "ombudsman" else {"reason": "customer insists"}
    return {}


@st.composite
def histories(draw: st.DrawFn) -> list[tuple[dict[str, Any], list[Step]]]:
    """A few items: their intake fields and a list of legal steps each."""
    out = []
    for k in range(draw(st.integers(1, 5))):
        created = START + timedelta(minutes=draw(st.integers(0, 3 * 24 * 60)))
        fields = {
            "external_ref": f"B-{k}",
            "channel": draw(st.sampled_from(["web", "regulator", "email"])),
            "case_type": draw(st.sampled_from(["invoice_dispute", "delivery_missing"])),
            "created_at": created,
        }
        out.append((fields, draw(st.integers(0, 10))))
    steps_of: list[tuple[dict[str, Any], list[Step]]] = []
    for fields, length in out:
        steps_of.append((fields, [draw(_step_seed()) for _ in range(length)]))
    return steps_of


@st.composite
def _step_seed(draw: st.DrawFn) -> Step:
    # The action is chosen when the item's status is known (apply); here only a
    # choice index, a delay and a field choice are drawn.
    return (
        Action.QUEUE,
        # Mostly within days; sometimes weeks, so items go overdue and move on.
        draw(st.one_of(st.integers(0, 3 * 24 * 3600), st.integers(0, 25 * 24 * 3600))),
        {"pick": draw(st.integers(0, 99)), "area": draw(st.sampled_from(["finance", "logistics"]))},
    )


def write(engine: Engine, drawn: list[tuple[dict[str, Any], list[Step]]]) -> dict[int, list[Event]]:
    """Take the items in and apply their steps; every item's event list, read back."""
    ids = []
    with unit_of_work(engine) as conn:
        results = intake.intake(
            conn, [ItemInput.model_validate(f) for f, _ in drawn], principal=CRM, now=LATER
        )
        ids = [r.item_id for r in results]
    for item_id, (_, steps) in zip(ids, drawn, strict=True):
        for _, delay, choice in steps:
            with unit_of_work(engine) as conn:
                item = item_service.get(conn, item_id, principal=ADMIN)
                possible = sorted(allowed_actions(item.status))
                if not possible:
                    break
                action = possible[choice["pick"] % len(possible)]
                fields = _fields(action, item, choice["area"])
                if fields is None:
                    continue
                item_service.act(
                    conn,
                    item_id,
                    action=action,
                    principal=ADMIN,
                    now=LATER,
                    at=item.updated_at + timedelta(seconds=delay),
                    **fields,
                )
    with unit_of_work(engine) as conn:
        return {i: item_service.events(conn, i, principal=ADMIN) for i in ids}


# -- the oracle: replay the event list, item by item -------------------------------------


def replayed(
    logs: dict[int, list[Event]], engine: Engine, at: datetime, group_by: str
) -> dict[str, Any]:
    with unit_of_work(engine) as conn:
        versions = sla.configs(conn)
        handling = sla.handling_minutes(conn)
    total = overdue = 0
    groups: Counter[Any] = Counter()
    ages: Counter[str] = Counter()
    for item_id, events in logs.items():
        seen = [e for e in events if e.at <= at]
        if not seen:
            continue
        state = replay.fold(item_id, [e for e in seen if e.type == "created" or "to" in e.data])
        if state.status not in OPEN:
            continue
        total += 1
        groups[getattr(state, group_by)] += 1
        ages[age_bucket(state.created_at, at)] += 1
        clocks = measure(events, versions, at=at, expected_handling_minutes=handling).clocks
        overdue += any(c.metric == "resolution" and c.state == "breached" for c in clocks)
    return {"total": total, "overdue": overdue, "groups": dict(groups), "ages": dict(ages)}


def answered(engine: Engine, at: datetime, group_by: str) -> dict[str, Any]:
    with unit_of_work(engine) as conn:
        got = reports.backlog(conn, principal=ADMIN, at=at, now=LATER, group_by=group_by)
    assert got["pending"] == 0
    assert got["current"] + got["overdue"] == got["total"]
    assert sum(got["aging_by_sla"].values()) == got["total"]
    return {
        "total": got["total"],
        "overdue": got["overdue"],
        "groups": {g["key"]: g["total"] for g in got["groups"]},
        "ages": {k: v for k, v in got["aging_by_age"].items() if v},
    }


class TestAgainstReplay:
    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(drawn=histories(), data=st.data())
    def test_backlog_at_random_instants_equals_the_replay(
        self, configured: Engine, drawn: list[Any], data: st.DataObject
    ) -> None:
        clear_items(configured)
        logs = write(configured, drawn)
        last = max(e.at for events in logs.values() for e in events)
        span = int((last - START).total_seconds()) + 7 * 86_400
        instants = [e.at for events in logs.values() for e in events][:6] + [
            START + timedelta(seconds=s)
            for s in data.draw(st.lists(st.integers(-3600, span), min_size=4, max_size=8))
        ]
        for at in instants:
            group_by = data.draw(st.sampled_from(["area", "tier", "assignee"]))
            assert answered(configured, at, group_by) == replayed(logs, configured, at, group_by), (
                at
            )

    @settings(
        max_examples=25,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(drawn=histories(), data=st.data())
    def test_the_flow_sweep_at_sorted_instants_equals_the_replay(
        self, configured: Engine, drawn: list[Any], data: st.DataObject
    ) -> None:
        # The flow counts the backlog at its period ends by a sweep: the spans at the
        # first instant, then only the starts and ends where the grouping changes.
        clear_items(configured)
        logs = write(configured, drawn)
        every = [e.at for events in logs.values() for e in events]
        span = int((max(every) - START).total_seconds()) + 7 * 86_400
        drawn_at = data.draw(st.lists(st.integers(-3600, span), min_size=1, max_size=6))
        # Event instants (and a microsecond either side) are where a sweep can slip.
        near = [at + timedelta(microseconds=d) for at in every for d in (-1, 0, 1)]
        instants = sorted(near + [START + timedelta(seconds=s) for s in drawn_at])
        group_by = data.draw(st.sampled_from([None, *GROUPS]))
        areas = data.draw(st.sampled_from([None, ("backoffice",), ("finance", "logistics")]))
        with unit_of_work(configured) as conn:
            sla_store.refresh(conn, now=LATER)
            got = reports_repo.backlog_at(conn, instants, group_by=group_by, areas=areas)
        for index, at in enumerate(instants):
            expected = open_by(logs, at, group_by, areas)
            assert {k: n for (i, k), n in got.items() if i == index} == expected, (at, group_by)

    @settings(
        max_examples=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(drawn=histories(), data=st.data())
    def test_the_series_of_totals_and_overdue_equals_the_replay(
        self, configured: Engine, drawn: list[Any], data: st.DataObject
    ) -> None:
        # The daily and monthly reports' current/overdue per day: one sweep over the
        # overdue parts of the spans instead of a backlog per day.
        clear_items(configured)
        logs = write(configured, drawn)
        every = [e.at for events in logs.values() for e in events]
        span = int((max(every) - START).total_seconds()) + 40 * 86_400
        drawn_at = data.draw(st.lists(st.integers(-3600, span), min_size=2, max_size=8))
        instants = sorted(every + [START + timedelta(seconds=s) for s in drawn_at])
        # Histories may run past LATER (up to ten delays of 25 days): the series is
        # asked "now" after its last instant, as the reports only answer about the past.
        now = max(LATER, instants[-1])
        with unit_of_work(configured) as conn:
            got = reports.backlog_series(conn, principal=ADMIN, instants=instants, now=now)
        for at, (total, overdue) in zip(instants, got, strict=True):
            expected = replayed(logs, configured, at, "area")
            assert (total, overdue) == (expected["total"], expected["overdue"]), at


GROUPS = ("area", "tier", "assignee", "case_type", "channel")


def open_by(
    logs: dict[int, list[Event]], at: datetime, group_by: str | None, areas: Any
) -> dict[Any, int]:
    """The replay's backlog at `at` by group, among the items in `areas` then."""
    counted: Counter[Any] = Counter()
    for item_id, events in logs.items():
        seen = [e for e in events if e.at <= at and (e.type == "created" or "to" in e.data)]
        if not seen:
            continue
        state = replay.fold(item_id, seen)
        if state.status not in OPEN or (areas is not None and state.area not in areas):
            continue
        key = getattr(state, group_by) if group_by else None
        counted[getattr(key, "value", key)] += 1
    return dict(counted)


class TestInflowByFirstSpan:
    def test_an_item_cancelled_at_its_receipt_still_counts_in_the_inflow(
        self, configured: Engine
    ) -> None:
        # Three items received on Monday 2 February in backoffice; R-3 is moved to
        # logistics the instant it arrives, so it arrived in logistics. R-2 is
        # cancelled the instant it arrives, so it never has an open span: inflow by
        # area reads the first spans and must notice the one missing.
        clear_items(configured)
        drawn = [
            ({"external_ref": f"R-{k}", "channel": "web", "case_type": case, "created_at": at}, [])
            for k, (case, at) in enumerate(
                [
                    ("invoice_dispute", START),
                    ("invoice_dispute", START + timedelta(hours=1)),
                    ("delivery_missing", START + timedelta(hours=2)),
                ],
                start=1,
            )
        ]
        logs = write(configured, drawn)
        _, cancelled, moved = sorted(logs)
        with unit_of_work(configured) as conn:
            item_service.act(
                conn,
                cancelled,
                action=Action.CANCEL,
                principal=ADMIN,
                now=LATER,
                at=START + timedelta(hours=1),
            )
            item_service.act(
                conn,
                moved,
                action=Action.TRANSFER,
                principal=ADMIN,
                now=LATER,
                at=START + timedelta(hours=2),
                area="logistics",
            )
        day = (START - timedelta(hours=11), START + timedelta(hours=13))  # 00:00-24:00 UTC
        with unit_of_work(configured) as conn:
            sla_store.refresh(conn, now=LATER)
            by_area = reports_repo.created_in(conn, [day], group_by="area", areas=None)
            seen = reports_repo.created_in(conn, [day], group_by="tier", areas=("backoffice",))
            whole = reports_repo.created_in(conn, [day], group_by=None, areas=None)
        # 2 in backoffice (R-1, and R-2 by its item row), 1 in logistics.
        assert by_area == {(0, "backoffice"): 2, (0, "logistics"): 1}
        # A supervisor of backoffice sees, both at backoffice L1.
        assert seen == {(0, "backoffice_l1"): 2}
        assert whole == {(0, None): 3}
