"""services.intake on every test database: idempotency, defaults, rights, customers, bulk,
and the acceptance race of 16 threads creating the same item."""

from __future__ import annotations

import random
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select

from retaguarda.domain.access import Principal
from retaguarda.domain.errors import Forbidden, InvalidInput
from retaguarda.domain.item.model import Channel, Customer, Status
from retaguarda.services import intake
from retaguarda.services.intake import IntakeResult, ItemInput
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.records import CustomerRecord
from tests.builders import ADMIN, ANA, CARLA, CRM, NOW, SOFIA, seed
from tests.services.helpers import (
    EVENTS,
    ITEMS,
    count,
    create,
    history,
    item_input,
    new_item,
    stored,
)

CUSTOMERS = CustomerRecord.__table__


@pytest.fixture(autouse=True)
def _seeded(engine: Engine) -> None:
    seed(engine)


class TestCreate:
    def test_stores_the_item_and_its_created_event(self, engine: Engine) -> None:
        result = create(
            engine,
            "INV-1",
            subject="Cobrança em duplicidade",
            customer={"external_id": "CUST-1", "name": "Maria Silva", "language": "pt-BR"},
            amount="189.90",
            priority=2,
            tags=["vip"],
        )

        assert result.status == "created"
        assert result.index == 0
        assert result.error is None
        item = stored(engine, result.item_id)
        assert item.external_ref == "INV-1"
        assert item.channel is Channel.EMAIL
        assert item.status is Status.NEW
        assert (item.area, item.tier, item.journey) == (
            "backoffice",
            "backoffice_l1",
            ("backoffice_l1",),
        )
        assert (item.created_at, item.updated_at, item.version) == (NOW, NOW, 1)
        assert item.customer == Customer("CUST-1", name="Maria Silva", language="pt-BR")
        assert item.amount == Decimal("189.90")
        assert (item.priority, item.tags, item.assignee) == (2, ("vip",), None)

        [event] = history(engine, result.item_id)
        assert (event.type, event.at, event.actor, event.item_id) == (
            "created",
            NOW,
            "crm",
            result.item_id,
        )
        assert event.data == {
            "external_ref": "INV-1",
            "channel": "email",
            "case_type": "invoice_dispute",
            "area": "backoffice",
            "tier": "backoffice_l1",
            "subject": "Cobrança em duplicidade",
            "description": None,
            "customer": {
                "external_id": "CUST-1",
                "name": "Maria Silva",
                "email": None,
                "language": "pt-BR",
                "segment": None,
            },
            "amount": "189.90",
            "priority": 2,
            "reason": None,
            "tags": ["vip"],
        }

    def test_same_channel_and_ref_again_is_the_existing_item_without_a_new_event(
        self, engine: Engine
    ) -> None:
        first = create(engine, "INV-1")
        again = create(engine, "INV-1", subject="a different subject", now=NOW + timedelta(hours=1))

        assert again.status == "existing"
        assert again.item_id == first.item_id
        assert count(engine, ITEMS) == 1
        assert [e.type for e in history(engine, first.item_id)] == ["created"]
        # The second input changed nothing on the stored item.
        assert stored(engine, first.item_id).subject is None

    def test_same_ref_on_another_channel_is_a_different_item(self, engine: Engine) -> None:
        by_email = create(engine, "INV-1", channel="email")
        by_phone = create(engine, "INV-1", channel="phone")

        assert (by_email.status, by_phone.status) == ("created", "created")
        assert by_email.item_id != by_phone.item_id
        assert stored(engine, by_phone.item_id).channel is Channel.PHONE
        assert count(engine, EVENTS, type="created") == 2


class TestRouting:
    def test_area_and_tier_default_from_the_case_type(self, engine: Engine) -> None:
        refund = stored(engine, new_item(engine, "R-1", case_type="refund_request"))
        assert (refund.area, refund.tier) == ("finance", "backoffice_l1")

    def test_explicit_area_and_tier_override_the_case_type(self, engine: Engine) -> None:
        item = stored(engine, new_item(engine, "R-2", area="logistics", tier="backoffice_l2"))
        assert (item.area, item.tier, item.journey) == (
            "logistics",
            "backoffice_l2",
            ("backoffice_l2",),
        )

    @pytest.mark.parametrize(
        ("fields", "field", "message"),
        [
            ({"case_type": "teleport"}, "case_type", "unknown case type 'teleport'"),
            ({"area": "marketing"}, "area", "unknown area 'marketing'"),
            ({"tier": "level_99"}, "tier", "unknown tier 'level_99'"),
        ],
        ids=["case_type", "area", "tier"],
    )
    def test_unknown_reference_is_an_error_naming_the_field(
        self, engine: Engine, fields: dict[str, str], field: str, message: str
    ) -> None:
        result = create(engine, "X-1", **fields)

        assert result.status == "error"
        assert result.item_id is None
        assert isinstance(result.error, InvalidInput)
        assert (result.error.field, result.error.message) == (field, message)
        assert count(engine, ITEMS) == 0
        assert count(engine, EVENTS) == 0


class TestCreatedAt:
    @pytest.mark.parametrize("principal", [ADMIN, CRM], ids=["admin", "integration"])
    def test_admin_and_integration_may_backdate(self, engine: Engine, principal: Principal) -> None:
        # 2026-02-01 08:15 at -03:00 is 11:15 UTC.
        when = datetime(2026, 2, 1, 8, 15, tzinfo=timezone(timedelta(hours=-3)))
        result = create(engine, "OLD-1", principal=principal, created_at=when)

        item = stored(engine, result.item_id)
        assert item.created_at == datetime(2026, 2, 1, 11, 15, tzinfo=UTC)
        assert item.updated_at == item.created_at
        [event] = history(engine, result.item_id)
        assert event.at == datetime(2026, 2, 1, 11, 15, tzinfo=UTC)
        assert event.actor == principal.name

    def test_a_specialist_may_not_backdate(self, engine: Engine) -> None:
        result = create(engine, "OLD-2", principal=ANA, created_at=NOW - timedelta(days=1))

        assert isinstance(result.error, Forbidden)
        assert result.error.field == "created_at"
        assert count(engine, ITEMS) == 0

    def test_the_future_is_refused(self, engine: Engine) -> None:
        result = create(engine, "NEW-1", created_at=NOW + timedelta(seconds=1))

        assert isinstance(result.error, InvalidInput)
        assert (result.error.field, result.error.message) == ("created_at", "is in the future")

    def test_now_itself_is_not_the_future(self, engine: Engine) -> None:
        assert create(engine, "NEW-2", created_at=NOW).status == "created"

    def test_a_naive_timestamp_is_refused(self, engine: Engine) -> None:
        result = create(engine, "NEW-3", created_at=datetime(2026, 2, 1, 8, 15))  # noqa: DTZ001

        assert isinstance(result.error, InvalidInput)
        assert result.error.field == "created_at"
        assert "offset" in result.error.message
        assert count(engine, ITEMS) == 0


class TestAreaScope:
    def test_a_specialist_creates_in_their_own_area(self, engine: Engine) -> None:
        result = create(engine, "A-1", principal=ANA)
        assert result.status == "created"
        assert history(engine, result.item_id)[0].actor == "ana"

    @pytest.mark.parametrize(
        ("principal", "fields"),
        [
            (ANA, {"case_type": "refund_request"}),  # finance by its case type
            (ANA, {"area": "finance"}),  # finance by an explicit override
            (CARLA, {}),  # invoice_dispute belongs to back office
            (SOFIA, {"area": "logistics"}),  # supervisors are scoped too
        ],
        ids=["ana-case-type", "ana-override", "carla", "sofia"],
    )
    def test_not_outside_their_areas(
        self, engine: Engine, principal: Principal, fields: dict[str, str]
    ) -> None:
        result = create(engine, "A-2", principal=principal, **fields)

        assert isinstance(result.error, Forbidden)
        assert result.error.field == "area"
        assert count(engine, ITEMS) == 0


class TestCustomer:
    def test_details_are_filled_by_later_items_and_never_erased(self, engine: Engine) -> None:
        first = new_item(engine, "C-1", customer={"external_id": "CUST-9"})
        new_item(
            engine,
            "C-2",
            customer={"external_id": "CUST-9", "name": "João Reis", "email": "joao@example.com"},
        )
        new_item(engine, "C-3", customer={"external_id": "CUST-9"})  # omits everything
        last = new_item(engine, "C-4", customer={"external_id": "CUST-9", "language": "pt-BR"})

        expected = Customer("CUST-9", name="João Reis", email="joao@example.com", language="pt-BR")
        assert count(engine, CUSTOMERS) == 1
        # The item rows join the customer table, so every item shows the latest details.
        assert stored(engine, first).customer == expected
        assert stored(engine, last).customer == expected
        # The created events keep what each input said at the time.
        assert history(engine, first)[0].data["customer"]["name"] is None

    def test_a_later_value_replaces_an_earlier_one(self, engine: Engine) -> None:
        new_item(engine, "C-1", customer={"external_id": "CUST-9", "email": "old@example.com"})
        item = new_item(
            engine, "C-2", customer={"external_id": "CUST-9", "email": "new@example.com"}
        )
        assert stored(engine, item).customer == Customer("CUST-9", email="new@example.com")

    def test_one_bulk_batch_keeps_the_details_any_of_its_items_gives(self, engine: Engine) -> None:
        inputs = [
            item_input("C-1", customer={"external_id": "CUST-7", "name": "Ana Lima"}),
            item_input("C-2", customer={"external_id": "CUST-7"}),
            item_input("C-3", customer={"external_id": "CUST-7", "email": "ana@example.com"}),
        ]
        with unit_of_work(engine) as conn:
            results = intake.intake(conn, inputs, principal=CRM, now=NOW)

        assert [r.status for r in results] == ["created", "created", "created"]
        with engine.connect() as conn:
            row = conn.execute(select(CUSTOMERS.c.name, CUSTOMERS.c.email)).one()
        assert tuple(row) == ("Ana Lima", "ana@example.com")

    def test_items_without_a_customer_store_none(self, engine: Engine) -> None:
        assert stored(engine, new_item(engine, "C-0")).customer is None
        assert count(engine, CUSTOMERS) == 0


class TestBulk:
    def test_bad_entries_are_reported_by_index_and_the_rest_stored(self, engine: Engine) -> None:
        inputs = [
            item_input("B-0"),
            item_input("B-1", case_type="teleport"),
            item_input("B-2", channel="phone"),
            InvalidInput("priority", "line 4: not a number"),  # failed to parse upstream
            item_input("B-4", created_at=NOW + timedelta(days=1)),
            item_input("B-5", case_type="refund_request"),
        ]
        with unit_of_work(engine) as conn:
            results = intake.intake(conn, inputs, principal=CRM, now=NOW)

        assert [(r.index, r.status) for r in results] == [
            (0, "created"),
            (1, "error"),
            (2, "created"),
            (3, "error"),
            (4, "error"),
            (5, "created"),
        ]
        errors = {r.index: r.error for r in results if r.error is not None}
        assert {i: (type(e), e.field) for i, e in errors.items()} == {
            1: (InvalidInput, "case_type"),
            3: (InvalidInput, "priority"),
            4: (InvalidInput, "created_at"),
        }
        assert errors[3] is inputs[3]
        with engine.connect() as conn:
            refs = conn.scalars(select(ITEMS.c.external_ref).order_by(ITEMS.c.id)).all()
        assert sorted(refs) == ["B-0", "B-2", "B-5"]
        assert count(engine, EVENTS, type="created") == 3
        # Each created result names the row that was stored for it.
        for r in results:
            if r.status == "created":
                assert stored(engine, r.item_id).external_ref == f"B-{r.index}"

    def test_a_duplicate_within_the_batch_is_created_then_existing(self, engine: Engine) -> None:
        inputs = [item_input("D-1"), item_input("D-2"), item_input("D-1", subject="again")]
        with unit_of_work(engine) as conn:
            results = intake.intake(conn, inputs, principal=CRM, now=NOW)

        assert [r.status for r in results] == ["created", "created", "existing"]
        assert results[2].item_id == results[0].item_id
        assert results[1].item_id != results[0].item_id
        assert count(engine, ITEMS) == 2
        assert count(engine, EVENTS, item_id=results[0].item_id) == 1
        # The first occurrence is the one stored.
        assert stored(engine, results[0].item_id).subject is None

    def test_items_known_from_before_are_existing(self, engine: Engine) -> None:
        before = new_item(engine, "K-1")
        with unit_of_work(engine) as conn:
            results = intake.intake(
                conn, [item_input("K-2"), item_input("K-1")], principal=CRM, now=NOW
            )

        assert [(r.status, r.item_id == before) for r in results] == [
            ("created", False),
            ("existing", True),
        ]
        assert count(engine, EVENTS) == 2

    def test_an_empty_batch_does_nothing(self, engine: Engine) -> None:
        with unit_of_work(engine) as conn:
            assert intake.intake(conn, [], principal=CRM, now=NOW) == []
        assert count(engine, ITEMS) == 0


class TestRace:
    THREADS = 16

    def test_sixteen_threads_creating_the_same_item_yield_one_item_and_one_event(
        self, engine: Engine
    ) -> None:
        barrier = threading.Barrier(self.THREADS, timeout=30)
        data = item_input(
            "RACE-1",
            channel="app",
            customer={"external_id": "CUST-RACE", "name": "Rita"},
            amount="10.00",
        )

        def one_request(_: int) -> IntakeResult:
            barrier.wait()  # all threads leave together
            with unit_of_work(engine) as conn:  # each its own connection and transaction
                [result] = intake.intake(conn, [data], principal=CRM, now=NOW)
            return result

        with ThreadPoolExecutor(max_workers=self.THREADS) as pool:
            results = list(pool.map(one_request, range(self.THREADS)))

        statuses = sorted(r.status for r in results)
        assert statuses == ["created"] + ["existing"] * (self.THREADS - 1)
        ids = {r.item_id for r in results}
        assert len(ids) == 1
        assert None not in ids
        [item_id] = ids
        assert count(engine, ITEMS) == 1
        assert count(engine, ITEMS, channel="app", external_ref="RACE-1") == 1
        assert count(engine, EVENTS) == 1
        assert count(engine, EVENTS, type="created", item_id=item_id) == 1
        assert count(engine, CUSTOMERS) == 1

    def test_overlapping_bulk_batches_in_any_order_store_each_item_once(
        self, engine: Engine
    ) -> None:
        # Four imports of 40 of the same 60 items, each in its own order, sharing
        # customers: no deadlock, no duplicate, one `created` result per item.
        refs = [f"BULK-{n:02}" for n in range(60)]
        batches = []
        for n in range(4):
            chosen = random.Random(n).sample(refs, k=40)
            batches.append(
                [item_input(ref, customer={"external_id": f"CUST-{ref[-1]}"}) for ref in chosen]
            )
        barrier = threading.Barrier(len(batches), timeout=30)

        def one_import(batch: list[ItemInput]) -> list[IntakeResult]:
            barrier.wait()
            with unit_of_work(engine) as conn:
                return intake.intake(conn, batch, principal=CRM, now=NOW)

        with ThreadPoolExecutor(max_workers=len(batches)) as pool:
            results = [r for rs in pool.map(one_import, batches) for r in rs]

        wanted = {i.external_ref for batch in batches for i in batch}
        assert len(results) == 160
        assert sum(r.status == "created" for r in results) == len(wanted)
        assert {r.status for r in results} == {"created", "existing"}
        assert count(engine, ITEMS) == len(wanted)
        assert count(engine, EVENTS, type="created") == len(wanted)
        assert count(engine, CUSTOMERS) == 10  # CUST-0 … CUST-9
