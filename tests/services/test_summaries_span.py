"""summaries.span: the daily/monthly report's tables over any run of days (the web
page's downloads), on the hand-worked scenario of tests/scenarios.py."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine

from retaguarda.domain.errors import InvalidInput
from retaguarda.services import summaries
from retaguarda.services.uow import unit_of_work
from tests.builders import ADMIN, SOFIA, seed
from tests.scenarios import LATER, write_scenario


@pytest.fixture
def scenario(engine: Engine) -> Engine:
    seed(engine)
    write_scenario(engine)
    return engine


def figures(summary: summaries.Summary) -> dict[str, Any]:
    (table,) = [t for t in summary.tables if t.key == "figures"]
    return {row[0]: row[1] for row in table.rows}


def test_three_days_across_two_weeks(scenario: Engine) -> None:
    with unit_of_work(scenario) as conn:
        found = summaries.span(
            conn, date(2026, 2, 28), date(2026, 3, 2), principal=ADMIN, now=LATER
        )

    # Sat 28 Feb and Sun 1 Mar: nothing; Mon 2 Mar: A and G arrive (G started).
    assert found.days == [date(2026, 2, 28), date(2026, 3, 1), date(2026, 3, 2)]
    assert found.inflow == [0, 0, 2]
    assert found.outflow == [0, 0, 0]
    # Only these days, not the whole months they touch (F arrived on 23 Feb).
    assert figures(found)["Inflow (items received)"] == 2
    # F (23 Feb) was open before, A and G are added: 1 -> 3.
    assert figures(found)["Backlog growth"] == 2
    assert [t.key for t in found.tables] == [
        "figures",
        "service_quality",
        "backlog_by_area",
        "flow_by_day",
        "pareto",
    ]


def test_one_day_is_that_day_only(scenario: Engine) -> None:
    with unit_of_work(scenario) as conn:
        found = summaries.span(conn, date(2026, 3, 6), date(2026, 3, 6), principal=ADMIN, now=LATER)

    # D arrives on Fri 6 Mar (the daily report would add the 13 days before).
    assert found.days == [date(2026, 3, 6)]
    assert found.inflow == [1]


def test_a_supervisor_sees_their_areas(scenario: Engine) -> None:
    with unit_of_work(scenario) as conn:
        found = summaries.span(conn, date(2026, 3, 6), date(2026, 3, 6), principal=SOFIA, now=LATER)

    # D arrived in backoffice and was moved to finance: Sofia counts its arrival,
    # and at the end of the day 4 open items (A, B, F, G) are hers.
    assert figures(found)["Backlog at the end"] == 4


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2026, 3, 6), date(2026, 3, 5)), (date(2025, 1, 1), date(2026, 3, 1))],
)
def test_a_reversed_or_too_long_run_is_refused(scenario: Engine, first: date, last: date) -> None:
    with unit_of_work(scenario) as conn, pytest.raises(InvalidInput) as refused:
        summaries.span(conn, first, last, principal=ADMIN, now=LATER)

    assert refused.value.field == "to"
