"""Translations for Terrain: per-request locale in a context variable, gettext catalogs.

Catalogs live in i18n/locales/<lang>/LC_MESSAGES/messages.po. They are compiled in memory
the first time a language is used, so no built .mo file has to be shipped or committed.

Source strings are English msgids: `_()` / `ngettext()` / `lazy_gettext()` translate now,
`N_()` only marks a string translated later. The literal msgid of an `AppError` subclass or
of `FieldProblem(code, msgid)` needs no marker (see i18n/extract.py, which also says how a
message becomes public). After adding msgids run `scripts/i18n`, then translate the gaps it
lists (i18n/catalogs.py).
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import LazyProxy

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "fr"
STAFF_LANGUAGES = ("fr", "nl", "en")
PUBLIC_LANGUAGES = ("fr", "nl", "en", "es", "ar", "it", "de", "pt", "tr", "ro")
# The formatting locale per catalog language (dates, numbers, currency).
FORMAT_LOCALES = {
    "fr": "fr_BE",
    "nl": "nl_BE",
    "en": "en_BE",
    "de": "de_BE",
    "es": "es_ES",
    "ar": "ar_MA",
    "it": "it_IT",
    "pt": "pt_PT",
    "tr": "tr_TR",
    "ro": "ro_RO",
}
# Each language in its own name, for the language picker (always visible on public pages).
LANGUAGE_NAMES = {
    "fr": "Français",
    "nl": "Nederlands",
    "en": "English",
    "es": "Español",
    "ar": "العربية",
    "it": "Italiano",
    "de": "Deutsch",
    "pt": "Português",
    "tr": "Türkçe",
    "ro": "Română",
}

# A mutable box per request: code running in a worker thread (sync dependencies get a copy
# of the context) can still change the language the response is written in.
_current: ContextVar[list[str] | None] = ContextVar("terrain_language", default=None)


def get_language() -> str:
    box = _current.get()
    return box[0] if box else DEFAULT_LANGUAGE


def begin_language_scope(language: str) -> Any:
    """Start a request's language scope; returns a token for end_language_scope."""
    return _current.set([_valid(language)])


def end_language_scope(token: Any) -> None:
    _current.reset(token)


def set_language(language: str) -> None:
    """Change the current scope's language (or start one when there is none)."""
    box = _current.get()
    if box is None:
        _current.set([_valid(language)])
    else:
        box[0] = _valid(language)


def _valid(language: str) -> str:
    return language if language in PUBLIC_LANGUAGES else DEFAULT_LANGUAGE


@cache
def translations(language: str) -> _gettext.NullTranslations:
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not path.exists():
        return _gettext.NullTranslations()
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=language)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return _gettext.GNUTranslations(buf)


def reload_catalogs() -> None:
    """Forget the compiled catalogs (after the .po files changed on disk)."""
    translations.cache_clear()
    _plural_rule.cache_clear()


def N_(message: str) -> str:
    """Mark a string for extraction without translating it (it is translated where used)."""
    return message


def N_plural(singular: str, plural: str) -> tuple[str, str]:
    """Mark a plural message for extraction; translate it later with ngettext(*forms, n)."""
    return singular, plural


def gettext(message: str) -> str:
    return translations(get_language()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return translations(get_language()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    return translations(get_language()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(get_language()).npgettext(context, singular, plural, n)


def plural_index(language: str, n: int) -> int:
    """Which plural form a count takes in a language (its catalog's Plural-Forms rule)."""
    return _plural_rule(language)(n)


@cache
def _plural_rule(language: str) -> Callable[[int], int]:
    forms = translations(language).info().get("plural-forms", "")
    _, found, expr = forms.partition("plural=")
    return _gettext.c2py(expr.strip().rstrip(";")) if found else _gettext.c2py("n != 1")


def lazy_gettext(message: str) -> LazyProxy:
    # enable_cache=False: a module-level label must follow each request's language.
    return LazyProxy(gettext, message, enable_cache=False)


def parse_accept_language(header: str | None) -> list[str]:
    """Language codes from an Accept-Language header, best first (q-values honoured)."""
    if not header:
        return []
    weighted: list[tuple[float, int, str]] = []
    for index, part in enumerate(header.split(",")):
        piece = part.strip()
        if not piece:
            continue
        tag, _, params = piece.partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            weighted.append((-q, index, tag.strip().lower()))
    return [tag for _, _, tag in sorted(weighted)]


def negotiate(header: str | None, available: tuple[str, ...] = STAFF_LANGUAGES) -> str | None:
    """The first available language matching the header ('nl-BE' matches 'nl')."""
    for tag in parse_accept_language(header):
        primary = tag.split("-")[0]
        if primary in available:
            return primary
    return None


def staff_language(profile: str | None, accept_language: str | None) -> str:
    """A staff user's language: their profile's, else the header's best staff language."""
    if profile in STAFF_LANGUAGES:
        return profile
    return negotiate(accept_language, STAFF_LANGUAGES) or DEFAULT_LANGUAGE
