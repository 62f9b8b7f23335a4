"""The calendars of the issue's configuration example, parsed from the YAML as written."""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import yaml

from retaguarda.calendar import BusinessCalendar

EXAMPLE = """
calendars:
  - key: br-sp
    timezone: America/Sao_Paulo
    holidays: {country: BR, subdivision: SP}
    hours: {mon-fri: ["08:00-18:00"]}
    closed: ["2026-12-24", "2026-12-31"]
  - key: es-md
    timezone: Europe/Madrid
    holidays: {country: ES, subdivision: MD}
    hours: {mon-thu: ["09:00-14:00", "15:00-18:00"], fri: ["08:00-15:00"]}
  - key: always
    timezone: UTC
    hours: {mon-sun: ["00:00-24:00"]}
"""

SP = ZoneInfo("America/Sao_Paulo")
MADRID = ZoneInfo("Europe/Madrid")


def entries() -> list[dict[str, Any]]:
    loaded: dict[str, list[dict[str, Any]]] = yaml.safe_load(EXAMPLE)
    return loaded["calendars"]


@cache
def calendar(key: str) -> BusinessCalendar:
    """One calendar of the example, built once per test process."""
    (entry,) = [e for e in entries() if e["key"] == key]
    return BusinessCalendar.from_config(entry)


def sp(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SP)


def md(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=MADRID)
