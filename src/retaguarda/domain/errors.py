"""Domain errors.

Invariant: every error a user can cause is one of these classes, carries a
human-readable message and, where one field is at fault, names it. Adapters map
the class to a status code or an exit code in exactly one table each.
"""

from __future__ import annotations

from collections.abc import Iterable


class DomainError(Exception):
    """Base class: `code` is the stable machine name, `message` the sentence for people."""

    code = "DomainError"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """A value is missing, malformed or refers to something that does not exist."""

    code = "InvalidInput"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field=field)


class NotFound(DomainError):
    """The thing asked for does not exist (or is outside what the caller may see)."""

    code = "NotFound"


class Conflict(DomainError):
    """The request clashes with the current state (e.g. a concurrent change)."""

    code = "Conflict"


class Forbidden(DomainError):
    """The caller's role or areas do not allow this."""

    code = "Forbidden"


class Unauthenticated(DomainError):
    """No valid credentials were presented."""

    code = "Unauthenticated"


class IllegalTransition(Conflict):
    """An action that the item's current status does not allow."""

    code = "IllegalTransition"

    def __init__(self, action: str, status: str, allowed: Iterable[str]) -> None:
        self.action = action
        self.status = status
        self.allowed = tuple(sorted(allowed))
        allowed_text = ", ".join(self.allowed) or "none"
        super().__init__(
            f"action {action!r} is not allowed when the item is {status!r}; "
            f"allowed actions: {allowed_text}",
            field="action",
        )
