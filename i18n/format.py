"""Dates, times, numbers and money in the request's language (Babel, Europe/Brussels).

Catalogs are keyed by language only; the formatting locale comes from FORMAT_LOCALES
(`fr` → `fr_BE`, `ar` → `ar_MA` …). Every function takes an optional `language`, else the
current request's.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from functools import cache
from typing import Literal

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers

from i18n import DEFAULT_LANGUAGE, FORMAT_LOCALES, get_language

TIME_ZONE = babel_dates.get_timezone("Europe/Brussels")
CURRENCY = "EUR"

Width = Literal["short", "medium", "long", "full"]
Number = int | float | Decimal


@cache
def format_locale(language: str | None = None) -> Locale:
    """The Babel locale used to format values for a catalog language."""
    code = FORMAT_LOCALES.get(language or DEFAULT_LANGUAGE, FORMAT_LOCALES[DEFAULT_LANGUAGE])
    return Locale.parse(code)


def _locale(language: str | None) -> Locale:
    return format_locale(language or get_language())


def text_direction(language: str) -> Literal["ltr", "rtl"]:
    """'rtl' for right-to-left scripts (Arabic), from CLDR through Babel."""
    return "rtl" if Locale.parse(language).text_direction == "rtl" else "ltr"


def _aware(value: dt.datetime) -> dt.datetime:
    # Stored timestamps are UTC; a naive one is read as UTC rather than guessed local.
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def format_date(
    value: dt.date | dt.datetime, width: Width = "medium", *, language: str | None = None
) -> str:
    """A calendar date; a datetime is first converted to Brussels time."""
    if isinstance(value, dt.datetime):
        value = _aware(value).astimezone(TIME_ZONE).date()
    return babel_dates.format_date(value, format=width, locale=_locale(language))


def format_time(value: dt.datetime, width: Width = "short", *, language: str | None = None) -> str:
    return babel_dates.format_time(
        _aware(value), format=width, tzinfo=TIME_ZONE, locale=_locale(language)
    )


def format_datetime(
    value: dt.datetime, width: Width = "medium", *, language: str | None = None
) -> str:
    """A moment, shown in Brussels time."""
    return babel_dates.format_datetime(
        _aware(value), format=width, tzinfo=TIME_ZONE, locale=_locale(language)
    )


def format_number(value: Number, *, language: str | None = None) -> str:
    return babel_numbers.format_decimal(value, locale=_locale(language))


def format_percent(value: Number, *, language: str | None = None) -> str:
    """0.25 → '25 %' (in French)."""
    return babel_numbers.format_percent(value, locale=_locale(language))


def format_currency(
    amount: Number, currency: str = CURRENCY, *, language: str | None = None
) -> str:
    return babel_numbers.format_currency(amount, currency, locale=_locale(language))
