"""Report tables as files: a CSV per table, one XLSX workbook, and chart PNGs.

Where the numbers come from is not this module's business: it takes
`domain.kpi.tables.Table` values (already validated: one value of the right kind
per column) and PNG bytes (`interop.charts`).

CSV (`write_csv`): UTF-8 without a byte-order mark, the csv module's default
dialect (comma, `"` quoting when needed, CRLF line ends), one header row of
column labels. A missing value (`None`) is an empty field. Dates and datetimes are
ISO 8601 (datetimes keep their UTC offset). Numbers use a dot and no exponent nor
thousands separator: floats in their shortest round-trip form, ratios as decimals
(0.875, not 87.5 %), Decimals as written.

XLSX (`write_xlsx`): one sheet per table, named from its key (at most 31
characters, unique), header row in bold and frozen, autofilter on, column widths
fitted to the content, the title in the printed page header. Cells hold real
numbers and dates, each with the number format of its column's unit (a ratio
0.875 shows as 87.5 %). Excel has no time zones, so datetimes are written as the
wall time in `tz` (UTC unless told).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, tzinfo
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from retaguarda.domain.kpi.tables import KEY_PATTERN, Column, Table, Unit

SHEET_NAME_LIMIT = 31
MAX_COLUMN_WIDTH = 60
NUMBER_FORMATS: dict[Unit, str] = {
    Unit.COUNT: "#,##0",
    Unit.NUMBER: "#,##0.00",
    Unit.RATIO: "0.0%",
    Unit.PERCENT: '0.0"%"',
    Unit.SECONDS: "#,##0",
    Unit.MINUTES: "#,##0.0",
    Unit.HOURS: "#,##0.0",
    Unit.DAYS: "#,##0.0",
    Unit.MONEY: "#,##0.00",
    Unit.DATE: "yyyy-mm-dd",
    Unit.DATETIME: "yyyy-mm-dd hh:mm:ss",
    Unit.TEXT: "General",
}
"""The Excel number format of each unit's cells."""


def csv_text(value: object) -> str:
    """The CSV field for one table value (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, date):  # datetime included: isoformat keeps the offset
        return value.isoformat()
    if isinstance(value, float):
        return format(Decimal(repr(value)), "f")
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def write_csv(table: Table, path: Path) -> Path:
    """Write `table` as CSV at `path` (replacing any file) and return `path`."""
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(column.label for column in table.columns)
        for row in table.rows:
            writer.writerow(csv_text(value) for value in row)
    return path


def sheet_names(keys: Iterable[str]) -> list[str]:
    """A sheet name per key: the key cut to 31 characters, made unique with `-2`, `-3`...

    Excel compares sheet names without case, and so does this.
    """
    names: list[str] = []
    taken: set[str] = set()
    for key in keys:
        name, number = key[:SHEET_NAME_LIMIT], 1
        while name.lower() in taken:
            number += 1
            suffix = f"-{number}"
            name = key[: SHEET_NAME_LIMIT - len(suffix)] + suffix
        taken.add(name.lower())
        names.append(name)
    return names


def cell_value(value: object, unit: Unit, tz: tzinfo) -> object:
    """The value to store in a cell: aware datetimes become wall time in `tz`."""
    if unit is Unit.DATETIME and isinstance(value, datetime):
        return value.astimezone(tz).replace(tzinfo=None)
    return value


def display_width(value: object, unit: Unit) -> int:
    """About how many characters Excel shows for `value` in a column of `unit`."""
    if value is None:
        return 0
    if unit is Unit.DATETIME:
        return 19
    if isinstance(value, str | date):
        return max((len(line) for line in str(value).splitlines()), default=0)
    if not isinstance(value, int | float | Decimal):
        return len(str(value))
    number = float(value)
    if unit is Unit.RATIO:
        return len(f"{number * 100:.1f}%")
    decimals = 0 if unit in (Unit.COUNT, Unit.SECONDS) else 2
    return len(f"{number:,.{decimals}f}")


def column_widths(table: Table) -> list[int]:
    """A width per column that fits its label and its widest value, within bounds."""
    widths = []
    for position, column in enumerate(table.columns):
        widest = max(
            (display_width(row[position], column.unit) for row in table.rows),
            default=0,
        )
        widths.append(min(max(widest, len(column.label)) + 3, MAX_COLUMN_WIDTH))
    return widths


def _add_sheet(workbook: Workbook, name: str, table: Table, tz: tzinfo) -> None:
    """Append one write-only sheet holding `table`."""
    sheet = workbook.create_sheet(title=name)
    sheet.freeze_panes = "A2"
    sheet.print_title_rows = "1:1"
    sheet.oddHeader.center.text = table.title
    for number, width in enumerate(column_widths(table), start=1):
        sheet.column_dimensions[get_column_letter(number)].width = width
    last = f"{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    sheet.auto_filter.ref = f"A1:{last}"
    sheet.append(_header_cells(sheet, table.columns))
    for row in table.rows:
        sheet.append(_row_cells(sheet, table.columns, row, tz))


def _header_cells(sheet: object, columns: Sequence[Column]) -> list[WriteOnlyCell]:
    bold = Font(bold=True)
    cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=column.label)
        cell.font = bold
        cells.append(cell)
    return cells


def _row_cells(
    sheet: object, columns: Sequence[Column], row: Sequence[object], tz: tzinfo
) -> list[WriteOnlyCell]:
    cells = []
    for column, value in zip(columns, row, strict=True):
        cell = WriteOnlyCell(sheet, value=cell_value(value, column.unit, tz))
        cell.number_format = NUMBER_FORMATS[column.unit]
        cells.append(cell)
    return cells


def write_xlsx(tables: Sequence[Table], path: Path, *, tz: tzinfo = UTC) -> Path:
    """Write every table as a sheet of one workbook at `path`; return `path`.

    Raises:
        ValueError: `tables` is empty (a workbook needs at least one sheet).
    """
    if not tables:
        raise ValueError("a workbook needs at least one table")
    workbook = Workbook(write_only=True)
    for name, table in zip(sheet_names(t.key for t in tables), tables, strict=True):
        _add_sheet(workbook, name, table, tz)
    workbook.save(path)
    return path


def _check_names(tables: Sequence[Table], charts: Mapping[str, bytes]) -> None:
    keys = [table.key for table in tables]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ValueError(f"table keys repeat, their CSV files would collide: {repeated}")
    bad = sorted(name for name in charts if not KEY_PATTERN.match(name))
    if bad:
        raise ValueError(f"chart names must be slugs (a-z, 0-9, '_', '-'): {bad}")


def write_all(
    tables: Sequence[Table],
    charts: Mapping[str, bytes],
    out_dir: Path,
    *,
    workbook: str = "report.xlsx",
    tz: tzinfo = UTC,
) -> list[Path]:
    """Write a report into `out_dir` (created if missing) and return the files, in order.

    The files are `<table.key>.csv` per table, then the `workbook` with every
    table (only when there is a table), then `<name>.png` per chart, whose values
    are PNG bytes (`interop.charts`). Existing files of those names are replaced.

    Raises:
        ValueError: two tables share a key, or a chart name is not a slug; checked
            before anything is written.
    """
    _check_names(tables, charts)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = [write_csv(table, out_dir / f"{table.key}.csv") for table in tables]
    if tables:
        written.append(write_xlsx(tables, out_dir / workbook, tz=tz))
    for name, png in charts.items():
        chart_path = out_dir / f"{name}.png"
        chart_path.write_bytes(png)
        written.append(chart_path)
    return written
