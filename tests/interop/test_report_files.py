"""Report tables as CSV and XLSX files, read back with the csv module and openpyxl."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from retaguarda.domain.kpi.tables import Column, Table, Unit
from retaguarda.interop.report_files import (
    csv_text,
    sheet_names,
    write_all,
    write_csv,
    write_xlsx,
)

BRASILIA = timezone(timedelta(hours=-3))
COLUMNS = (
    Column("day", "Period end", Unit.DATE),
    Column("area", "Área", Unit.TEXT),
    Column("open", "Open items", Unit.COUNT),
    Column("within_sla", "Within SLA", Unit.RATIO),
    Column("aht", "Handling time (h)", Unit.HOURS),
    Column("amount", "Amount disputed", Unit.MONEY),
    Column("oldest", "Oldest received at", Unit.DATETIME),
)
KPI = Table(
    "kpi",
    "Indicators by area",
    COLUMNS,
    (
        (
            date(2026, 3, 31),
            'Cobrança, "dupla" e ação',
            12,
            0.875,
            1.5,
            Decimal("1234.50"),
            datetime(2026, 3, 2, 12, 30, tzinfo=UTC),
        ),
        (date(2026, 3, 31), "Retention", 0, None, 0.00001, Decimal("0"), None),
    ),
)
EMPTY = Table("pareto", "Pareto of reasons", (Column("reason", "Reason", Unit.TEXT),))


def wall(*fields: int) -> datetime:
    """A naive datetime: what openpyxl reads back, since Excel cells carry no zone."""
    return datetime(*fields)  # noqa: DTZ001 - the point of the helper


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream))


class TestCsv:
    def test_writes_labels_then_one_line_per_row(self, tmp_path: Path) -> None:
        rows = read_csv(write_csv(KPI, tmp_path / "kpi.csv"))

        assert rows == [
            [
                "Period end",
                "Área",
                "Open items",
                "Within SLA",
                "Handling time (h)",
                "Amount disputed",
                "Oldest received at",
            ],
            [
                "2026-03-31",
                'Cobrança, "dupla" e ação',
                "12",
                "0.875",
                "1.5",
                "1234.50",
                "2026-03-02T12:30:00+00:00",
            ],
            ["2026-03-31", "Retention", "0", "", "0.00001", "0", ""],
        ]

    def test_is_utf8_without_byte_order_mark(self, tmp_path: Path) -> None:
        data = write_csv(KPI, tmp_path / "kpi.csv").read_bytes()

        assert data.startswith(b"Period end,\xc3\x81rea,")

    def test_writes_only_the_header_for_a_table_without_rows(self, tmp_path: Path) -> None:
        assert read_csv(write_csv(EMPTY, tmp_path / "e.csv")) == [["Reason"]]

    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (None, ""),
            (0.1, "0.1"),
            (1e-7, "0.0000001"),
            (1e16, "10000000000000000"),
            (2 / 3, "0.6666666666666666"),
            (Decimal("1E+3"), "1000"),
            (date(2026, 1, 5), "2026-01-05"),
            (datetime(2026, 1, 5, 9, tzinfo=BRASILIA), "2026-01-05T09:00:00-03:00"),
            (7, "7"),
        ],
    )
    def test_formats_values(self, value: object, text: str) -> None:
        assert csv_text(value) == text


def open_sheet(path: Path, name: str) -> Worksheet:
    sheet = load_workbook(path)[name]
    assert isinstance(sheet, Worksheet)
    return sheet


class TestXlsx:
    def test_has_one_sheet_per_table_named_by_key(self, tmp_path: Path) -> None:
        path = write_xlsx([KPI, EMPTY], tmp_path / "r.xlsx")

        assert load_workbook(path).sheetnames == ["kpi", "pareto"]

    def test_header_is_the_labels_in_bold_and_frozen(self, tmp_path: Path) -> None:
        sheet = open_sheet(write_xlsx([KPI], tmp_path / "r.xlsx"), "kpi")

        header = sheet[1]
        assert [cell.value for cell in header] == [column.label for column in COLUMNS]
        assert all(cell.font.b for cell in header)
        assert not sheet["A2"].font.b
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == "A1:G3"
        assert sheet.oddHeader.center.text == "Indicators by area"

    def test_cells_hold_typed_values(self, tmp_path: Path) -> None:
        sheet = open_sheet(write_xlsx([KPI], tmp_path / "r.xlsx"), "kpi")

        day, area, count, share, hours, amount, oldest = (cell.value for cell in sheet[2])
        assert day == wall(2026, 3, 31)  # openpyxl reads every date cell as a datetime
        assert area == 'Cobrança, "dupla" e ação'
        assert count == 12
        assert isinstance(count, int)
        assert share == 0.875
        assert hours == 1.5
        assert amount == 1234.5
        assert oldest == wall(2026, 3, 2, 12, 30)
        assert [cell.value for cell in sheet[3]][3] is None

    def test_number_formats_follow_the_units(self, tmp_path: Path) -> None:
        sheet = open_sheet(write_xlsx([KPI], tmp_path / "r.xlsx"), "kpi")

        formats = [cell.number_format for cell in sheet[2]]
        assert formats == [
            "yyyy-mm-dd",
            "General",
            "#,##0",
            "0.0%",
            "#,##0.0",
            "#,##0.00",
            "yyyy-mm-dd hh:mm:ss",
        ]
        assert sheet["A2"].is_date
        assert sheet["G2"].is_date

    def test_datetimes_show_the_wall_time_of_the_zone_asked_for(self, tmp_path: Path) -> None:
        sheet = open_sheet(write_xlsx([KPI], tmp_path / "r.xlsx", tz=BRASILIA), "kpi")

        assert sheet["G2"].value == wall(2026, 3, 2, 9, 30)

    def test_column_widths_fit_label_and_content(self, tmp_path: Path) -> None:
        sheet = open_sheet(write_xlsx([KPI], tmp_path / "r.xlsx"), "kpi")

        widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFG"}
        assert widths["B"] == len('Cobrança, "dupla" e ação') + 3
        assert widths["C"] == len("Open items") + 3
        assert widths["G"] == len("2026-03-02 12:30:00") + 3  # wider than its label
        assert widths["A"] == len("Period end") + 3

    def test_a_table_without_rows_is_a_header_only(self, tmp_path: Path) -> None:
        sheet = open_sheet(write_xlsx([EMPTY], tmp_path / "r.xlsx"), "pareto")

        assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [["Reason"]]

    def test_refuses_an_empty_workbook(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match="at least one table"):
            write_xlsx([], tmp_path / "r.xlsx")

    def test_long_keys_become_distinct_sheet_names(self, tmp_path: Path) -> None:
        long = "sla_compliance_by_area_and_case_type"
        tables = [Table(f"{long}_{n}", "T", COLUMNS[:1]) for n in (1, 2)]

        names = load_workbook(write_xlsx(tables, tmp_path / "r.xlsx")).sheetnames

        assert names == ["sla_compliance_by_area_and_case", "sla_compliance_by_area_and_ca-2"]


class TestSheetNames:
    @pytest.mark.parametrize(
        ("keys", "names"),
        [
            (["backlog", "flow"], ["backlog", "flow"]),
            (["a" * 40], ["a" * 31]),
            (["a" * 40, "a" * 35], ["a" * 31, "a" * 29 + "-2"]),
            (["a" * 40, "a" * 35, "a" * 32], ["a" * 31, "a" * 29 + "-2", "a" * 29 + "-3"]),
            (["flow", "flow"], ["flow", "flow-2"]),
        ],
        ids=["short", "cut", "cut and clash", "three clash", "same key"],
    )
    def test_cuts_to_31_and_keeps_names_distinct(self, keys: list[str], names: list[str]) -> None:
        assert sheet_names(keys) == names


class TestWriteAll:
    def test_writes_csvs_then_workbook_then_charts(self, tmp_path: Path) -> None:
        out = tmp_path / "report" / "2026-03"

        paths = write_all([KPI, EMPTY], {"backlog": b"\x89PNG fake"}, out)

        assert paths == [
            out / "kpi.csv",
            out / "pareto.csv",
            out / "report.xlsx",
            out / "backlog.png",
        ]
        assert read_csv(out / "pareto.csv") == [["Reason"]]
        assert load_workbook(out / "report.xlsx").sheetnames == ["kpi", "pareto"]
        assert (out / "backlog.png").read_bytes() == b"\x89PNG fake"

    def test_without_tables_writes_no_workbook(self, tmp_path: Path) -> None:
        assert write_all([], {"pareto": b"png"}, tmp_path) == [tmp_path / "pareto.png"]

    def test_names_the_workbook_as_asked(self, tmp_path: Path) -> None:
        paths = write_all([EMPTY], {}, tmp_path, workbook="indicadores.xlsx")

        assert paths == [tmp_path / "pareto.csv", tmp_path / "indicadores.xlsx"]

    def test_refuses_repeated_table_keys_before_writing(self, tmp_path: Path) -> None:
        with pytest.raises(ValueError, match=r"\['pareto'\]"):
            write_all([EMPTY, EMPTY], {}, tmp_path / "out")

        assert not (tmp_path / "out").exists()

    @pytest.mark.parametrize("name", ["../escape", "Backlog", "a b", ""])
    def test_refuses_a_chart_name_that_is_not_a_slug(self, tmp_path: Path, name: str) -> None:
        with pytest.raises(ValueError, match="slug"):
            write_all([], {name: b"png"}, tmp_path / "out")

        assert not (tmp_path / "out").exists()
