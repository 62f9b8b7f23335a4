"""`retaguarda import`: bring items in from CSV or JSON-lines files, in bulk."""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Annotated, BinaryIO

import typer
from rich.progress import Progress, TextColumn
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from retaguarda import clock
from retaguarda.cli.common import (
    CLI_PRINCIPAL,
    EXIT_FAILED,
    database,
    err_console,
    fail,
    one_line_errors,
    settings,
)
from retaguarda.domain.access import Principal
from retaguarda.domain.errors import DomainError, InvalidInput
from retaguarda.interop import items as item_files
from retaguarda.services import account, intake
from retaguarda.services.intake import ItemInput
from retaguarda.services.uow import unit_of_work

app = typer.Typer(help="Import data from files.", no_args_is_help=True)

BATCH_SIZE = 2_000

Row = tuple[int, ItemInput | InvalidInput]


@dataclass
class Tally:
    """What an import did so far."""

    created: int = 0
    existing: int = 0
    rejected: list[tuple[int, DomainError]] = field(default_factory=list)


@app.command("items")
@one_line_errors
def import_items(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="a .csv or .jsonl file of items")],
    as_user: Annotated[
        str | None,
        typer.Option(
            "--as",
            metavar="USER",
            help="act as this configured user (its role decides what is allowed); "
            "default: the built-in admin `cli`",
        ),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="rows per transaction")
    ] = BATCH_SIZE,
) -> None:
    """Create the items of FILE that are not yet known (by channel and external_ref).

    Rows are committed in batches, so a failure later loses nothing already
    stored and running the same file again resumes (stored rows count as
    existing). Exit code 0 when every row was accepted, 1 when some were rejected.
    """
    fmt = item_files.format_of(file)
    with opened(file) as (raw, text), database(settings()) as engine:
        principal = acting(engine, as_user)
        tally = run(engine, file, fmt, raw, text, principal=principal, batch_size=batch_size)
    typer.echo(
        f"{file}: {tally.created} created, {tally.existing} existing, "
        f"{len(tally.rejected)} rejected"
    )
    for line, error in tally.rejected:
        where = f"{error.field}: " if error.field else ""
        typer.echo(f"line {line}: {where}{error.message}")
    if tally.rejected:
        raise typer.Exit(EXIT_FAILED)


@contextmanager
def opened(file: Path) -> Iterator[tuple[BinaryIO, io.TextIOWrapper]]:
    """The file as bytes (for progress) and as UTF-8 text (a BOM is skipped)."""
    try:
        raw = file.open("rb")
    except OSError as error:
        raise fail(f"{file}: cannot read: {error.strerror or error}") from None
    with raw, io.TextIOWrapper(raw, encoding="utf-8-sig", newline="") as text:
        yield raw, text


def acting(engine: Engine, name: str | None) -> Principal:
    """The principal the import acts as: the user `name`, or the built-in `cli`."""
    if name is None:
        return CLI_PRINCIPAL
    with unit_of_work(engine) as conn:
        return account.principal_of(conn, name)


def run(
    engine: Engine,
    file: Path,
    fmt: item_files.Format,
    raw: BinaryIO,
    text: io.TextIOWrapper,
    *,
    principal: Principal,
    batch_size: int,
) -> Tally:
    """Read the file and feed its rows to intake, one transaction per batch.

    Progress (by bytes read) goes to stderr when that is a terminal.
    """
    tally = Tally()
    total = file.stat().st_size
    progress = Progress(
        *Progress.get_default_columns(),
        TextColumn("{task.fields[rows]:,} rows"),
        console=err_console,
        disable=not err_console.is_terminal,
    )
    with progress:
        task = progress.add_task(f"importing {file.name}", total=total or None, rows=0)
        done = 0
        try:
            rows = item_files.read_items(text, fmt, model=ItemInput, source=str(file))
            for batch in batches(rows, batch_size):
                store(engine, batch, principal=principal, tally=tally)
                done += len(batch)
                progress.update(task, completed=raw.tell(), rows=done)
        except UnicodeDecodeError as error:
            raise fail(
                f"{file}: not UTF-8 text ({error.reason}); the first {done} rows were processed"
            ) from None
        except SQLAlchemyError as error:
            reason = " ".join(str(getattr(error, "orig", None) or error).split())
            raise fail(
                f"database error after {done} rows, which are stored ({reason}); "
                "run the same import again to continue (stored rows count as existing)"
            ) from None
    return tally


def store(engine: Engine, batch: list[Row], *, principal: Principal, tally: Tally) -> None:
    """Intake one batch in its own transaction and count the outcome."""
    with unit_of_work(engine) as conn:
        results = intake.intake(
            conn, [row for _, row in batch], principal=principal, now=clock.now()
        )
    for result in results:
        if result.status == "created":
            tally.created += 1
        elif result.status == "existing":
            tally.existing += 1
        elif result.error is not None:
            tally.rejected.append((batch[result.index][0], result.error))


def batches(rows: Iterable[Row], size: int) -> Iterator[list[Row]]:
    """Consecutive lists of `size` rows (the last one shorter)."""
    iterator = iter(rows)
    while batch := list(islice(iterator, size)):
        yield batch
