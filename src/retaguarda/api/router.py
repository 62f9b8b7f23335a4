"""The /api/v1 router, assembled from routes/ (the app is built in asgi.py)."""

from __future__ import annotations

from fastapi import APIRouter

from retaguarda.api.routes import agents, items, people, reports, sla

router = APIRouter()
router.include_router(items.router)
router.include_router(sla.router)
router.include_router(agents.router)
router.include_router(reports.router)
router.include_router(people.router)
