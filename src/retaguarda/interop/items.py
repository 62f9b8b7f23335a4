"""Items from CSV and JSON-lines files, one result per row.

Files are read lazily, row by row, so any size streams in constant memory. Each
row becomes either a validated input or the `InvalidInput` that says why not, so
one bad row never stops the others. Only problems of the whole file (an unknown,
missing or repeated CSV column; an unsupported extension) raise, before any row.

The validating model is passed in (`services.intake.ItemInput` in practice):
interop sits below services in the layers and must not import them.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from retaguarda.domain.errors import InvalidInput

M = TypeVar("M", bound=BaseModel)
Format = Literal["csv", "jsonl"]
Row = tuple[int, M | InvalidInput]

FORMATS: dict[str, Format] = {".csv": "csv", ".jsonl": "jsonl"}
CUSTOMER_COLUMNS = {
    "customer_external_id": "external_id",
    "customer_name": "name",
    "customer_email": "email",
    "customer_language": "language",
    "customer_segment": "segment",
}
COLUMNS = (
    "external_ref",
    "channel",
    "case_type",
    "subject",
    "description",
    *CUSTOMER_COLUMNS,
    "amount",
    "priority",
    "area",
    "tier",
    "reason",
    "tags",
    "created_at",
)
REQUIRED_COLUMNS = ("external_ref", "channel", "case_type")
TAG_SEPARATOR = ";"


def format_of(path: Path) -> Format:
    """The format of `path`, decided by its extension.

    Raises:
        InvalidInput: the extension is neither `.csv` nor `.jsonl` (field: the path).
    """
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        found = repr(path.suffix) if path.suffix else "no extension"
        raise InvalidInput(str(path), f"unsupported file type ({found}): use .csv or .jsonl")
    return fmt


def read_items(
    lines: Iterable[str], fmt: Format, *, model: type[M], source: str = "file"
) -> Iterator[Row[M]]:
    """Rows of an items file as `(line number, input or error)`, in file order.

    Args:
        lines: the file's text, line by line (open CSV files with `newline=""`).
        fmt: `csv` or `jsonl`.
        model: the pydantic model each row is validated into.
        source: the file's name, used as the field of whole-file errors.

    Raises:
        InvalidInput: the CSV header is unusable (checked here, before any row).
    """
    if fmt == "csv":
        return read_csv(lines, model=model, source=source)
    return read_jsonl(lines, model=model)


def read_csv(lines: Iterable[str], *, model: type[M], source: str = "file") -> Iterator[Row[M]]:
    """CSV rows with a header of `COLUMNS` names; empty cells mean absent.

    Line numbers are those of the line where each record starts (the header is
    line 1), so records with quoted line breaks keep the numbers an editor shows.
    """
    reader = csv.reader(iter(lines))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise InvalidInput(source, f"header is not valid CSV: {error}") from None
    if header is None:
        return iter(())
    columns = [name.strip().removeprefix("\ufeff") for name in header]
    problems = _header_problems(columns)
    if problems:
        raise InvalidInput(source, "; ".join(problems))
    return _csv_rows(reader, columns, model)


def _header_problems(columns: Sequence[str]) -> list[str]:
    known = set(COLUMNS)
    problems: list[str] = []
    blank = [str(i) for i, name in enumerate(columns, start=1) if not name]
    if blank:
        problems.append(f"column {', '.join(blank)} of the header has no name")
    unknown = [name for name in columns if name and name not in known]
    if unknown:
        listed = ", ".join(repr(name) for name in unknown)
        noun = "column" if len(unknown) == 1 else "columns"
        problems.append(f"unknown {noun} {listed} (known columns: {', '.join(COLUMNS)})")
    repeated = sorted({name for name in columns if name and columns.count(name) > 1})
    if repeated:
        problems.append(f"repeated column {', '.join(repr(name) for name in repeated)}")
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        problems.append(f"missing required column {', '.join(repr(name) for name in missing)}")
    return problems


def _csv_rows(reader: Any, columns: list[str], model: type[M]) -> Iterator[Row[M]]:
    layout = CsvLayout.of(columns)
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield line, InvalidInput("row", f"not valid CSV: {error}")
            continue
        if not cells or (len(cells) == 1 and not cells[0].strip()):
            continue  # blank line
        if len(cells) != len(columns):
            yield (
                line,
                InvalidInput("row", f"has {len(cells)} cells, the header has {len(columns)}"),
            )
            continue
        yield line, validate(layout.body(cells), model, field_of=csv_field)


@dataclass(frozen=True, slots=True)
class CsvLayout:
    """Where each part of an item body sits in a record, worked out once per file."""

    plain: tuple[tuple[int, str], ...]
    customer: tuple[tuple[int, str], ...]
    tags: int | None

    @classmethod
    def of(cls, columns: Sequence[str]) -> CsvLayout:
        return cls(
            plain=tuple(
                (i, name)
                for i, name in enumerate(columns)
                if name not in CUSTOMER_COLUMNS and name != "tags"
            ),
            customer=tuple(
                (i, CUSTOMER_COLUMNS[name])
                for i, name in enumerate(columns)
                if name in CUSTOMER_COLUMNS
            ),
            tags=columns.index("tags") if "tags" in columns else None,
        )

    def body(self, cells: Sequence[str]) -> dict[str, Any]:
        """One record as an item body: empty cells dropped, customer nested, tags split."""
        body: dict[str, Any] = {
            name: v for i, name in self.plain if (v := cells[i]) and not v.isspace()
        }
        customer = {key: v for i, key in self.customer if (v := cells[i]) and not v.isspace()}
        if customer:
            body["customer"] = customer
        if self.tags is not None and (tags := cells[self.tags]) and not tags.isspace():
            body["tags"] = [t.strip() for t in tags.split(TAG_SEPARATOR) if t and not t.isspace()]
        return body


def csv_field(loc: Sequence[int | str]) -> str:
    """The CSV column a validation error points at: `("customer", "email")` -> `customer_email`."""
    if not loc:
        return "row"
    if loc[0] == "customer":
        return f"customer_{loc[1]}" if len(loc) > 1 else "customer_external_id"
    return str(loc[0])


def read_jsonl(lines: Iterable[str], *, model: type[M]) -> Iterator[Row[M]]:
    """JSON lines: one item body (as for POST /api/v1/items) per non-blank line."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            # Decimal keeps amounts exact (189.9 must not become 189.89999…).
            body = json.loads(line.removeprefix("\ufeff"), parse_float=Decimal)
        except json.JSONDecodeError as error:
            yield (
                number,
                InvalidInput("json", f"not valid JSON: {error.msg} (column {error.colno})"),
            )
            continue
        if not isinstance(body, dict):
            yield number, InvalidInput("json", "must be a JSON object (an item body)")
            continue
        yield number, validate(body, model, field_of=json_field)


def json_field(loc: Sequence[int | str]) -> str:
    """A validation error's path in a JSON body: `("customer", "email")` -> `customer.email`."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "item"


def validate(
    body: dict[str, Any], model: type[M], *, field_of: Callable[[Sequence[int | str]], str]
) -> M | InvalidInput:
    """`body` as a `model`, or the first problem with it as an InvalidInput."""
    try:
        return model.model_validate(body)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        message = {"missing": "is required", "extra_forbidden": "unknown field"}.get(
            first["type"], first["msg"]
        )
        return InvalidInput(field_of(first["loc"]), message)
