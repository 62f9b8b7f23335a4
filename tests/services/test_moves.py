"""Supervisor moves on every test database: single assign/reassign and transfer through
services.item, bulk moves by filter and returning an agent's items (services.moves)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from retaguarda.domain.access import Principal
from retaguarda.domain.catalog import Role
from retaguarda.domain.errors import Forbidden, InvalidInput, NotFound
from retaguarda.domain.item import replay
from retaguarda.domain.item.model import Action, Status, WorkItem
from retaguarda.domain.item.moves import MoveTarget
from retaguarda.services import config
from retaguarda.services import item as item_service
from retaguarda.services import moves as moves_service
from retaguarda.services.moves import MoveResult
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.records import RoutingQueueRecord
from retaguarda.storage.repos.item import ItemFilter
from tests.builders import ADMIN, ANA, CONCURRENT_BACKENDS, NOW, SOFIA, seed
from tests.services.helpers import EVENTS, count, history, new_item, stored

MINUTE = timedelta(minutes=1)
ROUTING_QUEUE = RoutingQueueRecord.__table__
LATER = NOW + 10 * MINUTE  # when the moves happen: after every set-up step
# A supervisor of both back office and finance (the configuration's sofia has only back office).
MARTA = Principal("marta", Role.SUPERVISOR, areas=("backoffice", "finance"))


@pytest.fixture(autouse=True)
def _seeded(engine: Engine) -> None:
    seed(engine)


def act(
    engine: Engine, item_id: int, action: str, *, by: Principal = ADMIN, **fields: Any
) -> WorkItem:
    with unit_of_work(engine) as conn:
        return item_service.act(
            conn, item_id, action=Action(action), principal=by, now=NOW, **fields
        )


def move(
    engine: Engine,
    *,
    to: MoveTarget,
    by: Principal = SOFIA,
    now: datetime = LATER,
    **fields: Any,
) -> MoveResult:
    """One bulk move in its own unit of work; `fields` are the filter's, plus options."""
    options = {k: fields.pop(k) for k in ("note", "dry_run", "limit") if k in fields}
    with unit_of_work(engine) as conn:
        return moves_service.move(
            conn, flt=ItemFilter(**fields), to=to, principal=by, now=now, **options
        )


def item_in(engine: Engine, ref: str, status: Status, **fields: Any) -> int:
    """An item brought to `status` (ana works it from assigned on)."""
    item_id = new_item(engine, ref, **fields)
    steps = {
        Status.NEW: [],
        Status.QUEUED: [("queue", {})],
        Status.ASSIGNED: [("assign", {"assignee": "ana"})],
        Status.IN_PROGRESS: [("assign", {"assignee": "ana"}), ("start", {})],
        Status.PENDING_CUSTOMER: [
            ("assign", {"assignee": "ana"}),
            ("start", {}),
            ("pend_customer", {}),
        ],
        Status.RESOLVED: [("assign", {"assignee": "ana"}), ("start", {}), ("resolve", {})],
    }[status]
    for action, extra in steps:
        act(engine, item_id, action, **extra)
    assert stored(engine, item_id).status is status
    return item_id


@pytest.fixture
def office(engine: Engine) -> dict[str, int]:
    """Back-office invoice disputes in six statuses and a queued finance refund."""
    ids = {
        status.value: item_in(engine, f"INV-{status.value}", status)
        for status in (
            Status.NEW,
            Status.QUEUED,
            Status.ASSIGNED,
            Status.IN_PROGRESS,
            Status.PENDING_CUSTOMER,
            Status.RESOLVED,
        )
    }
    ids["finance"] = item_in(engine, "REF-1", Status.QUEUED, case_type="refund_request")
    return ids


def last_event(engine: Engine, item_id: int) -> Any:
    return history(engine, item_id)[-1]


class TestAssign:
    """Assign and reassign to a named agent: the single action, through services.item."""

    def test_reassigning_an_item_someone_else_works_hands_it_over(self, engine: Engine) -> None:
        item_id = item_in(engine, "INV-1", Status.IN_PROGRESS)  # ana is working on it

        after = act(engine, item_id, "assign", by=SOFIA, assignee="bruno", note="ana is out")

        assert (after.status, after.assignee) == (Status.ASSIGNED, "bruno")
        last = last_event(engine, item_id)
        assert (last.type, last.actor) == ("assigned", "sofia")
        assert last.data == {
            "action": "assign",
            "from": "in_progress",
            "to": "assigned",
            "changes": {"assignee": "bruno"},
            "note": "ana is out",
        }

    def test_an_assignee_outside_the_items_area_is_refused_naming_the_field(
        self, engine: Engine
    ) -> None:
        item_id = item_in(engine, "INV-1", Status.QUEUED)  # back office; carla works finance

        with pytest.raises(InvalidInput) as caught:
            act(engine, item_id, "assign", by=ADMIN, assignee="carla")

        assert caught.value.field == "assignee"
        assert caught.value.message == (
            "agent 'carla' does not work in area 'backoffice' (works in: finance)"
        )
        row = stored(engine, item_id)
        assert (row.status, row.assignee, row.version) == (Status.QUEUED, None, 2)

    def test_an_agent_of_the_items_area_may_be_assigned(self, engine: Engine) -> None:
        item_id = item_in(engine, "REF-1", Status.QUEUED, case_type="refund_request")

        after = act(engine, item_id, "assign", by=ADMIN, assignee="carla")

        assert (after.area, after.assignee) == ("finance", "carla")


class TestTransfer:
    def test_moves_an_item_in_progress_to_the_other_areas_queue(self, engine: Engine) -> None:
        item_id = item_in(engine, "INV-1", Status.IN_PROGRESS)

        after = act(engine, item_id, "transfer", by=MARTA, area="finance", note="a refund")

        assert (after.status, after.area, after.assignee) == (Status.QUEUED, "finance", None)
        assert (after.tier, after.journey) == ("backoffice_l1", ("backoffice_l1",))
        last = last_event(engine, item_id)
        assert (last.type, last.actor, last.data["note"]) == ("transferred", "marta", "a refund")
        assert last.data["changes"] == {"area": "finance", "assignee": None}
        assert replay.fold(item_id, history(engine, item_id)) == stored(engine, item_id)

    def test_a_supervisor_needs_the_target_area_too(self, engine: Engine) -> None:
        item_id = item_in(engine, "INV-1", Status.QUEUED)

        with pytest.raises(Forbidden) as caught:
            act(engine, item_id, "transfer", by=SOFIA, area="finance")

        assert caught.value.field == "area"
        assert caught.value.message == "user 'sofia' may not act on area 'finance'"
        assert stored(engine, item_id).area == "backoffice"
        assert count(engine, EVENTS, item_id=item_id) == 2

    def test_a_specialist_may_not_transfer_even_their_own_item(self, engine: Engine) -> None:
        item_id = item_in(engine, "INV-1", Status.IN_PROGRESS)

        with pytest.raises(Forbidden, match="action 'transfer' needs a supervisor"):
            act(engine, item_id, "transfer", by=ANA, area="logistics")

    def test_a_supervisor_of_the_target_area_only_does_not_see_the_item(
        self, engine: Engine
    ) -> None:
        item_id = item_in(engine, "INV-1", Status.QUEUED)
        finance_only = Principal("fabio", Role.SUPERVISOR, areas=("finance",))

        with pytest.raises(NotFound):
            act(engine, item_id, "transfer", by=finance_only, area="finance")

    def test_an_unknown_area_is_invalid_input(self, engine: Engine) -> None:
        item_id = item_in(engine, "INV-1", Status.QUEUED)

        with pytest.raises(InvalidInput) as caught:
            act(engine, item_id, "transfer", area="marketing")

        assert (caught.value.field, caught.value.message) == ("area", "unknown area 'marketing'")


class TestMoveDryRun:
    def test_counts_and_predicts_and_changes_nothing(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        events_before = count(engine, EVENTS)
        rows_before = {ref: stored(engine, item_id) for ref, item_id in office.items()}

        result = move(engine, to=MoveTarget(assignee="bruno"), area=["backoffice"], dry_run=True)

        # open back-office items: new, queued, assigned, in_progress, pending_customer
        assert (result.matched, result.moved, result.dry_run) == (5, 0, True)
        assert result.skipped == {"pending_customer": 1}
        assert result.item_ids == [office[s] for s in ("new", "queued", "assigned", "in_progress")]
        assert count(engine, EVENTS) == events_before
        assert {ref: stored(engine, i) for ref, i in office.items()} == rows_before


class TestMoveToAgent:
    def test_assigns_each_matching_item_with_one_event_each(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        result = move(
            engine, to=MoveTarget(assignee="bruno"), area=["backoffice"], note="ana is on leave"
        )

        moved = [office[s] for s in ("new", "queued", "assigned", "in_progress")]
        assert (result.matched, result.moved, result.dry_run) == (5, 4, False)
        assert result.skipped == {"pending_customer": 1}
        assert result.item_ids == moved
        for item_id in moved:
            row = stored(engine, item_id)
            assert (row.status, row.assignee) == (Status.ASSIGNED, "bruno")
            last = last_event(engine, item_id)
            assert (last.type, last.actor, last.at) == ("assigned", "sofia", LATER)
            assert last.data["note"] == "ana is on leave"
            assert last.data["changes"] == {"assignee": "bruno"}
            assert replay.fold(item_id, history(engine, item_id)) == row
        waiting = stored(engine, office["pending_customer"])
        assert (waiting.assignee, waiting.version) == ("ana", 4)  # untouched

    def test_items_the_agent_has_already_are_skipped_not_restarted(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        result = move(engine, to=MoveTarget(assignee="ana"), area=["backoffice"])

        assert (result.matched, result.moved) == (5, 2)  # new and queued
        assert result.skipped == {"already_assigned": 2, "pending_customer": 1}
        assert stored(engine, office["in_progress"]).status is Status.IN_PROGRESS

    def test_items_outside_the_agents_areas_are_skipped(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        result = move(engine, to=MoveTarget(assignee="carla"), by=ADMIN, status=["queued"])

        assert (result.matched, result.moved) == (2, 1)
        assert result.skipped == {"assignee_not_in_area": 1}
        assert result.item_ids == [office["finance"]]
        assert stored(engine, office["queued"]).assignee is None

    @pytest.mark.usefixtures("office")
    def test_closed_statuses_match_only_when_asked_and_are_skipped(self, engine: Engine) -> None:
        result = move(
            engine,
            to=MoveTarget(assignee="bruno"),
            status=["resolved", "queued"],
            tier=["backoffice_l1"],
        )

        assert (result.matched, result.moved) == (2, 1)
        assert result.skipped == {"resolved": 1}


class TestMoveToQueue:
    def test_returns_an_agents_items_by_the_assignee_filter(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        result = move(engine, to=MoveTarget(queue=True), assignee="ana", note="went home")

        # ana has assigned, in_progress, pending_customer (resolved is not open)
        assert (result.matched, result.moved) == (3, 2)
        assert result.skipped == {"pending_customer": 1}
        for status in ("assigned", "in_progress"):
            row = stored(engine, office[status])
            assert (row.status, row.assignee) == (Status.QUEUED, None)
            last = last_event(engine, office[status])
            assert (last.type, last.actor, last.data["note"]) == (
                "unassigned",
                "sofia",
                "went home",
            )

    @pytest.mark.usefixtures("office")
    def test_items_already_waiting_are_skipped_by_their_status(self, engine: Engine) -> None:
        result = move(engine, to=MoveTarget(queue=True), case_type=["invoice_dispute"])

        assert result.moved == 2
        assert result.skipped == {"new": 1, "queued": 1, "pending_customer": 1}


class TestMoveToArea:
    @pytest.mark.usefixtures("office")
    def test_transfers_with_the_tier_kept(self, engine: Engine) -> None:
        result = move(engine, to=MoveTarget(area="finance"), by=MARTA, area=["backoffice"])

        assert (result.matched, result.moved) == (5, 4)
        assert result.skipped == {"pending_customer": 1}
        for item_id in result.item_ids:
            row = stored(engine, item_id)
            assert (row.status, row.area, row.assignee, row.tier) == (
                Status.QUEUED,
                "finance",
                None,
                "backoffice_l1",
            )
            assert (last_event(engine, item_id).type, last_event(engine, item_id).actor) == (
                "transferred",
                "marta",
            )

    @pytest.mark.usefixtures("office")
    def test_items_in_the_target_area_already_are_skipped(self, engine: Engine) -> None:
        result = move(engine, to=MoveTarget(area="finance"), by=ADMIN, status=["queued"])

        assert (result.matched, result.moved) == (2, 1)
        assert result.skipped == {"already_in_area": 1}

    def test_the_target_area_must_be_the_callers(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        with pytest.raises(Forbidden) as caught:
            move(engine, to=MoveTarget(area="finance"), area=["backoffice"])

        assert caught.value.field == "to.area"
        assert stored(engine, office["queued"]).area == "backoffice"


class TestMoveScope:
    @pytest.mark.usefixtures("office")
    def test_only_items_the_caller_sees_are_matched(self, engine: Engine) -> None:
        # sofia supervises back office; the refund requests are finance's
        result = move(engine, to=MoveTarget(queue=True), case_type=["refund_request"])

        assert (result.matched, result.moved, result.skipped) == (0, 0, {})

    @pytest.mark.usefixtures("office")
    def test_an_area_outside_the_callers_is_forbidden_naming_the_filter(
        self, engine: Engine
    ) -> None:
        with pytest.raises(Forbidden) as caught:
            move(engine, to=MoveTarget(queue=True), area=["finance"])

        assert caught.value.field == "filter.area"

    @pytest.mark.usefixtures("office")
    def test_specialists_may_not_move_items(self, engine: Engine) -> None:
        with pytest.raises(Forbidden, match="moving items needs role supervisor or admin"):
            move(engine, to=MoveTarget(assignee="ana"), by=ANA, area=["backoffice"])


QUEUE = MoveTarget(queue=True)
BACKOFFICE = {"area": ["backoffice"]}


class TestMoveInput:
    @pytest.mark.usefixtures("office")
    def test_an_empty_filter_is_refused(self, engine: Engine) -> None:
        with pytest.raises(InvalidInput) as caught:
            move(engine, to=MoveTarget(queue=True), by=ADMIN)

        assert caught.value.field == "filter"
        assert "nothing is moved by accident" in caught.value.message

    @pytest.mark.parametrize(
        ("fields", "to", "field", "message"),
        [
            ({"area": ["marketing"]}, QUEUE, "filter.area", "unknown area 'marketing'"),
            ({"tier": ["l9"]}, QUEUE, "filter.tier", "unknown tier 'l9'"),
            ({"case_type": ["x"]}, QUEUE, "filter.case_type", "unknown case type 'x'"),
            ({"assignee": "zeca"}, QUEUE, "filter.assignee", "unknown agent 'zeca'"),
            (BACKOFFICE, MoveTarget(area="mars"), "to.area", "unknown area 'mars'"),
            (BACKOFFICE, MoveTarget(assignee="zeca"), "to.assignee", "unknown agent 'zeca'"),
        ],
        ids=[
            "filter.area",
            "filter.tier",
            "filter.case_type",
            "filter.assignee",
            "to.area",
            "to.assignee",
        ],
    )
    def test_unknown_references_name_the_field(
        self, engine: Engine, fields: dict[str, Any], to: MoveTarget, field: str, message: str
    ) -> None:
        events_before = count(engine, EVENTS)

        with pytest.raises(InvalidInput) as caught:
            move(engine, to=to, by=ADMIN, **fields)

        assert (caught.value.field, caught.value.message) == (field, message)
        assert count(engine, EVENTS) == events_before

    @pytest.mark.usefixtures("office")
    def test_more_items_than_the_cap_are_refused_whole(self, engine: Engine) -> None:
        events_before = count(engine, EVENTS)

        with pytest.raises(InvalidInput) as caught:
            move(engine, to=MoveTarget(assignee="bruno"), area=["backoffice"], limit=4)

        assert caught.value.field == "filter"
        assert caught.value.message == (
            "matches more than 4 items; at most 4 are moved per request: narrow the filter"
        )
        assert count(engine, EVENTS) == events_before

    @pytest.mark.usefixtures("office")
    def test_exactly_the_cap_is_moved(self, engine: Engine) -> None:
        result = move(engine, to=MoveTarget(assignee="bruno"), area=["backoffice"], limit=5)

        assert (result.matched, result.moved) == (5, 4)


class TestMoveConcurrency:
    def test_an_item_changed_after_the_moves_clock_is_skipped(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        # The move's `now` is before the last event of the item acted on at NOW + 5 min.
        with unit_of_work(engine) as conn:
            item_service.act(
                conn, office["queued"], action=Action.ASSIGN, principal=ADMIN,
                now=NOW + 5 * MINUTE, assignee="ana",
            )  # fmt: skip

        result = move(
            engine, to=MoveTarget(assignee="bruno"), status=["new", "assigned"], now=NOW + MINUTE
        )

        assert result.skipped == {"changed_concurrently": 1}
        assert result.moved == 2  # new, and the earlier assigned one
        assert stored(engine, office["queued"]).assignee == "ana"

    # PostgreSQL only: SQLite's BEGIN IMMEDIATE lets nobody commit between our read and write.
    @pytest.mark.parametrize("backend", CONCURRENT_BACKENDS)
    def test_an_item_changed_between_read_and_write_is_skipped(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        interleaved: list[WorkItem] = []

        def someone_else_acts_first(
            _conn: Connection, _cursor: Any, statement: str, *_args: Any
        ) -> None:
            # Just before our first write, while we hold no lock yet: another
            # connection transfers the queued item (the second one we move) and commits.
            if not statement.lstrip().upper().startswith("SELECT") and not interleaved:
                interleaved.append(act(engine, office["queued"], "transfer", area="logistics"))

        with unit_of_work(engine) as conn:
            event.listen(conn, "before_cursor_execute", someone_else_acts_first)
            result = moves_service.move(
                conn,
                flt=ItemFilter(area=["backoffice"]),
                to=MoveTarget(assignee="bruno"),
                principal=SOFIA,
                now=LATER,
            )

        assert len(interleaved) == 1
        assert result.skipped == {"changed_concurrently": 1, "pending_customer": 1}
        assert result.item_ids == [office[s] for s in ("new", "assigned", "in_progress")]
        for item_id in result.item_ids:  # the one before it too, though saved with it at first
            assert stored(engine, item_id).assignee == "bruno"
            assert last_event(engine, item_id).type == "assigned"
        row = stored(engine, office["queued"])
        assert (row.status, row.area, row.assignee) == (Status.QUEUED, "logistics", None)
        assert [e.type for e in history(engine, office["queued"])] == [
            "created",
            "queued",
            "transferred",
        ]
        # The skipped item's writes were undone: it waits in the routing queue as the
        # other connection left it; the items now bruno's do not.
        assert count(engine, ROUTING_QUEUE, item_id=office["queued"], area="logistics") == 1
        assert count(engine, ROUTING_QUEUE, item_id=office["new"]) == 0


class TestReturnItems:
    def test_returns_the_agents_assigned_items_only_by_default(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        with unit_of_work(engine) as conn:
            result = moves_service.return_items(
                conn, "ana", principal=SOFIA, now=LATER, note="ana went offline"
            )

        assert (result.moved, result.item_ids, result.skipped) == (1, [office["assigned"]], {})
        row = stored(engine, office["assigned"])
        assert (row.status, row.assignee) == (Status.QUEUED, None)
        last = last_event(engine, office["assigned"])
        assert (last.type, last.actor, last.at) == ("unassigned", "sofia", LATER)
        assert last.data["note"] == "ana went offline"
        assert stored(engine, office["in_progress"]).assignee == "ana"

    def test_with_in_progress_returns_those_too(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        with unit_of_work(engine) as conn:
            result = moves_service.return_items(
                conn, "ana", principal=ADMIN, now=LATER, include_in_progress=True
            )

        assert result.item_ids == [office["assigned"], office["in_progress"]]
        assert stored(engine, office["in_progress"]).status is Status.QUEUED
        # waiting on the customer or resolved: left with ana
        assert stored(engine, office["pending_customer"]).assignee == "ana"
        assert stored(engine, office["resolved"]).assignee == "ana"

    def test_an_agent_with_nothing_returns_nothing(self, engine: Engine) -> None:
        with unit_of_work(engine) as conn:
            result = moves_service.return_items(conn, "bruno", principal=SOFIA, now=LATER)

        assert (result.moved, result.item_ids) == (0, [])

    def test_specialists_may_not_even_for_themselves(
        self, engine: Engine, office: dict[str, int]
    ) -> None:
        with unit_of_work(engine) as conn, pytest.raises(Forbidden):
            moves_service.return_items(conn, "ana", principal=ANA, now=LATER)

        assert stored(engine, office["assigned"]).assignee == "ana"

    def test_a_supervisor_only_for_agents_of_their_areas(self, engine: Engine) -> None:
        with unit_of_work(engine) as conn, pytest.raises(Forbidden) as caught:
            moves_service.return_items(conn, "carla", principal=SOFIA, now=LATER)

        assert caught.value.field == "agent"

    def test_an_unknown_agent_is_not_found(self, engine: Engine) -> None:
        with unit_of_work(engine) as conn, pytest.raises(NotFound) as caught:
            moves_service.return_items(conn, "zeca", principal=ADMIN, now=LATER)

        assert caught.value.field == "agent"

    def test_only_items_of_the_callers_areas_are_returned(self, engine: Engine) -> None:
        # dora works back office and finance and has an item of each; sofia
        # supervises back office only, so she returns the back-office one.
        with unit_of_work(engine) as conn:
            config.apply(conn, DORA, source="dora.yaml", now=NOW)
        ours = item_in(engine, "INV-1", Status.QUEUED)
        theirs = item_in(engine, "REF-1", Status.QUEUED, case_type="refund_request")
        for item_id in (ours, theirs):
            act(engine, item_id, "assign", assignee="dora")

        with unit_of_work(engine) as conn:
            result = moves_service.return_items(conn, "dora", principal=SOFIA, now=LATER)

        assert result.item_ids == [ours]
        assert stored(engine, theirs).assignee == "dora"


DORA = """
agents:
  - {key: dora, name: Dora Reis, areas: [backoffice, finance], tiers: [backoffice_l1], capacity: 5}
"""
