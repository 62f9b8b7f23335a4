"""Agents' schedules in the configuration, on both databases."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

from retaguarda.domain.routing.eligibility import on_shift
from retaguarda.domain.routing.schedule import calendar_of
from retaguarda.services import config, sla
from retaguarda.services.config import InvalidConfig
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.repos import catalog as catalog_repo
from tests.builders import NOW, seed

DATA = Path(__file__).parents[1] / "data"


def apply(engine: Engine, text: str) -> None:
    with unit_of_work(engine) as conn:
        config.apply(conn, text, source="agents.yaml", now=NOW)


@pytest.fixture
def configured(engine: Engine) -> Engine:
    seed(engine)
    apply(engine, (DATA / "sla-config.yaml").read_text())
    return engine


def test_a_schedule_by_calendar_or_by_own_spans_is_kept_and_used(configured: Engine) -> None:
    apply(
        configured,
        "agents:\n"
        "  - {key: ana, name: Ana Souza, areas: [backoffice], tiers: [backoffice_l1],"
        " schedule: {calendar: br-sp}}\n"
        "  - {key: bruno, name: Bruno Lima, areas: [backoffice], tiers: [backoffice_l1],"
        " schedule: {timezone: Europe/Madrid, hours: {mon-fri: ['09:00-14:00', '15:00-18:00']}}}\n",
    )
    with unit_of_work(configured) as conn:
        ana = catalog_repo.agent(conn, "ana")
        bruno = catalog_repo.agent(conn, "bruno")
        [version] = sla.configs(conn)
        exported = config.export(conn)
    assert ana is not None
    assert ana.schedule == {"calendar": "br-sp"}
    assert bruno is not None
    assert bruno.schedule is not None
    assert "calendar: br-sp" in exported
    ana_hours = calendar_of(ana.schedule, version.calendars)
    bruno_hours = calendar_of(bruno.schedule, version.calendars)
    # Tue 21 April 2026 is Tiradentes: a holiday on br-sp, a working day in Madrid.
    holiday_noon = datetime.fromisoformat("2026-04-21T12:00:00-03:00")  # 17:00 in Madrid
    assert not on_shift(ana_hours, holiday_noon)
    assert on_shift(bruno_hours, holiday_noon)
    # Wed 22 April 10:00 in São Paulo (15:00 in Madrid, after lunch): both on shift.
    assert on_shift(ana_hours, datetime.fromisoformat("2026-04-22T10:00:00-03:00"))
    assert on_shift(bruno_hours, datetime.fromisoformat("2026-04-22T10:00:00-03:00"))


@pytest.mark.parametrize(
    ("schedule", "path", "message"),
    [
        ("{calendar: nowhere}", "agents[0].schedule.calendar", "unknown calendar 'nowhere'"),
        (
            "{calendar: br-sp, hours: {mon: ['09:00-10:00']}}",
            "agents[0].schedule.hours",
            "either a calendar or hours",
        ),
        (
            "{timezone: UTC, hours: {mon: ['18:00-08:00']}}",
            "agents[0].schedule.hours.mon[0]",
            "ends before it starts",
        ),
        ("[weekdays]", "agents[0].schedule", "valid dictionary"),
    ],
)
def test_a_bad_schedule_is_refused_with_its_path(
    configured: Engine, schedule: str, path: str, message: str
) -> None:
    text = (
        "agents:\n  - {key: ana, name: Ana, areas: [backoffice], tiers: [backoffice_l1],"
        f" schedule: {schedule}}}\n"
    )
    with pytest.raises(InvalidConfig) as refused:
        apply(configured, text)
    assert any(p.path == path and message in p.message for p in refused.value.problems), (
        refused.value.problems
    )
