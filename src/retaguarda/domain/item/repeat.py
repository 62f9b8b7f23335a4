"""Repeat contacts: the `repeat_contacts` section of the configuration and the linking.

```yaml
repeat_contacts:
  within_days: 30             # 0 turns linking off
  match: [case_type, reason]  # the default: the same case type OR the same reason
```

Invariants:
- A new item repeats an earlier one when both have the same customer, the earlier
  was received at most `within_days` times 24 hours before it (the bound included) and at
  least one `match` field is equal (a reason left empty never matches).
- It is linked to the most recent such item. Items received at the same instant are
  ordered stored first (as given, by id), then the new ones in their batch order.
- Linking looks back only: an item received later never relinks one already stored.
- Pure: no I/O, no clock. `check` returns every problem with its path; `from_document`
  builds the settings of a checked section (absent: no linking).
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar

from retaguarda.domain.catalog import Problem

REPEAT_CONTACTS = "repeat_contacts"
FIELDS = ("case_type", "reason")
MAX_DAYS = 36_500
_KEYS = ("within_days", "match")
K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True, slots=True)
class RepeatContacts:
    """The checked settings; the default links nothing."""

    within_days: int = 0
    match: tuple[str, ...] = FIELDS

    @property
    def enabled(self) -> bool:
        return self.within_days > 0

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.within_days)


@dataclass(frozen=True, slots=True)
class Contact(Generic[K]):
    """One item as linking sees it, named by `key` (an item id, in practice)."""

    key: K
    customer: Hashable
    case_type: str
    reason: str | None
    created_at: datetime


def link(
    new: Sequence[Contact[K]], earlier: Sequence[Contact[K]], settings: RepeatContacts
) -> dict[K, K]:
    """For each new contact that repeats another, the key of the one it repeats.

    Args:
        new: the items being received, in batch order.
        earlier: stored items that may be repeated (at the same instant, in id order).
        settings: the window and the fields compared.

    Returns:
        new contact's key -> key of the most recent earlier or new contact it repeats.
    """
    if not settings.enabled:
        return {}
    timeline = sorted(
        [(c.created_at, 0, i, c) for i, c in enumerate(earlier)]
        + [(c.created_at, 1, i, c) for i, c in enumerate(new)],
        key=lambda entry: entry[:3],
    )
    seen: dict[Hashable, list[Contact[K]]] = {}
    links: dict[K, K] = {}
    for _, is_new, _, contact in timeline:
        before = seen.setdefault(contact.customer, [])
        if is_new:
            found = _latest_match(before, contact, settings)
            if found is not None:
                links[contact.key] = found.key
        before.append(contact)
    return links


def _latest_match(
    before: Sequence[Contact[K]], contact: Contact[K], settings: RepeatContacts
) -> Contact[K] | None:
    """The latest of `before` (in time order) that `contact` repeats."""
    since = contact.created_at - settings.window
    for candidate in reversed(before):
        if candidate.created_at < since:
            return None
        if is_repeat(contact, candidate, settings.match):
            return candidate
    return None


def is_repeat(contact: Contact[K], earlier: Contact[K], match: Sequence[str]) -> bool:
    """Whether the two share a customer and any of the `match` fields (time aside)."""
    if contact.customer != earlier.customer:
        return False
    return any(
        getattr(contact, name) is not None and getattr(contact, name) == getattr(earlier, name)
        for name in match
    )


# -- the configuration section ------------------------------------------------------


def check(document: Any) -> list[Problem]:
    """Every problem of a `repeat_contacts` section, with its path."""
    if not isinstance(document, Mapping):
        return [Problem(REPEAT_CONTACTS, "must be a mapping: {within_days: N, match: [...]}")]
    problems = [
        Problem(f"{REPEAT_CONTACTS}.{k}", "unknown key") for k in document if k not in _KEYS
    ]
    days = document.get("within_days")
    at = f"{REPEAT_CONTACTS}.within_days"
    if days is None:
        problems.append(Problem(at, "is required: days to look back (0 turns linking off)"))
    elif isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= MAX_DAYS:
        problems.append(Problem(at, f"must be a whole number of days, 0 to {MAX_DAYS}"))
    if "match" in document:
        problems += _check_match(document["match"])
    return problems


def _check_match(match: Any) -> list[Problem]:
    at = f"{REPEAT_CONTACTS}.match"
    if not isinstance(match, list) or not match:
        return [Problem(at, f"must be a list of one or more of {', '.join(FIELDS)}")]
    problems = []
    for i, name in enumerate(match):
        if name not in FIELDS:
            problems.append(
                Problem(f"{at}[{i}]", f"unknown field {name!r}; known: {', '.join(FIELDS)}")
            )
        elif name in match[:i]:
            problems.append(Problem(f"{at}[{i}]", f"duplicate {name!r}"))
    return problems


def from_document(document: Any | None) -> RepeatContacts:
    """The settings of a checked section (None: never configured, no linking)."""
    if document is None:
        return RepeatContacts()
    return RepeatContacts(
        within_days=document["within_days"], match=tuple(document.get("match", FIELDS))
    )
