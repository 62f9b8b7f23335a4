"""Composition root: builds the ASGI app from settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from sqlalchemy import Engine

from retaguarda import __version__
from retaguarda.api import errors
from retaguarda.api.router import router as api_router
from retaguarda.settings import Settings
from retaguarda.storage.db import make_engine
from retaguarda.web import router as web


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    """Build the app; the engine is made from settings unless one is given (tests, demo)."""
    settings = settings or Settings()
    owns_engine = engine is None
    engine = engine or make_engine(settings.database_url, echo=settings.sql_echo)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owns_engine:
            engine.dispose()

    app = FastAPI(
        title="retaguarda",
        version=__version__,
        openapi_url=f"{settings.api_prefix}/openapi.json",
        docs_url=f"{settings.api_prefix}/docs",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    errors.install(app)
    app.include_router(api_router, prefix=settings.api_prefix)
    web.mount(app, api_prefixes=(settings.api_prefix, "/health"))

    @app.get("/health", tags=["health"])
    def health() -> dict[str, str]:
        """Liveness and database reachability; needs no token."""
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok", "version": __version__}

    return app
