"""Reading items from CSV and JSON lines: one result per row, numbered by line."""

from __future__ import annotations

import io
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from retaguarda.domain.errors import InvalidInput
from retaguarda.interop.items import COLUMNS, Format, format_of, read_items
from retaguarda.services.intake import ItemInput

HEADER = "external_ref,channel,case_type"


def read(text: str, fmt: Format = "csv") -> list[tuple[int, ItemInput | InvalidInput]]:
    return list(read_items(io.StringIO(text, newline=""), fmt, model=ItemInput, source="f.csv"))


def problems(rows: list[tuple[int, ItemInput | InvalidInput]]) -> list[tuple[int, str, str]]:
    """(line, field, message) of the rejected rows."""
    return [(n, r.field or "", r.message) for n, r in rows if isinstance(r, InvalidInput)]


def accepted(rows: list[tuple[int, ItemInput | InvalidInput]]) -> list[tuple[int, ItemInput]]:
    return [(n, r) for n, r in rows if isinstance(r, ItemInput)]


class TestFormatOf:
    @pytest.mark.parametrize(
        ("name", "fmt"),
        [("items.csv", "csv"), ("ITEMS.CSV", "csv"), ("a.b.jsonl", "jsonl"), ("x.JSONL", "jsonl")],
    )
    def test_by_extension(self, name: str, fmt: str) -> None:
        assert format_of(Path(name)) == fmt

    @pytest.mark.parametrize(
        ("name", "found"),
        [("items.json", "'.json'"), ("items.xlsx", "'.xlsx'"), ("items", "no extension")],
    )
    def test_anything_else_is_an_error_naming_the_file(self, name: str, found: str) -> None:
        with pytest.raises(InvalidInput) as caught:
            format_of(Path("in") / name)
        assert caught.value.field == f"in/{name}"
        assert caught.value.message == f"unsupported file type ({found}): use .csv or .jsonl"


class TestCsvHeader:
    def test_knows_the_documented_columns(self) -> None:
        assert COLUMNS == (
            "external_ref",
            "channel",
            "case_type",
            "subject",
            "description",
            "customer_external_id",
            "customer_name",
            "customer_email",
            "customer_language",
            "customer_segment",
            "amount",
            "priority",
            "area",
            "tier",
            "reason",
            "tags",
            "created_at",
        )

    def test_an_unknown_column_is_reported_once_before_any_row(self) -> None:
        text = f"{HEADER},colour\n" + "A-1,web,delivery_missing,red\n" * 3
        with pytest.raises(InvalidInput) as caught:
            read_items(io.StringIO(text), "csv", model=ItemInput, source="f.csv")
        assert caught.value.field == "f.csv"
        assert caught.value.message.startswith("unknown column 'colour' (known columns: ")

    def test_every_header_problem_in_one_message(self) -> None:
        with pytest.raises(InvalidInput) as caught:
            read("external_ref,chanel,case_type,case_type,,foo\n")
        assert caught.value.message.split("; ") == [
            "column 5 of the header has no name",
            "unknown columns 'chanel', 'foo' (known columns: " + ", ".join(COLUMNS) + ")",
            "repeated column 'case_type'",
            "missing required column 'channel'",
        ]

    def test_column_names_are_trimmed_and_a_bom_is_ignored(self) -> None:
        [(line, item)] = accepted(read("\ufeffexternal_ref , channel,case_type\nA-1,web,x\n"))
        assert (line, item.external_ref, item.channel.value) == (2, "A-1", "web")

    def test_columns_may_come_in_any_order_and_optional_ones_may_be_left_out(self) -> None:
        [(_, item)] = accepted(read("case_type,priority,channel,external_ref\nx,1,app,A-1\n"))
        assert (item.external_ref, item.priority, item.subject) == ("A-1", 1, None)

    def test_an_empty_file_has_no_rows(self) -> None:
        assert read("") == []
        assert read(HEADER + "\n") == []


class TestCsvRows:
    def test_a_full_row(self) -> None:
        text = (
            ",".join(COLUMNS)
            + '\nINV-1,email,invoice_dispute,Cobrança,"Duas, cobranças",C-1,Maria Silva,'
            "maria@example.com,pt-BR,gold,189.90,2,finance,backoffice_l2,double charge,"
            "billing; urgent,2026-03-01T10:00:00Z\n"
        )
        [(line, item)] = accepted(read(text))
        assert line == 2
        assert item.model_dump(exclude_none=True) == {
            "external_ref": "INV-1",
            "channel": "email",
            "case_type": "invoice_dispute",
            "subject": "Cobrança",
            "description": "Duas, cobranças",
            "customer": {
                "external_id": "C-1",
                "name": "Maria Silva",
                "email": "maria@example.com",
                "language": "pt-BR",
                "segment": "gold",
            },
            "amount": Decimal("189.90"),
            "priority": 2,
            "area": "finance",
            "tier": "backoffice_l2",
            "reason": "double charge",
            "tags": ["billing", "urgent"],
            "created_at": item.created_at,
        }
        assert item.created_at is not None
        assert item.created_at.isoformat() == "2026-03-01T10:00:00+00:00"

    def test_empty_and_blank_cells_are_absent(self) -> None:
        text = f"{HEADER},subject,customer_external_id,customer_name,priority,tags\n"
        text += "A-1,web,x,,  ,,,\n"
        [(_, item)] = accepted(read(text))
        assert (item.subject, item.customer, item.priority, item.tags) == (None, None, 3, [])

    def test_tags_are_split_on_semicolons_and_trimmed(self) -> None:
        [(_, item)] = accepted(read(f"{HEADER},tags\nA-1,web,x, a ;b;; c d ;\n"))
        assert item.tags == ["a", "b", "c d"]

    def test_a_customer_needs_its_external_id(self) -> None:
        rows = read(f"{HEADER},customer_name\nA-1,web,x,Maria\n")
        assert problems(rows) == [(2, "customer_external_id", "is required")]

    def test_errors_name_the_csv_column(self) -> None:
        text = f"{HEADER},customer_external_id,customer_email,amount,priority\n"
        text += "A-1,fax,x,,,,\n"
        text += "A-2,web,x,C-1,not-an-email,,\n"
        text += "A-3,web,x,,,-1,\n"
        text += "A-4,web,x,,,,urgent\n"
        text += ",web,x,,,,\n"
        assert [(line, field) for line, field, _ in problems(read(text))] == [
            (2, "channel"),
            (3, "customer_email"),
            (4, "amount"),
            (5, "priority"),
            (6, "external_ref"),
        ]

    def test_a_bad_row_stops_no_other_and_lines_count_blank_and_multiline_records(
        self,
    ) -> None:
        text = (
            f"{HEADER},description\n"  # line 1
            "A-1,web,x,one\n"  # 2
            "\n"  # 3: blank, skipped
            'A-2,web,x,"two\nlines"\n'  # 4-5
            "A-3,web\n"  # 6: too few cells
            "A-4,web,x,four,extra\n"  # 7: too many
            "A-5,web,x,five\n"  # 8
        )
        rows = read(text)
        assert [(n, r.external_ref) for n, r in accepted(rows)] == [
            (2, "A-1"),
            (4, "A-2"),
            (8, "A-5"),
        ]
        assert problems(rows) == [
            (6, "row", "has 2 cells, the header has 4"),
            (7, "row", "has 5 cells, the header has 4"),
        ]

    def test_a_nul_character_is_a_row_error_naming_the_column(self) -> None:
        # PostgreSQL text cannot hold NUL: such a row would fail its whole batch.
        rows = read(f"{HEADER},subject\nA-1,web,x,s\nA-2,web,x,bad\x00byte\nA-3,web,x,s\n")
        assert [n for n, _ in accepted(rows)] == [2, 4]
        assert problems(rows) == [(3, "subject", "must not contain the NUL character (U+0000)")]

    def test_rows_are_read_lazily(self) -> None:
        def lines() -> Iterator[str]:
            yield HEADER + "\n"
            yield "A-1,web,x\n"
            raise AssertionError("read past the first row")

        rows = read_items(lines(), "csv", model=ItemInput)
        assert next(rows)[0] == 2


class TestJsonLines:
    def test_one_body_per_line(self) -> None:
        text = (
            '{"external_ref": "A-1", "channel": "web", "case_type": "x", "amount": 189.9,'
            ' "customer": {"external_id": "C-1"}, "tags": ["a"]}\n'
            "\n"
            '{"external_ref": "A-2", "channel": "app", "case_type": "x"}\n'
        )
        rows = accepted(read(text, "jsonl"))
        assert [(n, r.external_ref) for n, r in rows] == [(1, "A-1"), (3, "A-2")]
        first = rows[0][1]
        assert first.amount == Decimal("189.9")  # exactly, not via a float
        assert first.customer is not None
        assert first.customer.external_id == "C-1"
        assert first.tags == ["a"]

    def test_bad_lines_are_reported_and_the_others_kept(self) -> None:
        text = (
            '{"external_ref": "A-1", "channel": "web", "case_type": "x"}\n'
            "{not json\n"
            "[1, 2]\n"
            '{"external_ref": "A-4", "channel": "web", "case_type": "x", "colour": "red"}\n'
            '{"external_ref": "A-5", "channel": "web", "case_type": "x",'
            ' "customer": {"external_id": "C", "email": "nope"}}\n'
            '{"external_ref": "A-6", "channel": "web", "case_type": "x", "tags": ["ok", ""]}\n'
            '{"external_ref": "A-7", "channel": "web", "case_type": "x"}\n'
        )
        rows = read(text, "jsonl")
        assert [n for n, _ in accepted(rows)] == [1, 7]
        found = problems(rows)
        assert found[0] == (
            2,
            "json",
            "not valid JSON: Expecting property name enclosed in double quotes (column 2)",
        )
        assert found[1] == (3, "json", "must be a JSON object (an item body)")
        assert found[2] == (4, "colour", "unknown field")
        assert found[3][:2] == (5, "customer.email")
        assert found[4][:2] == (6, "tags[1]")

    def test_a_nul_character_is_a_row_error_naming_the_field(self) -> None:
        text = (
            '{"external_ref": "A-1", "channel": "web", "case_type": "x",'
            ' "customer": {"external_id": "C", "name": "Ma\\u0000ria"}}\n'
            '{"external_ref": "A-2", "channel": "web", "case_type": "x", "tags": ["a\\u0000"]}\n'
            '{"external_ref": "A-3", "channel": "web", "case_type": "x",'
            ' "subject": "a literal \\\\u0000 is fine"}\n'
        )
        rows = read(text, "jsonl")
        assert problems(rows) == [
            (1, "customer.name", "must not contain the NUL character (U+0000)"),
            (2, "tags[0]", "must not contain the NUL character (U+0000)"),
        ]
        assert [n for n, _ in accepted(rows)] == [3]

    def test_a_bom_on_the_first_line_is_ignored(self) -> None:
        rows = read('\ufeff{"external_ref": "A-1", "channel": "web", "case_type": "x"}\n', "jsonl")
        assert [n for n, _ in accepted(rows)] == [1]
