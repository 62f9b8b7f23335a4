"""The `retaguarda` command: one module per command group."""

from __future__ import annotations

import typer

from retaguarda.cli import db, serve

app = typer.Typer(
    name="retaguarda",
    help="Customer-service back office: intake, SLA, distribution, indicators.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")


def main() -> None:
    app()
