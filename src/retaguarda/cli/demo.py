"""`retaguarda demo`: a generated back office on embedded SQLite, served at once."""

from __future__ import annotations

import os
import secrets
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from sqlalchemy import Engine

from retaguarda import clock
from retaguarda.cli import serve as serve_command
from retaguarda.cli.common import engine_for, err_console, one_line_errors
from retaguarda.services import account
from retaguarda.services import demo as demo_service
from retaguarda.services.uow import unit_of_work
from retaguarda.settings import Settings
from retaguarda.storage import migrate


@one_line_errors
def demo(
    db: Annotated[Path, typer.Option("--db", help="the demo's SQLite file")] = Path("demo.db"),
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    weeks: Annotated[
        int, typer.Option(min=1, max=52, help="weeks of history to generate")
    ] = demo_service.DEFAULT_WEEKS,
    seed: Annotated[
        int, typer.Option(help="random seed (the same seed at the same instant, the same history)")
    ] = demo_service.DEFAULT_SEED,
    reset: Annotated[bool, typer.Option("--reset", help="delete the demo database first")] = False,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="serve the API once the data is ready")
    ] = True,
) -> None:
    """Serve a generated back office on SQLite, with weeks of history and an admin token.

    The history is generated only into a database without items (or with --reset).
    """
    path = db.expanduser().resolve()
    if reset:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    cfg = Settings(database_url=f"sqlite:///{path}")
    with engine_for(cfg) as engine:
        migrate.upgrade(engine)
        with unit_of_work(engine) as conn:
            demo_service.apply_config(conn, now=clock.now())
            fresh = not demo_service.has_items(conn)
        typer.echo(f"demo database: {path}")
        if fresh:
            started = time.perf_counter()
            created = _generate(engine, weeks=weeks, seed=seed)
            elapsed = time.perf_counter() - started
            typer.echo(
                f"generated {created:,} items over {weeks} weeks (seed {seed}) in {elapsed:.1f} s"
            )
        else:
            typer.echo("kept the items already there (--reset starts afresh)")
        with unit_of_work(engine) as conn:
            summary = demo_service.summarize(conn)
            issued = account.create_token(conn, user="admin", label="demo", now=clock.now())
            # One fresh random password per run for every demo user: nothing to keep secret
            # in the repository, and the printed login always works.
            password = secrets.token_urlsafe(9)
            for user in account.list_users(conn):
                if user.role.value != "integration":
                    account.set_password(conn, user=user.name, password=password, now=clock.now())
    _print_summary(summary)
    base = f"http://{host}:{port}"
    typer.echo(f"dashboard: {base}/login?next=/dashboard")
    typer.echo(f"  sign in as marta (supervisor) or ana (specialist), password: {password}")
    typer.echo(f"API docs: {base}{cfg.api_prefix}/docs")
    typer.echo(f"health:   {base}/health")
    typer.echo(f"admin token: {issued.secret}")
    if serve:
        # The server builds its own settings from the environment.
        os.environ["RETAGUARDA_DATABASE_URL"] = cfg.database_url
        os.environ.setdefault("RETAGUARDA_TIMEZONE", getattr(demo_service.LOCAL, "key", "UTC"))
        serve_command.serve(host=host, port=port)


def _generate(engine: Engine, *, weeks: int, seed: int) -> int:
    with Progress(
        console=err_console, transient=True, disable=not err_console.is_terminal
    ) as progress:
        task = progress.add_task("generating history", total=None)

        def advance(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return demo_service.generate(
            engine, now=clock.now(), weeks=weeks, seed=seed, progress=advance
        )


def _print_summary(summary: demo_service.Summary) -> None:
    counts = ", ".join(f"{status} {count:,}" for status, count in summary.by_status.items())
    typer.echo(f"items: {summary.items:,} ({counts})")
    if summary.first_created and summary.last_created:
        first = summary.first_created.astimezone(demo_service.LOCAL)
        last = summary.last_created.astimezone(demo_service.LOCAL)
        typer.echo(
            f"created from {first:%Y-%m-%d %H:%M} to {last:%Y-%m-%d %H:%M} (America/Sao_Paulo)"
        )
    typer.echo(
        f"escalated: {summary.escalated:,} items, "
        f"{summary.reached_ombudsman:,} of them to the ombudsman"
    )
