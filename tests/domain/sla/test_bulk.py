"""The bulk clocks (NumPy) equal the per-item clocks, item by item, on random histories."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retaguarda.domain.item import replay
from retaguarda.domain.item.events import Event, created_event
from retaguarda.domain.item.lifecycle import TransitionCommand, allowed_actions, transition
from retaguarda.domain.item.model import Action, Channel, Status
from retaguarda.domain.sla import bulk
from retaguarda.domain.sla.clock import measure
from retaguarda.domain.sla.columns import columns
from retaguarda.domain.sla.policy import Ola, SlaConfig, SlaPolicy, Target
from tests.domain.builders import LADDER, draft
from tests.domain.sla.test_clock import BR_SP, INVOICE, REGULATOR

CONFIG = SlaConfig(
    version=1,
    applied_at=datetime(2025, 1, 1, tzinfo=UTC),
    calendars={"br-sp": BR_SP},
    policies=(
        REGULATOR,
        replace(INVOICE, at_risk=Decimal("0.5"), pause_on=INVOICE.pause_on | {Status.PENDING_AREA}),
        SlaPolicy(
            key="priority-one",
            calendar="br-sp",
            targets={"first_response": Target(Decimal("1.5"), "business_hours")},
            match={"priority": ("1",)},
        ),
        SlaPolicy(
            key="default",
            calendar="br-sp",
            targets={
                "first_response": Target(Decimal(8), "business_hours"),
                "resolution": Target(Decimal(36), "calendar_hours"),
            },
        ),
    ),
    olas={
        "finance": Ola("finance", "br-sp", Target(Decimal(16), "business_hours")),
        "logistics": Ola("logistics", "br-sp", Target(Decimal(2), "business_days")),
    },
)
HANDLING = {"invoice_dispute": 25 * 60, "delivery_missing": 8 * 60, "address_change": None}
START = datetime(2026, 1, 1, tzinfo=UTC)
# Minutes to hours (clocks at risk, met just in time) and days (breaches, weekends).
GAPS = st.integers(0, 6 * 3600) | st.integers(0, 4 * 86400)


@st.composite
def histories(draw: st.DrawFn) -> list[Event]:
    received = START + timedelta(seconds=draw(st.integers(0, 300 * 86400)))
    first = created_event(
        draft(
            created_at=received,
            channel=draw(st.sampled_from([Channel.EMAIL, Channel.REGULATOR, Channel.PHONE])),
            case_type=draw(st.sampled_from(sorted(HANDLING))),
            priority=draw(st.integers(1, 5)),
        ),
        actor="crm",
    )
    item = replay.start(1, first)
    events = [replace(first, item_id=1)]
    for _ in range(draw(st.integers(0, 10))):
        actions = sorted(a for a in allowed_actions(item.status) if a is not Action.ESCALATE)
        if not actions:
            break
        action = draw(st.sampled_from(actions))
        when = item.updated_at + timedelta(seconds=draw(GAPS))
        fields: dict[str, str] = {}
        if action is Action.ASSIGN:
            fields["assignee"] = "ana"
        elif action is Action.PEND_AREA:
            others = [a for a in ("finance", "logistics", "legal") if a != item.area]
            fields["area"] = draw(st.sampled_from(others))
        elif action is Action.TRANSFER:
            fields["area"] = draw(
                st.sampled_from([a for a in ("backoffice", "finance") if a != item.area])
            )
        item, event = transition(
            item, TransitionCommand(action=action, at=when, actor="ana", **fields), ladder=LADDER
        )
        events.append(event)
    return events


def figures(clock_rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return sorted(clock_rows, key=repr)


@settings(max_examples=60, deadline=None)
@given(st.lists(histories(), min_size=1, max_size=6), GAPS, st.booleans())
def test_bulk_equals_scalar_item_by_item(
    logs: list[list[Event]], later: int, after_everything: bool
) -> None:
    logs = [[replace(e, item_id=i) for e in log] for i, log in enumerate(logs, start=1)]
    # As of an instant after every event, or amid the histories (later events ignored).
    if after_everything:
        at = max(log[-1].at for log in logs) + timedelta(seconds=later)
    else:
        at = min(log[0].at for log in logs) + timedelta(seconds=later)
    histories_by_id = {log[0].item_id: log for log in logs if log[0].at <= at}
    if not histories_by_id:
        return
    items, phases = columns(histories_by_id, at=at, expected_handling_minutes=HANDLING)
    clocks = bulk.measure_many(CONFIG, items, phases, at=int(at.timestamp()))
    got = figures(
        [
            (
                int(items.item_id[clocks.item[k]]),
                clocks.metric[k],
                clocks.area[k],
                int(clocks.started[k]),
                int(clocks.due[k]),
                bulk.STATES[clocks.state[k]],
                int(clocks.elapsed[k]),
                int(clocks.remaining[k]),
                bool(clocks.at_risk[k]),
            )
            for k in range(len(clocks))
        ]
    )
    expected = figures(
        [
            (
                item_id,
                c.metric,
                c.area,
                int(c.started_at.timestamp()),
                int(c.due_at.timestamp()),
                c.state,
                c.elapsed_business_seconds,
                c.remaining_business_seconds,
                c.at_risk,
            )
            for item_id, log in histories_by_id.items()
            for c in measure(log, [CONFIG], at=at, expected_handling_minutes=HANDLING).clocks
        ]
    )
    assert got == expected


def test_no_item_gives_no_clock() -> None:
    items, phases = columns({}, at=START)
    assert len(bulk.measure_many(CONFIG, items, phases, at=int(START.timestamp()))) == 0
    assert np.asarray(items.item_id).shape == (0,)


@settings(max_examples=40, deadline=None)
@given(st.lists(histories(), min_size=1, max_size=4), GAPS)
def test_risk_at_is_the_first_instant_a_running_clock_is_at_risk(
    logs: list[list[Event]], later: int
) -> None:
    logs = [[replace(e, item_id=i) for e in log] for i, log in enumerate(logs, start=1)]
    at = max(log[-1].at for log in logs) + timedelta(seconds=later)  # after every event
    by_id = {log[0].item_id: log for log in logs}
    items, phases = columns(by_id, at=at, expected_handling_minutes=HANDLING)
    clocks = bulk.measure_many(CONFIG, items, phases, at=int(at.timestamp()))
    for k in np.flatnonzero(clocks.risk_at != bulk.NAT):
        item_id = int(items.item_id[clocks.item[k]])
        risk_at = datetime.fromtimestamp(int(clocks.risk_at[k]), UTC)

        def same_clock(when: datetime, k: int = k, item_id: int = item_id) -> tuple[str, bool]:
            measured = measure(
                by_id[item_id], [CONFIG], at=when, expected_handling_minutes=HANDLING
            )
            [c] = [
                c
                for c in measured.clocks
                if c.metric == clocks.metric[k]
                and int(c.started_at.timestamp()) == clocks.started[k]
            ]
            return c.state, c.at_risk

        state, risky = same_clock(max(risk_at, at))
        assert risky or state == "breached"
        if risk_at > at:
            assert same_clock(risk_at - timedelta(seconds=1)) == ("running", False)
