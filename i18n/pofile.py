"""Reading Babel catalogs: where each language's .po file is, its hand-checked plural
forms, and what counts as translated. The lowest layer of the i18n tooling: the catalog
workflow (`i18n.catalogs`) and the browser export (`i18n.jsexport`) both build on it."""

from __future__ import annotations

from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from i18n import LOCALES_DIR

# Checked by hand against the gettext manual and CLDR (Babel writes nplurals=1 for Turkish and
# three forms for French, Spanish and Italian, whose CLDR "many" only covers 1 000 000 and up).
# Portuguese follows pt_PT (0 is plural), like the formatting locale.
PLURAL_FORMS: dict[str, tuple[int, str]] = {
    "fr": (2, "(n > 1)"),
    "nl": (2, "(n != 1)"),
    "en": (2, "(n != 1)"),
    "es": (2, "(n != 1)"),
    "ar": (6, "(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5)"),
    "it": (2, "(n != 1)"),
    "de": (2, "(n != 1)"),
    "pt": (2, "(n != 1)"),
    "tr": (2, "(n != 1)"),
    "ro": (3, "(n==1 ? 0 : (n==0 || (n%100 > 0 && n%100 < 20)) ? 1 : 2)"),
}


def po_path(language: str) -> Path:
    return LOCALES_DIR / language / "LC_MESSAGES" / "messages.po"


def read_catalog(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as fp:
        return read_po(fp, locale=language)


def is_translated(message: Message) -> bool:
    if "fuzzy" in message.flags:
        return False
    return all(strings_of(message))


def strings_of(message: Message) -> list[str]:
    value = message.string
    if isinstance(value, str):
        return [value]
    return list(value or ())
