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
from retaguarda.services import config, intake, reports, sla
from retaguarda.services import item as item_service
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work
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
        draw(st.integers(0, 3 * 24 * 3600)),
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
