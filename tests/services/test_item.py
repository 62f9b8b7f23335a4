"""services.item on every test database: acting on items, reading and paging them, and
the rebuild check (the stored row equals the fold of the stored events)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, event

from retaguarda.domain.access import Principal
from retaguarda.domain.errors import Conflict, Forbidden, IllegalTransition, InvalidInput, NotFound
from retaguarda.domain.item import replay
from retaguarda.domain.item.lifecycle import TransitionCommand, allowed_actions, transition
from retaguarda.domain.item.model import Action, Customer, Status, WorkItem
from retaguarda.services import item as item_service
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.repos import item as item_repo
from retaguarda.storage.repos.item import ItemFilter
from tests.builders import ADMIN, ANA, BRUNO, CARLA, CONCURRENT_BACKENDS, CRM, NOW, SOFIA, seed
from tests.services.helpers import EVENTS, count, history, new_item, stored

MINUTE = timedelta(minutes=1)
# The tier ladder of the example configuration, lowest first.
LADDER = (
    "first_level",
    "backoffice_l1",
    "backoffice_l2",
    "backoffice_l3",
    "pre_ombudsman",
    "ombudsman",
)


@pytest.fixture(autouse=True)
def _seeded(engine: Engine) -> None:
    seed(engine)


def act(
    engine: Engine,
    item_id: int,
    action: Action | str,
    *,
    by: Principal = ADMIN,
    now: datetime = NOW,
    **fields: Any,
) -> WorkItem:
    """One action in its own unit of work, as an API request would run it."""
    with unit_of_work(engine) as conn:
        return item_service.act(
            conn, item_id, action=Action(action), principal=by, now=now, **fields
        )


PENDING = {"pending_area": "finance"}
RESOLVED = {"outcome": "solved", "reason": "dup"}


# (who, action, fields, status after, event type, event "changes")
LIFE: tuple[tuple[Principal, str, dict[str, Any], Status, str, dict[str, Any]], ...] = (
    (SOFIA, "queue", {}, Status.QUEUED, "queued", {}),
    (SOFIA, "assign", {"assignee": "ana"}, Status.ASSIGNED, "assigned", {"assignee": "ana"}),
    (ANA, "start", {}, Status.IN_PROGRESS, "started", {}),
    (ANA, "pend_customer", {"note": "PDF?"}, Status.PENDING_CUSTOMER, "pended_customer", {}),
    (ANA, "resume", {}, Status.IN_PROGRESS, "resumed", {}),
    (ANA, "pend_area", {"area": "finance"}, Status.PENDING_AREA, "pended_area", PENDING),
    (ANA, "resume", {}, Status.IN_PROGRESS, "resumed", {"pending_area": None}),
    (ANA, "resolve", {"reason": "dup"}, Status.RESOLVED, "resolved", RESOLVED),
    (SOFIA, "close", {}, Status.CLOSED, "closed", {}),
)


class TestAct:
    def test_a_whole_life_persists_each_state_and_appends_one_event_each(
        self, engine: Engine
    ) -> None:
        item_id = new_item(engine)
        previous = Status.NEW
        for step, (who, action, fields, status, type_, changes) in enumerate(LIFE, 1):
            at = NOW + step * MINUTE

            returned = act(engine, item_id, action, by=who, now=at, **fields)

            row = stored(engine, item_id)
            assert returned == row
            assert (row.status, row.version, row.updated_at) == (status, step + 1, at)
            log = history(engine, item_id)
            assert len(log) == step + 1
            last = log[-1]
            assert (last.type, last.at, last.actor, last.item_id) == (type_, at, who.name, item_id)
            expected = {"action": action, "from": previous.value, "to": status.value}
            expected |= {"changes": changes}
            expected |= {k: v for k, v in fields.items() if k in ("note", "reason")}
            assert dict(last.data) == expected
            previous = status

        final = stored(engine, item_id)
        assert (final.assignee, final.pending_area, final.reason) == ("ana", None, "dup")
        assert final.created_at == NOW
        assert [e.type for e in history(engine, item_id)] == ["created"] + [row[4] for row in LIFE]

    def test_escalation_climbs_the_ladder_and_may_change_area(self, engine: Engine) -> None:
        item_id = new_item(engine)
        act(engine, item_id, "assign", assignee="bruno")

        one = act(engine, item_id, "escalate", reason="customer_complaint")
        assert (one.tier, one.status, one.assignee) == ("backoffice_l2", Status.QUEUED, None)
        assert one.journey == ("backoffice_l1", "backoffice_l2")

        two = act(
            engine, item_id, "escalate", reason="regulator", to_tier="ombudsman", area="ombudsman"
        )
        assert (two.tier, two.area) == ("ombudsman", "ombudsman")
        assert two.journey == ("backoffice_l1", "backoffice_l2", "ombudsman")
        assert stored(engine, item_id) == two
        last = history(engine, item_id)[-1]
        assert last.data["changes"] == {"tier": "ombudsman", "area": "ombudsman"}
        assert last.data["reason"] == "regulator"

    def test_an_illegal_action_raises_before_writing_anything(self, engine: Engine) -> None:
        item_id = new_item(engine)
        with unit_of_work(engine) as conn:
            with pytest.raises(IllegalTransition) as caught:
                item_service.act(conn, item_id, action=Action.CLOSE, principal=ADMIN, now=NOW)
            # Same transaction: nothing was written before the refusal.
            assert [e.type for e in item_repo.history(conn, item_id)] == ["created"]
            assert item_repo.get(conn, item_id).version == 1

        assert caught.value.status == "new"
        assert caught.value.allowed == ("assign", "cancel", "escalate", "queue", "transfer")
        assert caught.value.field == "action"
        assert isinstance(caught.value, Conflict)  # the 409 family
        assert count(engine, EVENTS) == 1

    def test_a_finished_item_allows_nothing(self, engine: Engine) -> None:
        item_id = new_item(engine)
        act(engine, item_id, "cancel")
        with pytest.raises(IllegalTransition) as caught:
            act(engine, item_id, "reopen")
        assert (caught.value.status, caught.value.allowed) == ("cancelled", ())
        assert "allowed actions: none" in caught.value.message
        assert count(engine, EVENTS) == 2

    def test_a_forbidden_action_leaves_no_event(self, engine: Engine) -> None:
        item_id = new_item(engine)
        with pytest.raises(Forbidden):
            act(engine, item_id, "cancel", by=ANA)  # cancelling needs a supervisor
        assert count(engine, EVENTS) == 1
        assert stored(engine, item_id).status is Status.NEW


class TestOptimisticLock:
    def test_save_state_with_a_stale_version_writes_nothing(self, engine: Engine) -> None:
        item_id = new_item(engine)
        stale = stored(engine, item_id)  # version 1, read before someone else acts
        act(engine, item_id, "assign", assignee="ana", now=NOW + MINUTE)  # version 2

        command = TransitionCommand(action=Action.QUEUE, at=NOW + 2 * MINUTE, actor="sofia")
        new, _event = transition(stale, command, ladder=LADDER)
        with unit_of_work(engine) as conn:
            assert item_repo.save_state(conn, new, expected_version=stale.version) is False

        row = stored(engine, item_id)
        assert (row.status, row.assignee, row.version) == (Status.ASSIGNED, "ana", 2)
        assert [e.type for e in history(engine, item_id)] == ["created", "assigned"]

    def test_save_state_with_the_current_version_writes(self, engine: Engine) -> None:
        item_id = new_item(engine)
        current = stored(engine, item_id)
        command = TransitionCommand(action=Action.QUEUE, at=NOW, actor="sofia")
        new, _event = transition(current, command, ladder=LADDER)
        with unit_of_work(engine) as conn:
            assert item_repo.save_state(conn, new, expected_version=1) is True
        assert stored(engine, item_id).version == 2

    # PostgreSQL only: on SQLite, BEGIN IMMEDIATE serialises writers, so no other
    # transaction can commit between this one's read and write (the stale-version
    # test above covers SQLite).
    @pytest.mark.parametrize("backend", CONCURRENT_BACKENDS)
    def test_a_change_committed_between_read_and_write_is_a_conflict(self, engine: Engine) -> None:
        item_id = new_item(engine)

        interleaved: list[WorkItem] = []

        def someone_else_acts_first(
            _conn: Connection, _cursor: Any, statement: str, *_args: Any
        ) -> None:
            # Runs on our connection just before our first write (the routing queue's
            # row, then the item's): another connection assigns the item and commits
            # in between. (Interleaved any later, it would wait for our lock on the
            # queue row, and so for us: a real writer would, then fail its own check.)
            first_write = statement.lstrip().upper().startswith(_OUR_WRITES)
            if first_write and not interleaved:
                interleaved.append(act(engine, item_id, "assign", assignee="bruno", by=SOFIA))

        with unit_of_work(engine) as conn:
            event.listen(conn, "before_cursor_execute", someone_else_acts_first)
            with pytest.raises(Conflict, match="changed by someone else"):
                item_service.act(
                    conn, item_id, action=Action.ASSIGN, principal=SOFIA, now=NOW, assignee="ana"
                )
            # Our own event was never appended (the unit of work would roll it back
            # anyway; this checks the service did not write it in the first place).
            assert [e.type for e in item_repo.history(conn, item_id)] == ["created", "assigned"]

        assert len(interleaved) == 1
        row = stored(engine, item_id)
        assert (row.assignee, row.version) == ("bruno", 2)
        log = history(engine, item_id)
        assert [(e.type, e.data["changes"]) for e in log[1:]] == [
            ("assigned", {"assignee": "bruno"})
        ]


_OUR_WRITES = ("UPDATE ITEMS", "DELETE FROM ROUTING_QUEUE", "INSERT INTO ROUTING_QUEUE")


class TestScope:
    def test_a_specialist_of_another_area_gets_not_found(self, engine: Engine) -> None:
        item_id = new_item(engine)  # back office
        with pytest.raises(NotFound) as caught:
            act(engine, item_id, "queue", by=CARLA)
        assert caught.value.field == "id"
        with engine.connect() as conn:
            with pytest.raises(NotFound):
                item_service.get(conn, item_id, principal=CARLA)
            with pytest.raises(NotFound):
                item_service.events(conn, item_id, principal=CARLA)
        assert count(engine, EVENTS) == 1

    def test_the_message_is_the_same_as_for_a_missing_item(self, engine: Engine) -> None:
        item_id = new_item(engine)
        with engine.connect() as conn:
            with pytest.raises(NotFound) as hidden:
                item_service.get(conn, item_id, principal=CARLA)
            with pytest.raises(NotFound) as missing:
                item_service.get(conn, item_id + 1000, principal=CARLA)
        assert hidden.value.message == f"item {item_id} not found"
        assert missing.value.message == f"item {item_id + 1000} not found"

    def test_people_of_the_area_see_it(self, engine: Engine) -> None:
        item_id = new_item(engine)
        with engine.connect() as conn:
            for who in (ANA, BRUNO, SOFIA, ADMIN, CRM):
                assert item_service.get(conn, item_id, principal=who).id == item_id
                assert len(item_service.events(conn, item_id, principal=who)) == 1


class TestAt:
    def test_an_integration_may_date_an_action_in_the_past(self, engine: Engine) -> None:
        item_id = new_item(engine, created_at=NOW - timedelta(hours=2))
        # 07:30 at -03:00 is 10:30 UTC, an hour and a half before NOW.
        at = datetime(2026, 3, 2, 7, 30, tzinfo=timezone(timedelta(hours=-3)))

        act(engine, item_id, "queue", by=CRM, at=at)

        assert stored(engine, item_id).updated_at == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
        assert history(engine, item_id)[-1].at == datetime(2026, 3, 2, 10, 30, tzinfo=UTC)

    def test_a_specialist_may_not(self, engine: Engine) -> None:
        item_id = new_item(engine)
        act(engine, item_id, "assign", assignee="ana")
        with pytest.raises(Forbidden) as caught:
            act(engine, item_id, "start", by=ANA, at=NOW)
        assert caught.value.field == "at"

    def test_a_supervisor_may_not(self, engine: Engine) -> None:
        item_id = new_item(engine)
        with pytest.raises(Forbidden) as caught:
            act(engine, item_id, "queue", by=SOFIA, at=NOW)
        assert caught.value.field == "at"

    @pytest.mark.parametrize(
        ("at", "message"),
        [
            (NOW + timedelta(microseconds=1), "is in the future"),
            (datetime(2026, 3, 2, 11, 0), "offset"),  # noqa: DTZ001
            (NOW - timedelta(hours=3), "before the item's last event"),
        ],
        ids=["future", "naive", "before-last-event"],
    )
    def test_bad_instants_are_refused(self, engine: Engine, at: datetime, message: str) -> None:
        item_id = new_item(engine, created_at=NOW - timedelta(hours=2))
        with pytest.raises(InvalidInput, match=message) as caught:
            act(engine, item_id, "queue", by=CRM, at=at)
        assert caught.value.field == "at"
        assert count(engine, EVENTS) == 1


class TestReferences:
    @pytest.mark.parametrize(
        ("action", "fields", "field", "message"),
        [
            ("assign", {"assignee": "zeca"}, "assignee", "unknown agent 'zeca'"),
            ("queue", {"area": "marketing"}, "area", "unknown area 'marketing'"),
            ("pend_area", {"area": "marketing"}, "area", "unknown area 'marketing'"),
            (
                "escalate",
                {"to_tier": "level_99", "reason": "x"},
                "to_tier",
                "unknown tier 'level_99'",
            ),
        ],
        ids=["assignee", "area", "pending-area", "to_tier"],
    )
    def test_unknown_ones_are_invalid_input_naming_the_field(
        self, engine: Engine, action: str, fields: dict[str, str], field: str, message: str
    ) -> None:
        item_id = new_item(engine)
        with pytest.raises(InvalidInput) as caught:
            act(engine, item_id, action, **fields)
        assert (caught.value.field, caught.value.message) == (field, message)
        assert count(engine, EVENTS) == 1
        assert stored(engine, item_id).version == 1

    def test_a_field_the_action_does_not_use_is_refused(self, engine: Engine) -> None:
        item_id = new_item(engine)
        with pytest.raises(InvalidInput) as caught:
            act(engine, item_id, "queue", assignee="ana")
        assert caught.value.field == "assignee"


class TestListItems:
    @staticmethod
    def ids(page: item_service.ItemPage) -> list[int]:
        return [item.id for item in page.items]

    def list_items(
        self, engine: Engine, by: Principal = ADMIN, cursor: str | None = None, **kw: Any
    ) -> item_service.ItemPage:
        limit = kw.pop("limit", 100)
        descending = kw.pop("descending", False)
        with engine.connect() as conn:
            return item_service.list_items(
                conn,
                ItemFilter(**kw),
                principal=by,
                cursor=cursor,
                limit=limit,
                descending=descending,
            )

    def test_pages_through_25_items_ten_at_a_time(self, engine: Engine) -> None:
        created = [new_item(engine, f"P-{n:02}") for n in range(25)]

        first = self.list_items(engine, limit=10)
        second = self.list_items(engine, limit=10, cursor=first.next_cursor)
        third = self.list_items(engine, limit=10, cursor=second.next_cursor)

        assert [len(p.items) for p in (first, second, third)] == [10, 10, 5]
        assert first.next_cursor is not None
        assert second.next_cursor is not None
        assert third.next_cursor is None
        assert self.ids(first) + self.ids(second) + self.ids(third) == created  # ascending ids

    def test_pages_in_descending_order(self, engine: Engine) -> None:
        created = [new_item(engine, f"P-{n:02}") for n in range(25)]

        pages = [self.list_items(engine, limit=10, descending=True)]
        while pages[-1].next_cursor is not None:
            pages.append(
                self.list_items(engine, limit=10, descending=True, cursor=pages[-1].next_cursor)
            )

        assert [len(p.items) for p in pages] == [10, 10, 5]
        seen = [i for p in pages for i in self.ids(p)]
        assert seen == created[::-1]
        assert len(set(seen)) == 25

    def test_an_exact_multiple_ends_without_a_cursor(self, engine: Engine) -> None:
        for n in range(20):
            new_item(engine, f"P-{n:02}")
        second = self.list_items(
            engine, limit=10, cursor=self.list_items(engine, limit=10).next_cursor
        )
        assert (len(second.items), second.next_cursor) == (10, None)

    @pytest.mark.parametrize(
        "cursor",
        ["not a cursor!", "cGFnZToz", "aWQ6eA", "__8"],
        ids=["garbage", "page:3", "id:x", "not-utf8"],
    )
    def test_an_invalid_cursor_is_invalid_input(self, engine: Engine, cursor: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            self.list_items(engine, cursor=cursor)
        assert caught.value.field == "cursor"

    def test_filters(self, engine: Engine) -> None:
        e1 = new_item(
            engine,
            "F-1",
            customer={"external_id": "CUST-1"},
            created_at=NOW - timedelta(days=3),
        )
        e2 = new_item(
            engine,
            "F-2",
            channel="phone",
            case_type="delivery_missing",
            created_at=NOW - timedelta(days=2),
        )
        e3 = new_item(
            engine,
            "F-3",
            channel="web",
            case_type="refund_request",
            created_at=NOW - timedelta(days=1),
        )
        e4 = new_item(engine, "F-4", channel="chat", area="logistics")
        act(engine, e2, "assign", assignee="ana")
        act(engine, e4, "queue")

        def found(**kw: Any) -> list[int]:
            return self.ids(self.list_items(engine, **kw))

        assert found() == [e1, e2, e3, e4]
        assert found(status=["assigned"]) == [e2]
        assert found(status=["new", "queued"]) == [e1, e3, e4]
        assert found(area=["finance"]) == [e3]
        assert found(tier=["backoffice_l1"]) == [e1, e2, e3, e4]
        assert found(tier=["ombudsman"]) == []
        assert found(case_type=["invoice_dispute"]) == [e1, e4]
        assert found(channel=["phone", "web"]) == [e2, e3]
        assert found(assignee="ana") == [e2]
        assert found(customer="CUST-1") == [e1]
        # created_from is inclusive, created_to exclusive: NOW-2d <= created_at < NOW.
        assert found(created_from=NOW - timedelta(days=2), created_to=NOW) == [e2, e3]
        assert found(status=["new"], area=["backoffice"]) == [e1]

    def test_callers_see_only_their_areas(self, engine: Engine) -> None:
        office = new_item(engine, "S-1")
        finance = new_item(engine, "S-2", case_type="refund_request")
        logistics = new_item(engine, "S-3", area="logistics")

        def found(by: Principal, **kw: Any) -> list[int]:
            return self.ids(self.list_items(engine, by=by, **kw))

        assert found(ADMIN) == [office, finance, logistics]
        assert found(CRM) == [office, finance, logistics]
        assert found(ANA) == [office]
        assert found(SOFIA) == [office]
        assert found(CARLA) == [finance]
        assert found(ANA, area=["finance"]) == []  # a filter never widens the scope


# The agents of each area in the test configuration: an agent is assigned only there.
AGENTS_OF = {"backoffice": ["ana", "bruno"], "finance": ["carla"]}


def random_command(rng: random.Random, item: WorkItem) -> tuple[Action, dict[str, Any]]:
    """A legal action for `item` with the fields it needs, chosen by `rng`."""
    choices = sorted(allowed_actions(item.status) - {Action.CLOSE, Action.CANCEL})
    if not AGENTS_OF.get(item.area):  # nobody works there to be assigned
        choices = [a for a in choices if a is not Action.ASSIGN]
    if item.tier == LADDER[-1]:
        choices = [a for a in choices if a is not Action.ESCALATE]
    if not choices:  # resolved at the top tier: only close remains
        return Action.CLOSE, {}
    action = rng.choice(choices)
    fields: dict[str, Any] = {}
    if rng.random() < 0.3:
        fields["note"] = f"note {rng.randrange(1000)}"
    if action is Action.ASSIGN:
        fields["assignee"] = rng.choice(AGENTS_OF[item.area])
    elif action is Action.QUEUE and rng.random() < 0.5:
        fields["area"] = rng.choice(["backoffice", "finance", "logistics"])
    elif action is Action.PEND_AREA:
        fields["area"] = rng.choice([a for a in ("finance", "logistics") if a != item.area])
    elif action is Action.TRANSFER:
        fields["area"] = rng.choice([a for a in ("backoffice", "finance") if a != item.area])
    elif action is Action.RESOLVE and rng.random() < 0.7:
        fields["reason"] = rng.choice(["duplicate_charge", "refund_issued", "no_fault"])
    elif action is Action.ESCALATE:
        fields["reason"] = "customer_complaint"
        above = LADDER[LADDER.index(item.tier) + 1 :]
        if rng.random() < 0.5:
            fields["to_tier"] = rng.choice(above)
        if rng.random() < 0.3:
            fields["area"] = rng.choice(["ombudsman", "finance"])
    return action, fields


class TestRebuild:
    """For generated sequences of actions run through the services, folding the stored
    event log gives exactly the stored row (SpiffWorkflow's save/restore idea)."""

    STEPS = 30

    @pytest.mark.parametrize("seed_", [1, 2, 3, 4, 5])
    def test_folding_the_stored_events_gives_the_stored_row(
        self, engine: Engine, seed_: int
    ) -> None:
        rng = random.Random(seed_)
        start = NOW - timedelta(days=10)
        item_id = new_item(
            engine,
            f"REB-{seed_}",
            channel=rng.choice(["email", "phone", "app"]),
            case_type=rng.choice(["invoice_dispute", "delivery_missing", "refund_request"]),
            tier=rng.choice([None, "first_level", "backoffice_l2"]),
            customer={"external_id": f"CUST-{seed_}", "name": "First Name"},
            amount=rng.choice([None, "0.01", "189.90", "12345678.91"]),
            priority=rng.randint(1, 4),
            tags=rng.sample(["vip", "legal", "repeat"], k=rng.randint(0, 2)),
            reason=rng.choice([None, "billing"]),
            created_at=start,
        )
        at = start
        for _ in range(self.STEPS):
            item = stored(engine, item_id)
            action, fields = random_command(rng, item)
            # Zero-minute steps put events on the same instant: the log's
            # (at, id) order must still replay them in append order.
            at += rng.choice([0, 1, 17, 300]) * MINUTE
            returned = act(engine, item_id, action, by=ADMIN, at=at, **fields)

            row = stored(engine, item_id)
            assert returned == row  # the state the service kept is the state it stored
            assert_rebuilds(engine, item_id, row)
            if row.status is Status.CLOSED:
                break
        # End the item's life: closed when resolved, cancelled while still open.
        ending = stored(engine, item_id).status
        if ending is not Status.CLOSED:
            last = Action.CLOSE if ending is Status.RESOLVED else Action.CANCEL
            act(engine, item_id, last, by=ADMIN, at=at + MINUTE)
        assert stored(engine, item_id).status in (Status.CLOSED, Status.CANCELLED)
        assert_rebuilds(engine, item_id, stored(engine, item_id))

        # The same customer comes back with new details on another item.
        new_item(
            engine, f"REB-{seed_}-later", customer={"external_id": f"CUST-{seed_}", "name": "New"}
        )
        row = stored(engine, item_id)
        assert row.customer == Customer(f"CUST-{seed_}", name="New")
        assert_rebuilds(engine, item_id, row)


def assert_rebuilds(engine: Engine, item_id: int, row: WorkItem) -> None:
    log = history(engine, item_id)
    folded = replay.fold(item_id, log)
    # Everything but the customer's details must match exactly. The row joins
    # the customers table, which holds each customer's *latest* details (later
    # items fill and update them); the `created` event keeps the details as
    # they were sent with this item. So only the customer's identity is compared.
    assert replace(folded, customer=None) == replace(row, customer=None)
    assert (folded.customer is None) == (row.customer is None)
    if folded.customer is not None:
        assert folded.customer.external_id == row.customer.external_id
        assert folded.customer == Customer(folded.customer.external_id, name="First Name")
    assert folded.version == len(log)
