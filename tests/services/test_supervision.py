"""What the supervisor dashboard reads and does beyond the reports, on every test
database: the catalog's choices, agents now, items by id, OLA outcomes per area
(services.supervision) and moves of items picked by id (services.moves.move_items)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from retaguarda.domain.errors import Forbidden, InvalidInput, NotFound
from retaguarda.domain.item.model import Action, Status, WorkItem
from retaguarda.domain.item.moves import ALREADY_ASSIGNED, MoveTarget
from retaguarda.domain.routing.eligibility import Presence
from retaguarda.services import agent, config, supervision
from retaguarda.services import item as item_service
from retaguarda.services import moves as moves_service
from retaguarda.services.moves import MoveResult
from retaguarda.services.uow import unit_of_work
from tests.builders import ADMIN, ANA, DATA, NOW, SOFIA, seed
from tests.services.helpers import history, new_item, stored

LATER = NOW + timedelta(minutes=10)


@pytest.fixture(autouse=True)
def _seeded(engine: Engine) -> None:
    seed(engine)


def act(engine: Engine, item_id: int, action: Action, **fields: Any) -> WorkItem:
    with unit_of_work(engine) as conn:
        return item_service.act(
            conn, item_id, action=action, principal=ADMIN, now=NOW, at=NOW, **fields
        )


def move_items(engine: Engine, ids: list[int], to: MoveTarget, by: Any = SOFIA) -> MoveResult:
    with unit_of_work(engine) as conn:
        return moves_service.move_items(conn, item_ids=ids, to=to, principal=by, now=LATER)


class TestChoices:
    def test_a_supervisor_picks_among_her_areas_and_agents(self, engine: Engine) -> None:
        with unit_of_work(engine) as conn:
            mine = supervision.choices(conn, principal=SOFIA)
            every = supervision.choices(conn, principal=ADMIN)

        assert list(mine.areas) == ["backoffice"]
        assert [a.key for a in mine.agents] == ["ana", "bruno"]
        assert set(every.areas) == {"backoffice", "finance", "logistics", "ombudsman"}
        assert [a.key for a in every.agents] == ["ana", "bruno", "carla"]
        assert mine.tiers[0] == "first_level"
        assert mine.case_types["refund_request"] == "Refund request"


class TestAgentsNow:
    def test_presence_and_the_items_each_holds(self, engine: Engine) -> None:
        held = new_item(engine, "INV-1")
        working = new_item(engine, "INV-2")
        act(engine, held, Action.ASSIGN, assignee="ana")
        act(engine, working, Action.ASSIGN, assignee="ana")
        act(engine, working, Action.START)
        with unit_of_work(engine) as conn:
            agent.set_presence(conn, "ana", Presence.BUSY, principal=ADMIN, now=NOW)
            board = supervision.agents_now(conn, principal=SOFIA)
            everyone = supervision.agents_now(conn, principal=ADMIN)

        assert [(a.agent.key, a.presence, a.assigned, a.in_progress) for a in board] == [
            ("ana", Presence.BUSY, 1, 1),
            ("bruno", Presence.OFFLINE, 0, 0),
        ]
        assert board[0].since == NOW
        assert board[1].since is None
        assert [a.agent.key for a in everyone] == ["ana", "bruno", "carla"]

    def test_a_specialist_sees_only_herself(self, engine: Engine) -> None:
        with unit_of_work(engine) as conn:
            board = supervision.agents_now(conn, principal=ANA)

        assert [a.agent.key for a in board] == ["ana"]


class TestItems:
    def test_only_the_items_the_caller_may_see(self, engine: Engine) -> None:
        mine = new_item(engine, "INV-1")
        theirs = new_item(engine, "REF-1", case_type="refund_request")

        with unit_of_work(engine) as conn:
            seen = supervision.items(conn, [mine, theirs, mine, 999_999], principal=SOFIA)

        assert list(seen) == [mine]
        assert seen[mine].status is Status.NEW


class TestOlaOutcomes:
    def test_waits_on_an_area_ended_in_the_window(self, engine: Engine) -> None:
        with unit_of_work(engine) as conn:
            config.apply(conn, (DATA / "sla-config.yaml").read_text(), source="sla", now=NOW)
        item_id = new_item(engine, "INV-1")
        act(engine, item_id, Action.ASSIGN, assignee="ana")
        act(engine, item_id, Action.START)
        act(engine, item_id, Action.PEND_AREA, area="finance")
        act(engine, item_id, Action.RESUME)

        with unit_of_work(engine) as conn:
            window = {"start": NOW - timedelta(hours=1), "end": NOW + timedelta(hours=1)}
            every = supervision.ola_outcomes(conn, principal=ADMIN, now=LATER, **window)
            mine = supervision.ola_outcomes(conn, principal=SOFIA, now=LATER, **window)
            before = supervision.ola_outcomes(
                conn,
                principal=ADMIN,
                start=NOW - timedelta(days=1),
                end=NOW - timedelta(hours=1),
                now=LATER,
            )

        assert every == {"finance": (1, 1)}
        assert mine == {}  # finance is not one of sofia's areas
        assert before == {}

    def test_an_empty_window_is_refused(self, engine: Engine) -> None:
        with unit_of_work(engine) as conn, pytest.raises(InvalidInput):
            supervision.ola_outcomes(conn, principal=ADMIN, start=NOW, end=NOW, now=LATER)


class TestMoveItems:
    def test_moves_the_picked_items_and_skips_as_a_move_does(self, engine: Engine) -> None:
        first, second, other = (new_item(engine, f"INV-{n}") for n in range(3))
        act(engine, second, Action.ASSIGN, assignee="bruno")

        result = move_items(engine, [first, second, first], MoveTarget(assignee="bruno"))

        assert (result.matched, result.moved, result.item_ids) == (2, 1, [first])
        assert result.skipped == {ALREADY_ASSIGNED: 1}
        assert stored(engine, first).assignee == "bruno"
        assert history(engine, first)[-1].actor == "sofia"
        assert stored(engine, other).assignee is None

    def test_to_the_queue_and_to_another_area(self, engine: Engine) -> None:
        first, second = new_item(engine, "INV-1"), new_item(engine, "INV-2")
        act(engine, first, Action.ASSIGN, assignee="ana")

        move_items(engine, [first], MoveTarget(queue=True))
        move_items(engine, [second], MoveTarget(area="finance"), by=ADMIN)

        assert (stored(engine, first).status, stored(engine, first).assignee) == (
            Status.QUEUED,
            None,
        )
        assert stored(engine, second).area == "finance"

    def test_an_item_out_of_sight_moves_nothing(self, engine: Engine) -> None:
        mine = new_item(engine, "INV-1")
        theirs = new_item(engine, "REF-1", case_type="refund_request")

        with pytest.raises(NotFound):
            move_items(engine, [mine, theirs], MoveTarget(assignee="ana"))

        assert stored(engine, mine).assignee is None

    @pytest.mark.parametrize(
        ("ids", "to", "by", "error"),
        [
            ([], MoveTarget(queue=True), SOFIA, InvalidInput),
            (list(range(1, 502)), MoveTarget(queue=True), SOFIA, InvalidInput),
            ([1], MoveTarget(area="finance"), SOFIA, Forbidden),
            ([1], MoveTarget(assignee="nobody"), SOFIA, InvalidInput),
            ([1], MoveTarget(queue=True), ANA, Forbidden),
        ],
    )
    def test_refused(
        self, engine: Engine, ids: list[int], to: MoveTarget, by: Any, error: type[Exception]
    ) -> None:
        new_item(engine, "INV-1")

        with pytest.raises(error):
            move_items(engine, ids, to, by=by)
