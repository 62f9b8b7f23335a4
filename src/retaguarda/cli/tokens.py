"""`retaguarda tokens`: issue, list and revoke API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from retaguarda import clock
from retaguarda.cli.common import console, database, one_line_errors, settings
from retaguarda.services import account
from retaguarda.services.uow import unit_of_work

app = typer.Typer(
    help="API tokens (sent as `Authorization: Bearer <token>`).", no_args_is_help=True
)


@app.command("create")
@one_line_errors
def create(
    user: Annotated[str, typer.Option("--user", help="the user the token acts as")],
    label: Annotated[str | None, typer.Option(help="a note to recognise the token by")] = None,
) -> None:
    """Issue a token for USER; the token is the last line printed, and only this once."""
    with database(settings()) as engine, unit_of_work(engine) as conn:
        issued = account.create_token(conn, user=user, label=label, now=clock.now())
    typer.echo(
        f"token {issued.id} for user {user} (prefix {issued.prefix}); "
        "it is shown only now, store it safely:"
    )
    typer.echo(issued.secret)


@app.command("list")
@one_line_errors
def list_tokens(
    user: Annotated[str | None, typer.Option("--user", help="only this user's tokens")] = None,
) -> None:
    """List tokens: id, user, prefix, label, created, revoked (never the secrets)."""
    with database(settings()) as engine, unit_of_work(engine) as conn:
        if user is not None:
            account.principal_of(conn, user)  # an unknown user is an error, not an empty list
        found = account.list_tokens(conn, user=user)
    if not found:
        typer.echo("no tokens" + (f" for user {user}" if user else ""))
        return
    table = Table("id", "user", "prefix", "label", "created", "revoked")
    for token in found:
        cells = (
            str(token.id),
            token.user,
            token.prefix,
            token.label or "",
            when(token.created_at),
            when(token.revoked_at),
        )
        table.add_row(*(Text(cell) for cell in cells))
    console.print(table)


@app.command("revoke")
@one_line_errors
def revoke(
    ident: Annotated[
        str, typer.Argument(metavar="ID_OR_PREFIX", help="token id or printed prefix (rtg_…)")
    ],
) -> None:
    """Revoke a token by its id or its prefix; requests with it are refused from now on."""
    with database(settings()) as engine, unit_of_work(engine) as conn:
        count = account.revoke_token(conn, ident=ident, now=clock.now())
    typer.echo(f"revoked token {ident}" if count == 1 else f"revoked {count} tokens {ident}")


def when(moment: datetime | None) -> str:
    """A timestamp for a table cell, in UTC to the second (empty for none)."""
    return "" if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
