"""The `retaguarda` command: one module per command group."""

from __future__ import annotations

import typer
from typer.exceptions import TyperException

from retaguarda.cli import (
    config,
    db,
    demo,
    forecast,
    importer,
    report,
    serve,
    sla,
    tokens,
    users,
    worker,
)
from retaguarda.cli.common import console, fail

app = typer.Typer(
    name="retaguarda",
    help="Customer-service back office: intake, SLA, distribution, indicators.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("serve")(serve.serve)
app.add_typer(db.app, name="db")
app.add_typer(config.app, name="config")
app.add_typer(users.app, name="users")
app.add_typer(tokens.app, name="tokens")
app.add_typer(importer.app, name="import")
app.add_typer(sla.app, name="sla")
app.add_typer(report.app, name="report")
app.command("demo")(demo.demo)
app.command("worker")(worker.worker)
app.command("forecast")(forecast.forecast)


def main() -> None:
    """Run the CLI; usage mistakes get one `error:` line and exit 2, like every other error."""
    try:
        code = app(standalone_mode=False)
    except TyperException as error:
        ctx = getattr(error, "ctx", None)
        if type(error).__name__ == "NoArgsIsHelpError" and ctx is not None:
            console.print(ctx.get_help(), markup=False, highlight=False)
            raise SystemExit(0) from None
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        hint = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
        exit_code = getattr(error, "exit_code", 2)
        raise SystemExit(fail(f"{message}{hint}", code=exit_code).exit_code) from None
    except typer.Abort:
        raise SystemExit(130) from None
    raise SystemExit(code if isinstance(code, int) else 0)
