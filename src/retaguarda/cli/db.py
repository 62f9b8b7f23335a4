"""`retaguarda db`: schema migrations."""

from __future__ import annotations

import typer

from retaguarda.cli.common import console, engine_for, settings
from retaguarda.storage import migrate

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def upgrade(revision: str = typer.Argument("head", help="target revision")) -> None:
    """Bring the database schema up to date (safe to run again)."""
    cfg = settings()
    with engine_for(cfg) as engine:
        migrate.upgrade(engine, revision)
        console.print(f"database at revision {migrate.current(engine)}")
