"""The one error type of the calendar package.

Invariant: every mistake in a calendar's configuration or in a call (unknown time
zone, bad span, naive datetime, amount of the wrong kind) raises `CalendarError`
with a one-line message and `field` naming the offending configuration path or
argument (`hours.mon-fri[0]`, `holidays.subdivision`, `start`, `amount`).
"""

from __future__ import annotations


class CalendarError(ValueError):
    """A calendar configuration or a calendar call is wrong; `field` says where."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
