"""Planned absences through the services, on every test database: stored in UTC, read
back by overlap with a window exactly as the domain's rule says."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine

from retaguarda.domain.absence import Absence, overlaps
from retaguarda.domain.errors import Forbidden, InvalidInput, NotFound
from retaguarda.services import absence as absence_service
from retaguarda.services.uow import unit_of_work
from tests.builders import ADMIN, ANA, BRUNO, CRM, NOW, SOFIA, seed

BRT = timezone(timedelta(hours=-3))
DAY = timedelta(days=1)
MON = datetime(2026, 3, 9, 8, 0, tzinfo=BRT)


@pytest.fixture(autouse=True)
def _seeded(engine: Engine) -> None:
    seed(engine)


def add(engine: Engine, start: datetime, end: datetime, reason: str | None = None) -> Absence:
    with unit_of_work(engine) as conn:
        return absence_service.add(
            conn, "ana", start=start, end=end, reason=reason, principal=SOFIA, now=NOW
        )


def of_ana(
    engine: Engine, start: datetime | None = None, end: datetime | None = None
) -> list[Absence]:
    with unit_of_work(engine) as conn:
        return absence_service.of_agent(conn, "ana", principal=ANA, start=start, end=end)


class TestAbsences:
    def test_stored_in_utc_with_who_and_when(self, engine: Engine) -> None:
        stored = add(engine, MON, MON + 5 * DAY, reason="vacation")

        [read] = of_ana(engine)
        assert read == stored
        assert read.id is not None
        assert (read.start_at, read.end_at) == (
            datetime(2026, 3, 9, 11, 0, tzinfo=UTC),
            datetime(2026, 3, 14, 11, 0, tzinfo=UTC),
        )
        assert (read.agent, read.reason, read.planned) == ("ana", "vacation", True)
        assert (read.created_at, read.created_by) == (NOW, "sofia")

    def test_a_window_returns_the_absences_it_shares_an_instant_with(self, engine: Engine) -> None:
        stored = [
            add(engine, MON, MON + timedelta(hours=10), "training"),
            add(engine, MON + 2 * DAY, MON + 3 * DAY, "doctor"),
            add(engine, MON + DAY, MON + 9 * DAY, "vacation"),  # overlaps the others
        ]
        windows = [
            (None, None),
            (MON + timedelta(hours=10), None),  # from the training's end: not it
            (None, MON),  # up to the training's start: nothing
            (MON + timedelta(hours=9), MON + DAY + timedelta(seconds=1)),
            (MON + 2 * DAY + timedelta(hours=1), MON + 2 * DAY + timedelta(hours=2)),
            (MON + 9 * DAY, MON + 10 * DAY),
        ]
        for start, end in windows:
            expected = sorted(
                (a for a in stored if overlaps(a, start, end)), key=lambda a: (a.start_at, a.id)
            )
            assert of_ana(engine, start, end) == expected, (start, end)

    def test_removed_by_id_for_its_agent_only(self, engine: Engine) -> None:
        kept = add(engine, MON, MON + DAY)
        gone = add(engine, MON + DAY, MON + 2 * DAY)
        assert gone.id is not None

        with unit_of_work(engine) as conn, pytest.raises(NotFound) as other_agent:
            absence_service.remove(conn, "bruno", gone.id, principal=ADMIN)
        with unit_of_work(engine) as conn:
            absence_service.remove(conn, "ana", gone.id, principal=SOFIA)
        with unit_of_work(engine) as conn, pytest.raises(NotFound) as again:
            absence_service.remove(conn, "ana", gone.id, principal=SOFIA)

        assert (other_agent.value.field, again.value.field) == ("id", "id")
        assert of_ana(engine) == [kept]

    def test_roles_and_bad_input(self, engine: Engine) -> None:
        with unit_of_work(engine) as conn:
            with pytest.raises(NotFound):
                absence_service.of_agent(conn, "nobody", principal=ADMIN)
            for who in (ANA, CRM):
                with pytest.raises(Forbidden):
                    absence_service.add(
                        conn, "ana", start=MON, end=MON + DAY, reason=None, principal=who, now=NOW
                    )
            with pytest.raises(Forbidden):
                absence_service.of_agent(conn, "ana", principal=BRUNO)
            with pytest.raises(InvalidInput) as backwards:
                absence_service.add(
                    conn, "ana", start=MON, end=MON - DAY, reason=None, principal=ADMIN, now=NOW
                )
            with pytest.raises(InvalidInput) as window:
                absence_service.of_agent(conn, "ana", principal=ADMIN, start=MON, end=MON)
        assert (backwards.value.field, window.value.field) == ("end", "to")
        assert of_ana(engine) == []
