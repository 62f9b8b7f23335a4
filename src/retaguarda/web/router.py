"""The web pages, assembled from routes/ (mounted beside the API in asgi.py)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles

from retaguarda.web import errors
from retaguarda.web.routes import admin, auth, dashboard, reports, work

STATIC = Path(__file__).parent / "static"

router = APIRouter(include_in_schema=False)
router.include_router(auth.router)
router.include_router(work.router)
router.include_router(dashboard.router)
router.include_router(admin.router)
router.include_router(reports.router)


def mount(app: FastAPI, *, api_prefixes: tuple[str, ...]) -> None:
    """Add the pages, their static files and their HTML error pages to `app`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    errors.install(app, api_prefixes=api_prefixes)
