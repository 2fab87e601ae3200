"""Formatting helpers: Brussels time, the table of formatting locales, text direction."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import i18n
from i18n import format as fmt

NNBSP, NBSP = "\u202f", "\xa0"


def test_datetimes_are_shown_in_brussels_time() -> None:
    summer = dt.datetime(2026, 7, 1, 12, 0, tzinfo=dt.UTC)
    winter = dt.datetime(2026, 1, 15, 12, 0, tzinfo=dt.UTC)
    assert fmt.format_time(summer, language="fr") == "14:00"
    assert fmt.format_time(winter, language="nl") == "13:00"
    assert fmt.format_datetime(summer, "short", language="de") == "01.07.26, 14:00"
    # Naive values are read as UTC.
    assert fmt.format_time(summer.replace(tzinfo=None), language="fr") == "14:00"


def test_a_late_utc_evening_is_the_next_day_in_brussels() -> None:
    late = dt.datetime(2026, 1, 1, 23, 30, tzinfo=dt.UTC)
    assert fmt.format_date(late, language="fr") == "2 janv. 2026"
    assert fmt.format_date(dt.date(2026, 1, 1), "long", language="nl") == "1 januari 2026"


def test_numbers_and_money_use_the_formatting_locale() -> None:
    assert fmt.format_number(1234.5, language="fr") == f"1{NNBSP}234,5"
    assert fmt.format_number(1234.5, language="nl") == "1.234,5"
    assert fmt.format_currency(Decimal("1234.50"), language="fr") == f"1{NNBSP}234,50{NBSP}€"
    assert fmt.format_currency(1234.5, language="nl") == f"€{NBSP}1.234,50"
    assert fmt.format_percent(0.25, language="fr") == f"25{NBSP}%"


def test_the_request_language_is_the_default() -> None:
    token = i18n.begin_language_scope("nl")
    try:
        assert fmt.format_number(1234.5) == "1.234,5"
        assert str(fmt.format_locale()) == "fr_BE"  # no argument: the default language
        assert str(fmt.format_locale("ar")) == "ar_MA"
    finally:
        i18n.end_language_scope(token)


def test_text_direction() -> None:
    assert fmt.text_direction("ar") == "rtl"
    assert [fmt.text_direction(code) for code in i18n.PUBLIC_LANGUAGES].count("rtl") == 1
