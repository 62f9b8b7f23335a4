"""Small value helpers shared by the domain.

Invariant: every instant the domain handles is timezone-aware; naive datetimes
are rejected at the boundary rather than guessed at.
"""

from __future__ import annotations

from datetime import UTC, datetime

from retaguarda.domain.errors import InvalidInput


def require_aware(value: datetime, *, field: str) -> datetime:
    """Return `value` in UTC, or raise InvalidInput when it carries no offset."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidInput(field, "timestamp must carry a UTC offset (e.g. 2026-03-02T09:00:00Z)")
    return value.astimezone(UTC)
