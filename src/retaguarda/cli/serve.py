"""`retaguarda serve`: run the HTTP server."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from retaguarda.cli.common import engine_for, fail, settings
from retaguarda.storage import migrate


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="server processes")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Serve the API (settings come from RETAGUARDA_* environment variables)."""
    cfg = settings()
    with engine_for(cfg) as engine:
        current, expected = migrate.current(engine), migrate.head()
    if current != expected:
        raise fail(
            f"database schema is at revision {current or 'none'}, this version needs {expected}: "
            "run `retaguarda db upgrade` first"
        )
    uvicorn.run(
        "retaguarda.asgi:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )
