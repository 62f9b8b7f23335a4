"""Resolution outcomes and customer satisfaction answers through the services, on every
test database: the row, the log, the routing queue and the SLA clocks."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from retaguarda.domain.access import Principal
from retaguarda.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from retaguarda.domain.item import replay
from retaguarda.domain.item.model import Action, Outcome, Status, WorkItem
from retaguarda.services import config, sla, sla_store
from retaguarda.services import item as item_service
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.records import SlaClockRecord
from tests.builders import (
    ADMIN,
    ANA,
    BRUNO,
    CARLA,
    CONCURRENT_BACKENDS,
    CRM,
    SOFIA,
    in_parallel,
    seed,
)
from tests.services.helpers import EVENTS, count, history, new_item, stored

BRT = timezone(timedelta(hours=-3))
DATA = Path(__file__).parents[1] / "data"
CLOCKS = SlaClockRecord.__table__


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 4, day, hour, minute, tzinfo=BRT)


RECEIVED = at(6, 9)  # Monday 6 April, 09:00 in São Paulo


@pytest.fixture(autouse=True)
def _configured(engine: Engine) -> None:
    seed(engine)
    with unit_of_work(engine) as conn:
        config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=at(1, 12))


def act(engine: Engine, item_id: int, action: Action, when: datetime, **fields: Any) -> WorkItem:
    with unit_of_work(engine) as conn:
        return item_service.act(
            conn, item_id, action=action, principal=ADMIN, now=when, at=when, **fields
        )


def answer(
    engine: Engine,
    item_id: int,
    score: int,
    *,
    by: Principal = CRM,
    now: datetime = at(10, 12),
    when: datetime | None = None,
    comment: str | None = None,
) -> WorkItem:
    with unit_of_work(engine) as conn:
        return item_service.record_csat(
            conn, item_id, score=score, comment=comment, principal=by, now=now, at=when
        )


def resolved(engine: Engine, ref: str = "INV-1", **resolve: Any) -> int:
    """An item received Mon 6 April, worked by ana, resolved Wed 8 at 10:00."""
    item_id = new_item(engine, ref, created_at=RECEIVED, now=RECEIVED)
    act(engine, item_id, Action.QUEUE, at(6, 10))
    act(engine, item_id, Action.ASSIGN, at(6, 10), assignee="ana")
    act(engine, item_id, Action.START, at(6, 11))
    act(engine, item_id, Action.RESOLVE, at(8, 10), **resolve)
    return item_id


def assert_log_folds_into_the_row(engine: Engine, item_id: int) -> None:
    log = [e for e in history(engine, item_id) if not e.type.startswith("sla_")]
    assert replay.fold(item_id, log) == stored(engine, item_id)


class TestOutcome:
    def test_resolve_stores_the_outcome_and_reopen_clears_it(self, engine: Engine) -> None:
        item_id = resolved(engine, outcome=Outcome.FAILED)

        row = stored(engine, item_id)
        assert (row.status, row.outcome) == (Status.RESOLVED, Outcome.FAILED)
        assert history(engine, item_id)[-1].data["changes"] == {"outcome": "failed"}
        assert_log_folds_into_the_row(engine, item_id)

        act(engine, item_id, Action.REOPEN, at(8, 12))

        row = stored(engine, item_id)
        assert (row.status, row.outcome) == (Status.QUEUED, None)
        assert history(engine, item_id)[-1].data["changes"] == {"assignee": None, "outcome": None}
        assert_log_folds_into_the_row(engine, item_id)

    def test_solved_unless_told_and_kept_when_closed(self, engine: Engine) -> None:
        item_id = resolved(engine)
        act(engine, item_id, Action.CLOSE, at(9, 10))

        assert stored(engine, item_id).outcome is Outcome.SOLVED
        assert_log_folds_into_the_row(engine, item_id)

    def test_an_outcome_on_another_action_writes_nothing(self, engine: Engine) -> None:
        item_id = new_item(engine, created_at=RECEIVED, now=RECEIVED)

        with pytest.raises(InvalidInput) as caught:
            act(engine, item_id, Action.QUEUE, at(6, 10), outcome=Outcome.SOLVED)

        assert caught.value.field == "outcome"
        assert stored(engine, item_id).version == 1
        assert count(engine, EVENTS) == 1


class TestSatisfaction:
    def test_an_answer_is_an_event_and_the_item_keeps_the_last_score(self, engine: Engine) -> None:
        item_id = resolved(engine, outcome=Outcome.UNFOUNDED)
        before = stored(engine, item_id)

        first = answer(engine, item_id, 2, when=at(8, 15), comment="slow")
        second = answer(engine, item_id, 4, when=at(9, 9))

        row = stored(engine, item_id)
        assert first.csat == 2
        assert row == second
        assert (row.csat, row.version, row.updated_at) == (4, before.version + 2, at(9, 9))
        # Nothing else of the item moved: status, assignee, outcome as they were.
        assert (row.status, row.assignee, row.outcome) == (
            Status.RESOLVED,
            "ana",
            Outcome.UNFOUNDED,
        )
        answers = [(e.type, e.at, e.actor, dict(e.data)) for e in history(engine, item_id)[-2:]]
        assert answers == [
            ("csat_recorded", at(8, 15), "crm", {"score": 2, "comment": "slow"}),
            ("csat_recorded", at(9, 9), "crm", {"score": 4, "comment": None}),
        ]
        assert_log_folds_into_the_row(engine, item_id)

    def test_answers_about_closed_items_are_accepted(self, engine: Engine) -> None:
        item_id = resolved(engine)
        act(engine, item_id, Action.CLOSE, at(9, 10))

        assert answer(engine, item_id, 5).csat == 5
        assert stored(engine, item_id).status is Status.CLOSED

    @pytest.mark.parametrize("steps", [0, 1, 3], ids=["new", "queued", "in_progress"])
    def test_an_open_item_is_refused_naming_its_status(self, engine: Engine, steps: int) -> None:
        item_id = new_item(engine, created_at=RECEIVED, now=RECEIVED)
        lifecycle = [(Action.QUEUE, {}), (Action.ASSIGN, {"assignee": "ana"}), (Action.START, {})]
        for action, fields in lifecycle[:steps]:
            act(engine, item_id, action, at(6, 10), **fields)
        status = stored(engine, item_id).status

        with pytest.raises(Conflict) as caught:
            answer(engine, item_id, 5)

        assert caught.value.field == "status"
        assert repr(status.value) in caught.value.message
        assert len(history(engine, item_id)) == 1 + steps

    def test_a_reopened_item_takes_no_answer_until_resolved_again(self, engine: Engine) -> None:
        item_id = resolved(engine)
        answer(engine, item_id, 1, when=at(8, 11))
        act(engine, item_id, Action.REOPEN, at(8, 12))

        with pytest.raises(Conflict):
            answer(engine, item_id, 5)
        assert stored(engine, item_id).csat == 1  # the last answer stays

    def test_who_may_answer(self, engine: Engine) -> None:
        item_id = resolved(engine)  # back office, assigned to ana
        for who in (ADMIN, CRM, SOFIA, ANA):
            answer(engine, item_id, 3, by=who)
        with pytest.raises(Forbidden):
            answer(engine, item_id, 3, by=BRUNO)  # not his item
        with pytest.raises(NotFound):
            answer(engine, item_id, 3, by=CARLA)  # finance: the item is invisible to her
        with pytest.raises(NotFound):
            answer(engine, 424242, 3)

    def test_backdating_is_for_admins_and_integrations_and_never_before_the_last_event(
        self, engine: Engine
    ) -> None:
        item_id = resolved(engine)

        with pytest.raises(Forbidden) as by_supervisor:
            answer(engine, item_id, 3, by=SOFIA, when=at(9, 9))
        with pytest.raises(InvalidInput) as too_early:
            answer(engine, item_id, 3, when=at(8, 9))
        with pytest.raises(InvalidInput) as in_the_future:
            answer(engine, item_id, 3, when=at(10, 13))

        assert (by_supervisor.value.field, too_early.value.field) == ("at", "at")
        assert in_the_future.value.field == "at"
        assert stored(engine, item_id).csat is None

    def test_an_answer_does_not_touch_the_routing_queue(self, engine: Engine) -> None:
        item_id = resolved(engine)
        seen: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", record)
        try:
            answer(engine, item_id, 4)
        finally:
            event.remove(engine, "before_cursor_execute", record)

        assert any("item_events" in s for s in seen)  # the listener saw the write
        assert not [s for s in seen if "routing_queue" in s]

    def test_the_sla_clocks_stay_as_they_were(self, engine: Engine) -> None:
        item_id = resolved(engine)
        now = at(10, 12)

        def clocks() -> tuple[Any, list[tuple[Any, ...]]]:
            with unit_of_work(engine) as conn:
                derived = sla.clocks(conn, item_id, principal=ADMIN, at=now)
                sla_store.refresh_all(conn, now=now)
                kept = conn.execute(
                    select(CLOCKS.c.metric, CLOCKS.c.due_at, CLOCKS.c.stopped_at, CLOCKS.c.state)
                    .where(CLOCKS.c.item_id == item_id)
                    .order_by(CLOCKS.c.metric)
                ).all()
            return derived, [tuple(r) for r in kept]

        before = clocks()
        answer(engine, item_id, 1, when=at(10, 11))
        after = clocks()

        assert after == before
        assert {c.metric for c in before[0].clocks} >= {"resolution"}
        assert before[1]  # the stored copy was compared, not two empty lists

    @pytest.mark.parametrize("backend", CONCURRENT_BACKENDS)
    def test_concurrent_answers_never_lose_the_log_and_row_agreement(self, engine: Engine) -> None:
        item_id = resolved(engine)
        outcomes: list[str] = []

        def one(score: int) -> None:
            try:
                answer(engine, item_id, score)
                outcomes.append("saved")
            except Conflict:
                outcomes.append("conflict")

        in_parallel(*[lambda s=s: one(s) for s in range(1, 6)])

        answers = [e for e in history(engine, item_id) if e.type == "csat_recorded"]
        assert len(answers) == outcomes.count("saved") >= 1
        assert stored(engine, item_id).csat == answers[-1].data["score"]
        assert_log_folds_into_the_row(engine, item_id)
