"""Units of a target and the checking of amounts, for one value or an array.

Invariants:
- Day units take whole numbers: `business_days` at least 1 (the day of receipt never
  counts, so 0 would name no day), `calendar_days` at least 0.
- Hour units take any amount >= 0 whose value in seconds is whole: ints exactly,
  `Decimal`/`Fraction` exactly, floats when `amount * 3600` is within a microsecond of
  a whole number (so 0.5 and 0.1 pass, 1/7 does not). The scalar and the array paths
  apply the same float arithmetic, so they accept and round the same amounts.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from numbers import Integral, Real

import numpy as np
import numpy.typing as npt

from retaguarda.calendar.errors import CalendarError

I64 = npt.NDArray[np.int64]
_TOLERANCE = 1e-6  # seconds
# Far beyond any table (which ends in 2199) and far inside int64.
_MAX_DAYS = 1_000_000
_MAX_SECONDS = 2**40


class Unit(StrEnum):
    BUSINESS_DAYS = "business_days"
    BUSINESS_HOURS = "business_hours"
    CALENDAR_DAYS = "calendar_days"
    CALENDAR_HOURS = "calendar_hours"

    @property
    def is_days(self) -> bool:
        return self in (Unit.BUSINESS_DAYS, Unit.CALENDAR_DAYS)


def parse_unit(value: object) -> Unit:
    try:
        return Unit(str(value))
    except ValueError:
        known = ", ".join(u.value for u in Unit)
        raise CalendarError(f"unknown unit {value!r}; known: {known}", field="unit") from None


def _minimum(unit: Unit) -> int:
    return 1 if unit is Unit.BUSINESS_DAYS else 0


def amount_value(amount: object, unit: Unit) -> int:
    """A scalar amount as whole days (day units) or whole seconds (hour units)."""
    if isinstance(amount, bool) or not isinstance(amount, Real | Decimal):
        raise CalendarError(f"must be a number, got {amount!r}", field="amount")
    if unit.is_days:
        whole = _whole(amount)
        if whole is None or whole < _minimum(unit):
            raise CalendarError(_days_message(unit, amount), field="amount")
        if whole > _MAX_DAYS:
            raise CalendarError(f"{amount!r} days is too large", field="amount")
        return whole
    seconds = _seconds(amount)
    if seconds is None:
        raise CalendarError(f"{amount!r} hours is not a whole number of seconds", field="amount")
    if seconds < 0:
        raise CalendarError(f"must be 0 or more, got {amount!r}", field="amount")
    if seconds > _MAX_SECONDS:
        raise CalendarError(f"{amount!r} hours is too large", field="amount")
    return seconds


def _days_message(unit: Unit, amount: object) -> str:
    if unit is Unit.BUSINESS_DAYS:
        return (
            f"business_days needs a whole number of at least 1 "
            f"(the day of receipt never counts), got {amount!r}"
        )
    return f"calendar_days needs a whole number of at least 0, got {amount!r}"


def _exact(amount: Real | Decimal) -> Fraction | None:
    try:
        if isinstance(amount, Decimal | Fraction):
            return Fraction(amount)
        return Fraction(float(amount))
    except (ValueError, OverflowError):  # NaN, infinities
        return None


def _whole(amount: Real | Decimal) -> int | None:
    if isinstance(amount, Integral):
        return int(amount)
    exact = _exact(amount)
    return int(exact) if exact is not None and exact.denominator == 1 else None


def _seconds(amount: Real | Decimal) -> int | None:
    if isinstance(amount, Integral):
        return int(amount) * 3600
    if isinstance(amount, Decimal | Fraction):
        exact = _exact(amount)
        if exact is None:
            return None
        exact *= 3600
        return int(exact) if exact.denominator == 1 else None
    value = float(amount) * 3600.0
    if not np.isfinite(value):
        return None
    nearest = round(value)
    return nearest if abs(value - nearest) <= _TOLERANCE else None


def amount_array(amount: npt.ArrayLike, unit: Unit, size: int) -> I64 | int:
    """A scalar (returned as an int) or one amount per item (an int64 array of `size`)."""
    values = np.asarray(amount)
    if values.ndim == 0:
        return amount_value(values.item(), unit)
    values = values.ravel()
    if len(values) != size:
        raise CalendarError(
            f"has {len(values)} amounts for {size} items; give one, or one per item",
            field="amount",
        )
    if values.dtype.kind in "iu":
        limit = _MAX_DAYS if unit.is_days else _MAX_SECONDS // 3600
        if len(values) and int(values.max()) > limit:
            raise CalendarError(f"{values.max().item()!r} is too large", field="amount")
        result = values.astype(np.int64)
        if not unit.is_days:
            result = result * 3600
    elif values.dtype.kind == "f":
        result = _float_array(values.astype(np.float64), unit)
    elif values.dtype.kind == "O" and all(
        isinstance(v, Real | Decimal) and not isinstance(v, bool) for v in values
    ):
        # Decimal or Fraction amounts (from configuration): checked as floats.
        result = _float_array(values.astype(np.float64), unit)
    else:
        raise CalendarError(f"must be numbers, got an array of {values.dtype}", field="amount")
    if len(result) and int(result.max()) > (_MAX_DAYS if unit.is_days else _MAX_SECONDS):
        raise CalendarError(f"{result.max().item()!r} is too large", field="amount")
    low = _minimum(unit)
    if len(result) and int(result.min()) < low:
        first = int(np.flatnonzero(result < low)[0])
        if unit.is_days:
            raise CalendarError(_days_message(unit, values[first].item()), field="amount")
        raise CalendarError(f"must be 0 or more, got {values[first].item()!r}", field="amount")
    return result


def _float_array(values: npt.NDArray[np.float64], unit: Unit) -> I64:
    scaled = values if unit.is_days else values * 3600.0
    nearest = np.rint(scaled)
    tolerance = 0.0 if unit.is_days else _TOLERANCE
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(scaled) | (np.abs(scaled - nearest) > tolerance)
        bad |= np.abs(scaled) > 2.0**62
    if bad.any():
        value = values[int(np.flatnonzero(bad)[0])].item()
        if unit.is_days:
            raise CalendarError(_days_message(unit, value), field="amount")
        raise CalendarError(f"{value!r} hours is not a whole number of seconds", field="amount")
    return nearest.astype(np.int64)
