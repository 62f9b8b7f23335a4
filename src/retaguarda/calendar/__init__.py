"""Business calendars: working time, holidays and deadlines, exact to the second.

Invariants:
- Pure: no I/O beyond zoneinfo's and holidays' own data, no clock reads, and no import
  from the rest of retaguarda (import-linter: the lowest layer).
- `BusinessCalendar.add`/`between` (scalar) and `add_many`/`between_many` (NumPy bulk)
  agree item by item. Units and rules: docs/sla.md.
"""

from __future__ import annotations

from retaguarda.calendar.errors import CalendarError
from retaguarda.calendar.explain import DayInfo
from retaguarda.calendar.model import MISSING, BusinessCalendar
from retaguarda.calendar.units import Unit

__all__ = ["MISSING", "BusinessCalendar", "CalendarError", "DayInfo", "Unit"]
