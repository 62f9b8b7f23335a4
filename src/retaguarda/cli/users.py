"""`retaguarda users`: who may use retaguarda (users are declared by `config apply`)."""

from __future__ import annotations

import typer
from rich.table import Table
from rich.text import Text

from retaguarda.cli.common import console, database, one_line_errors, settings
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
