"""`retaguarda users`: who may use retaguarda (users are declared by `config apply`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from retaguarda import clock
from retaguarda.cli.common import console, database, fail, one_line_errors, settings
from retaguarda.services import account
from retaguarda.services.uow import unit_of_work

app = typer.Typer(
    help="Users. They are created and changed by `retaguarda config apply` (section `users`).",
    invoke_without_command=True,
)


@app.callback()
def users(ctx: typer.Context) -> None:
    """List users (the same as `users list`)."""
    if ctx.invoked_subcommand is None:
        list_users()


@app.command("list")
@one_line_errors
def list_users() -> None:
    """List users: name, role, linked agent and areas."""
    with database(settings()) as engine, unit_of_work(engine) as conn:
        found = account.list_users(conn)
    if not found:
        typer.echo("no users: declare them in a configuration file (`retaguarda config apply`)")
        return
    table = Table("name", "role", "agent", "areas")
    for user in found:
        cells = (user.name, user.role.value, user.agent or "", ", ".join(user.areas))
        table.add_row(*(Text(cell) for cell in cells))
    console.print(table)


@app.command("set-password")
@one_line_errors
def set_password(
    name: Annotated[str, typer.Argument(help="the user's name")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="read the password from the first line of stdin"),
    ] = False,
) -> None:
    """Set a user's password for the web pages (asked twice unless --password-stdin).

    The password is stored as an argon2id hash; the user's open web sessions end.
    """
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise fail("password: empty")
    with database(settings()) as engine, unit_of_work(engine) as conn:
        account.set_password(conn, user=name, password=password, now=clock.now())
    typer.echo(f"password set for {name}")
