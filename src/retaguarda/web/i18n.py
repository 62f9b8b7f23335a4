"""Languages of the web pages: Babel catalogs, negotiation and localised formatting.

Every visible string is an English msgid; `locale/<language>/*.po` hold the
translations, one file per part of the site (each merged into one catalog per
language). The .po files are compiled in memory when the app starts, so no
compiled .mo is kept in the repository.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
# Language tag shown and stored -> Babel locale identifier.
LANGUAGES = {"en": "en", "pt-BR": "pt_BR", "es": "es"}
DEFAULT = "en"
NATIVE_NAMES = {"en": "English", "pt-BR": "Português (Brasil)", "es": "Español"}


def N_(message: str) -> str:
    """Mark a msgid for extraction where it is translated later (labels in tables)."""
    return message


@cache
def translations(language: str) -> NullTranslations:
    """The merged catalog of `language` (English: the msgids themselves)."""
    ident = LANGUAGES[language]
    folder = LOCALE_DIR / ident
    merged: NullTranslations = NullTranslations()
    files = sorted(folder.glob("*.po")) if folder.is_dir() else []
    for number, path in enumerate(files):
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=ident)
        buffer = io.BytesIO()
        write_mo(buffer, catalog)
        buffer.seek(0)
        part = Translations(buffer, domain="messages")
        merged = part if number == 0 else _merge(merged, part)
    return merged


def _merge(into: NullTranslations, part: Translations) -> NullTranslations:
    assert isinstance(into, Translations)
    merged: NullTranslations = into.merge(part)
    return merged


def negotiate(accept_language: str | None) -> str:
    """The best of our languages for an Accept-Language header (else English)."""
    for tag in _preferred(accept_language or ""):
        primary = tag.split("-")[0]
        if primary == "pt":
            return "pt-BR"
        if primary in ("es", "en"):
            return primary
    return DEFAULT


def _preferred(header: str) -> Iterable[str]:
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0:
            weighted.append((-quality, position, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


@dataclass(frozen=True, slots=True)
class Formats:
    """Dates, numbers, money and durations in one language and time zone."""

    language: str
    timezone: ZoneInfo

    @property
    def locale(self) -> Locale:
        return Locale.parse(LANGUAGES[self.language])

    def datetime(self, value: dt.datetime | None, style: str = "short") -> str:
        if value is None:
            return "—"
        return format_datetime(value, style, tzinfo=self.timezone, locale=self.locale)

    def time(self, value: dt.datetime | None) -> str:
        if value is None:
            return "—"
        return format_time(value, "short", tzinfo=self.timezone, locale=self.locale)

    def date(self, value: dt.date | None, style: str = "medium") -> str:
        if value is None:
            return "—"
        return format_date(value, style, locale=self.locale)

    def number(self, value: float | int | Decimal | None, digits: int = 0) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "")
        return format_decimal(value, pattern, locale=self.locale)

    def percent(self, value: float | None, digits: int = 1) -> str:
        if value is None:
            return "—"
        pattern = "#,##0" + ("." + "0" * digits if digits else "") + "%"
        return format_percent(value, pattern, locale=self.locale)

    def money(self, value: Decimal | float | None, currency: str | None) -> str:
        if value is None:
            return "—"
        return format_currency(value, currency or "BRL", locale=self.locale)

    def business_duration(self, seconds: float | int | None) -> str:
        """`33 h 05 min`, `-40 min`: business time in hours, as a business day is not
        24 hours long (`1 d 9 h` would read as calendar days)."""
        if seconds is None:
            return "\u2014"
        sign = "\u2212" if seconds < 0 else ""  # minus sign
        hours, minutes = divmod(int(abs(seconds)) // 60, 60)
        return f"{sign}{hours} h {minutes:02d} min" if hours else f"{sign}{minutes} min"

    def duration(self, seconds: float | int | dt.timedelta | None) -> str:
        """`2 h 05 min`, `-40 min`, `3 d 4 h` (business or calendar time alike)."""
        if seconds is None:
            return "—"
        if isinstance(seconds, dt.timedelta):
            seconds = seconds.total_seconds()
        sign = "\u2212" if seconds < 0 else ""  # minus sign
        minutes = int(abs(seconds) // 60)
        days, rest = divmod(minutes, 24 * 60)
        hours, mins = divmod(rest, 60)
        if days:
            return f"{sign}{days} d {hours} h"
        if hours:
            return f"{sign}{hours} h {mins:02d} min"
        return f"{sign}{mins} min"
