"""The `reports` configuration section: the time zone of report days and the
calendar whose business days "backlog in days" averages over.

```yaml
reports:
  timezone: America/Sao_Paulo   # default: the calendar's zone, else UTC
  calendar: br-sp               # default: the first calendar of the SLA configuration
```
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from retaguarda.domain.catalog import Problem

REPORTS = "reports"
_KEYS = ("timezone", "calendar")


@dataclass(frozen=True, slots=True)
class ReportSettings:
    timezone: str | None = None
    calendar: str | None = None


def check(document: Any) -> list[Problem]:
    """Every problem of a `reports` section, with its path (the calendar key is
    checked against the SLA configuration when a report needs it)."""
    if not isinstance(document, Mapping):
        return [Problem(REPORTS, "must be a mapping: {timezone: ZONE, calendar: KEY}")]
    problems = [Problem(f"{REPORTS}.{k}", "unknown key") for k in document if k not in _KEYS]
    zone = document.get("timezone")
    if zone is not None and (not isinstance(zone, str) or not _is_zone(zone)):
        problems.append(
            Problem(f"{REPORTS}.timezone", f"unknown time zone {zone!r} (e.g. America/Sao_Paulo)")
        )
    calendar = document.get("calendar")
    if calendar is not None and (not isinstance(calendar, str) or not calendar):
        problems.append(Problem(f"{REPORTS}.calendar", "must be a calendar key"))
    return problems


def from_document(document: Any | None) -> ReportSettings:
    """The settings of a checked section (None: never configured, the defaults)."""
    if document is None:
        return ReportSettings()
    return ReportSettings(timezone=document.get("timezone"), calendar=document.get("calendar"))


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
