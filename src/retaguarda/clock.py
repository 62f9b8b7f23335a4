"""The one place adapters read the wall clock; the domain never does."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    """The current instant, UTC-aware."""
    return datetime.now(UTC)
