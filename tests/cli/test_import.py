"""`retaguarda import items FILE`: bulk intake from CSV and JSON lines, bad rows reported
by line number while every good row is stored."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from retaguarda.domain.item.model import WorkItem
from retaguarda.services import item as item_service
from retaguarda.services.uow import unit_of_work
from retaguarda.storage.records import EventRecord, ItemRecord
from retaguarda.storage.repos.item import ItemFilter
from tests.builders import ADMIN, seed
from tests.cli.conftest import Cli, count, error_lines, ok

ITEMS = ItemRecord.__table__
EVENTS = EventRecord.__table__


def row(i: int, **fields: Any) -> dict[str, Any]:
    """Item `i`: an invoice dispute by e-mail from one of 40 customers."""
    return {
        "external_ref": f"INV-{i}",
        "channel": "email",
        "case_type": "invoice_dispute",
        "customer_external_id": f"CUST-{i % 40}",
        "amount": "189.90",
        **fields,
    }


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    """`rows` as a CSV file (the union of their keys as header) or as JSON lines."""
    if path.suffix == ".csv":
        header = list(dict.fromkeys(key for r in rows for key in r))
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.DictWriter(f, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
    else:
        with path.open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(body_of(r)) + "\n")
    return path


def body_of(r: dict[str, Any]) -> dict[str, Any]:
    """A CSV-shaped row as a JSON item body (customer nested, tags a list)."""
    body = {k: v for k, v in r.items() if not k.startswith("customer_") and k != "tags"}
    customer = {k.removeprefix("customer_"): v for k, v in r.items() if k.startswith("customer_")}
    if customer:
        body["customer"] = customer
    if "tags" in r:
        body["tags"] = r["tags"].split(";")
    return body


def first_line(fmt: str) -> int:
    """The line number of the first data row: CSV has a header line."""
    return 2 if fmt == "csv" else 1


def stored(engine: Engine) -> list[WorkItem]:
    with unit_of_work(engine) as conn:
        page = item_service.list_items(conn, ItemFilter(), principal=ADMIN, cursor=None, limit=500)
    return page.items


def actors(engine: Engine, item: WorkItem) -> list[str]:
    with unit_of_work(engine) as conn:
        return [e.actor for e in item_service.events(conn, item.id, principal=ADMIN)]


@pytest.fixture
def seeded(engine: Engine) -> Engine:
    seed(engine)
    return engine


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
class TestBadRowAmongGoodOnes:
    def test_a_bad_row_in_1000_is_reported_by_line_and_the_other_999_are_stored(
        self, cli: Cli, seeded: Engine, tmp_path: Path, fmt: str
    ) -> None:
        rows = [row(i) for i in range(1000)]
        rows[500]["channel"] = "fax"
        file = write(tmp_path / f"items.{fmt}", rows)

        result = cli("import", "items", str(file))

        assert result.exit_code == 1
        summary, rejected = result.stdout.splitlines()
        assert summary == f"{file}: 999 created, 0 existing, 1 rejected"
        assert rejected.startswith(f"line {500 + first_line(fmt)}: channel: Input should be ")
        assert count(seeded, ITEMS) == 999
        assert count(seeded, EVENTS) == 999  # each with its `created` event

    def test_importing_the_same_file_again_creates_nothing(
        self, cli: Cli, seeded: Engine, tmp_path: Path, fmt: str
    ) -> None:
        file = write(tmp_path / f"items.{fmt}", [row(i) for i in range(300)])
        assert ok(cli("import", "items", str(file))).stdout == (
            f"{file}: 300 created, 0 existing, 0 rejected\n"
        )
        assert ok(cli("import", "items", str(file))).stdout == (
            f"{file}: 0 created, 300 existing, 0 rejected\n"
        )
        assert count(seeded, ITEMS) == 300
        assert count(seeded, EVENTS) == 300

    def test_rows_are_numbered_across_batches(
        self, cli: Cli, seeded: Engine, tmp_path: Path, fmt: str
    ) -> None:
        rows = [row(i) for i in range(10)]
        rows[0]["case_type"] = "nothing_like_it"
        rows[4]["priority"] = "9"
        rows[7] = row(2)  # the same item again, in another batch
        rows[9]["created_at"] = "2026-03-01T09:00:00"  # no UTC offset
        file = write(tmp_path / f"items.{fmt}", rows)

        result = cli("import", "items", str(file), "--batch-size", "3")

        assert result.exit_code == 1
        first = first_line(fmt)
        assert result.stdout.splitlines() == [
            f"{file}: 6 created, 1 existing, 3 rejected",
            f"line {first}: case_type: unknown case type 'nothing_like_it'",
            f"line {first + 4}: priority: Input should be less than or equal to 4",
            f"line {first + 9}: created_at: timestamp must carry a UTC offset (e.g. "
            "2026-03-02T09:00:00Z)",
        ]
        assert count(seeded, ITEMS) == 6


class TestWhatIsStored:
    def test_every_csv_column_reaches_the_item(
        self, cli: Cli, seeded: Engine, tmp_path: Path
    ) -> None:
        full = row(
            1,
            channel="regulator",
            subject="Cobrança em duplicidade",
            description='Cliente relata, "duas" cobranças;\nna mesma fatura',
            customer_name="Maria Silva",
            customer_email="maria@example.com",
            customer_language="pt-BR",
            customer_segment="gold",
            amount="1234.56",
            priority="1",
            area="finance",
            tier="backoffice_l2",
            reason="double charge",
            tags="billing; urgent ;",
            created_at="2026-02-27T18:30:00-03:00",
        )
        ok(cli("import", "items", str(write(tmp_path / "one.csv", [full]))))

        [item] = stored(seeded)
        assert (item.external_ref, item.channel.value, item.case_type) == (
            "INV-1",
            "regulator",
            "invoice_dispute",
        )
        assert item.subject == "Cobrança em duplicidade"
        assert item.description == 'Cliente relata, "duas" cobranças;\nna mesma fatura'
        assert item.customer is not None
        assert (item.customer.external_id, item.customer.name, item.customer.email) == (
            "CUST-1",
            "Maria Silva",
            "maria@example.com",
        )
        assert (item.customer.language, item.customer.segment) == ("pt-BR", "gold")
        assert item.amount == Decimal("1234.56")
        assert (item.priority, item.area, item.tier) == (1, "finance", "backoffice_l2")
        assert item.reason == "double charge"
        assert item.tags == ("billing", "urgent")
        assert item.created_at == datetime(2026, 2, 27, 21, 30, tzinfo=UTC)

    def test_empty_cells_take_the_defaults(self, cli: Cli, seeded: Engine, tmp_path: Path) -> None:
        sparse = {
            "external_ref": "INV-1",
            "channel": "web",
            "case_type": "delivery_missing",
            "customer_external_id": "",
            "priority": "",
            "tags": "",
        }
        ok(cli("import", "items", str(write(tmp_path / "sparse.csv", [sparse]))))
        [item] = stored(seeded)
        assert item.customer is None
        assert (item.priority, item.tags, item.area, item.tier) == (
            3,
            (),
            "backoffice",
            "backoffice_l1",
        )

    def test_a_nul_character_rejects_only_its_row(
        self, cli: Cli, seeded: Engine, tmp_path: Path
    ) -> None:
        rows = [row(1), row(2, subject="bad\x00byte"), row(3)]
        result = cli("import", "items", str(write(tmp_path / "nul.csv", rows)))
        assert result.exit_code == 1
        assert result.stdout.splitlines()[1:] == [
            "line 3: subject: must not contain the NUL character (U+0000)"
        ]
        assert count(seeded, ITEMS) == 2

    @pytest.mark.usefixtures("seeded")
    def test_an_empty_file_imports_nothing(self, cli: Cli, tmp_path: Path) -> None:
        empty = tmp_path / "empty.jsonl"
        empty.write_text("\n")
        assert ok(cli("import", "items", str(empty))).stdout == (
            f"{empty}: 0 created, 0 existing, 0 rejected\n"
        )


class TestWhoActs:
    def test_by_default_the_builtin_cli_admin_who_may_backdate(
        self, cli: Cli, seeded: Engine, tmp_path: Path
    ) -> None:
        file = write(tmp_path / "old.csv", [row(1, created_at="2026-01-05T10:00:00Z")])
        ok(cli("import", "items", str(file)))
        [item] = stored(seeded)
        assert item.created_at == datetime(2026, 1, 5, 10, 0, tzinfo=UTC)
        assert actors(seeded, item) == ["cli"]

    def test_as_a_specialist_only_within_its_rights(
        self, cli: Cli, seeded: Engine, tmp_path: Path
    ) -> None:
        rows = [
            row(1),
            row(2, created_at="2026-01-05T10:00:00Z"),
            row(3, case_type="refund_request"),  # a finance case type; ana works in back office
        ]
        file = write(tmp_path / "ana.csv", rows)

        result = cli("import", "items", str(file), "--as", "ana")

        assert result.exit_code == 1
        assert result.stdout.splitlines() == [
            f"{file}: 1 created, 0 existing, 2 rejected",
            "line 3: created_at: only admin and integration users may set created_at",
            "line 4: area: user 'ana' may not act on area 'finance'",
        ]
        [item] = stored(seeded)
        assert actors(seeded, item) == ["ana"]

    def test_as_an_unknown_user_is_one_line_and_stores_nothing(
        self, cli: Cli, seeded: Engine, tmp_path: Path
    ) -> None:
        file = write(tmp_path / "items.csv", [row(1)])
        result = cli("import", "items", str(file), "--as", "nobody")
        assert result.exit_code == 1
        assert error_lines(result) == ["error: user: no user named 'nobody'"]
        assert count(seeded, ITEMS) == 0


class TestBadFile:
    def test_an_unknown_column_is_named_up_front_and_nothing_is_stored(
        self, cli: Cli, seeded: Engine, tmp_path: Path
    ) -> None:
        file = write(tmp_path / "items.csv", [row(i, colour="red") for i in range(5)])
        result = cli("import", "items", str(file))
        assert result.exit_code == 2
        [line] = error_lines(result)
        assert line.startswith(f"error: {file}: unknown column 'colour' (known columns: ")
        assert result.stdout == ""
        assert count(seeded, ITEMS) == 0

    @pytest.mark.usefixtures("seeded")
    def test_a_missing_required_column_is_named(self, cli: Cli, tmp_path: Path) -> None:
        rows = [{"external_ref": "A-1", "case_type": "invoice_dispute"}]
        result = cli("import", "items", str(write(tmp_path / "items.csv", rows)))
        assert result.exit_code == 2
        assert error_lines(result) == [
            f"error: {tmp_path / 'items.csv'}: missing required column 'channel'"
        ]

    @pytest.mark.parametrize("name", ["items.txt", "items.json", "items"])
    @pytest.mark.usefixtures("seeded")
    def test_an_unsupported_extension_is_one_line(
        self, cli: Cli, tmp_path: Path, name: str
    ) -> None:
        file = tmp_path / name
        file.write_text("{}\n")
        result = cli("import", "items", str(file))
        assert result.exit_code == 2
        [line] = error_lines(result)
        assert line.startswith(f"error: {file}: unsupported file type (")
        assert line.endswith("): use .csv or .jsonl")

    @pytest.mark.usefixtures("seeded")
    def test_a_missing_file_is_one_line(self, cli: Cli, tmp_path: Path) -> None:
        file = tmp_path / "nowhere.csv"
        result = cli("import", "items", str(file))
        assert result.exit_code == 1
        assert error_lines(result) == [f"error: {file}: cannot read: No such file or directory"]

    @pytest.mark.usefixtures("seeded")
    def test_a_file_that_is_not_utf8_is_one_line(self, cli: Cli, tmp_path: Path) -> None:
        file = tmp_path / "latin1.csv"
        file.write_bytes(
            "external_ref,channel,case_type,subject\nA-1,web,delivery_missing,Não\n".encode(
                "latin-1"
            )
        )
        result = cli("import", "items", str(file))
        assert result.exit_code == 1
        [line] = error_lines(result)
        assert line.startswith(f"error: {file}: not UTF-8 text (")
