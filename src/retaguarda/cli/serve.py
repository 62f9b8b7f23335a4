"""`retaguarda serve`: run the HTTP server."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from retaguarda.cli.common import database, settings


def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="server processes")] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
) -> None:
    """Serve the API (settings come from RETAGUARDA_* environment variables)."""
    with database(settings()):
        pass  # refuse to start on an unreachable database or an outdated schema
    uvicorn.run(
        "retaguarda.asgi:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )
