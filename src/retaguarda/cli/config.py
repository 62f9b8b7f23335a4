"""`retaguarda config`: apply a YAML configuration file, export the current one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from retaguarda import clock
from retaguarda.cli.common import EXIT_INVALID, database, fail, one_line_errors, settings
from retaguarda.domain.catalog import Change
from retaguarda.services import config as config_service
from retaguarda.services.config import InvalidConfig
from retaguarda.services.uow import unit_of_work

app = typer.Typer(
    help="Declarative configuration: areas, tiers, skills, case types, agents and users.",
    no_args_is_help=True,
)


@app.command("apply")
@one_line_errors
def apply(
    file: Annotated[Path, typer.Argument(metavar="FILE.yaml", help="configuration to apply")],
) -> None:
    """Create or update what FILE declares; entries it does not name are kept.

    Applying the same file twice changes nothing. A file with any problem is
    reported (one `FILE: path: problem` line each) and nothing of it is applied.
    """
    text = read_text(file)
    with database(settings()) as engine:
        try:
            with unit_of_work(engine) as conn:
                changes = config_service.apply(conn, text, source=str(file), now=clock.now())
        except InvalidConfig as error:
            for line in error.lines():
                typer.echo(line, err=True)
            raise typer.Exit(EXIT_INVALID) from None
    for line in summary(str(file), changes):
        typer.echo(line)


@app.command("export")
@one_line_errors
def export() -> None:
    """Print the current configuration as YAML that `config apply` accepts."""
    with database(settings()) as engine, unit_of_work(engine) as conn:
        text = config_service.export(conn)
    typer.echo(text, nl=False)


def read_text(file: Path) -> str:
    """The file's UTF-8 text, or one `error:` line naming the file."""
    try:
        return file.read_text(encoding="utf-8")
    except OSError as error:
        raise fail(f"{file}: cannot read: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise fail(f"{file}: not UTF-8 text (byte {error.start})") from None


def summary(source: str, changes: list[Change]) -> list[str]:
    """One line per section and kind of change, then the totals (or `no changes`)."""
    if not changes:
        return [f"{source}: no changes"]
    groups: dict[tuple[str, str], list[str]] = {}
    for change in changes:
        groups.setdefault((change.section, change.kind), []).append(change.key)
    lines = [f"{section}: {kind} {', '.join(keys)}" for (section, kind), keys in groups.items()]
    created = sum(c.kind == "created" for c in changes)
    removed = sum(c.kind == "removed" for c in changes)
    total = f"{source}: {created} created, {len(changes) - created - removed} updated"
    lines.append(total + (f", {removed} removed" if removed else ""))
    return lines
