"""CI checks on the catalogs: fresh extraction, completeness, placeholders, headers, plurals."""

from __future__ import annotations

import gettext
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog

import i18n
from i18n import catalogs
from i18n.catalogs import PLURAL_FORMS, po_path, read_catalog


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Catalog:
    """A template extracted now from the sources, with the real pybabel and our mapping."""
    return catalogs.extract_template(tmp_path_factory.mktemp("pot") / "messages.pot")


def _catalogs() -> Iterator[tuple[str, Catalog]]:
    for language in i18n.PUBLIC_LANGUAGES:
        yield language, read_catalog(po_path(language), language)


def test_extraction_is_not_stale(fresh: Catalog) -> None:
    assert catalogs.stale(fresh) == [], "run scripts/i18n and translate the new messages"


def test_staleness_is_detected() -> None:
    changed = read_catalog(catalogs.TEMPLATE)
    changed.add("A brand new message.", locations=[("api/x.py", None)])
    first = next(m for m in catalogs.messages(changed) if catalogs.is_public(m))
    first.auto_comments = []
    problems = catalogs.stale(changed)
    assert any("1 new message" in p for p in problems)
    assert any("1 changed message" in p for p in problems)


def test_extraction_finds_every_kind_of_msgid(fresh: Catalog) -> None:
    ids = {m.id for m in catalogs.messages(fresh)}
    # An AppError default, a literal passed to an AppError subclass, a FieldProblem msgid,
    # a _MESSAGES value and an N_() marked return value.
    assert {
        "Not found.",
        "Wrong e-mail or password.",
        "This is not a valid phone number.",
        "Too long: at most {max_length} characters.",
        "This password is too common. Choose another one.",
    } <= ids
    public = {m.id for m in catalogs.messages(fresh) if catalogs.is_public(m)}
    assert "This field is required." in public and "Not found." in public
    assert "Wrong e-mail or password." not in public


def test_staff_catalogs_are_complete() -> None:
    for language, catalog in _catalogs():
        if language in i18n.STAFF_LANGUAGES:
            assert catalogs.missing(language, catalog) == [], language
            assert not [m.id for m in catalog if m.id and m.fuzzy], language


def test_public_catalogs_contain_every_public_message() -> None:
    template = read_catalog(catalogs.TEMPLATE)
    public = [m.id for m in catalogs.messages(template) if catalogs.is_public(m)]
    assert len(public) > 30
    for language, catalog in _catalogs():
        assert catalogs.missing(language, catalog) == [], language
        for msgid in public:
            message = catalog.get(msgid)
            assert message is not None and catalogs.is_translated(message), (language, msgid)


def test_missing_reports_untranslated_and_fuzzy_entries() -> None:
    catalog = read_catalog(po_path("es"), "es")
    public = next(m for m in catalogs.messages(catalog) if catalogs.is_public(m))
    public.flags.add("fuzzy")
    staff_only = next(m for m in catalogs.messages(catalog) if not catalogs.is_public(m))
    assert catalogs.missing("es", catalog) == [public.id]
    staff_only.string = ""
    assert staff_only.id in catalogs.missing("fr", catalog)


def test_placeholders_match_and_babel_checkers_pass() -> None:
    for language, catalog in _catalogs():
        assert catalogs.placeholder_errors(language, catalog) == [], language


def test_placeholder_mismatch_is_caught() -> None:
    catalog = read_catalog(po_path("de"), "de")
    message = catalog.get("Must be at least {ge}.")
    assert message is not None
    message.string = "Mindestens {le}."
    assert catalogs.placeholder_errors("de", catalog)
    assert catalogs.placeholders("{a} {{literal}} {b!r} {0}") == {"a", "b!r", "0"}


def test_headers_carry_review_status_and_hand_checked_plural_forms() -> None:
    for language in i18n.PUBLIC_LANGUAGES:
        assert catalogs.header_errors(language) == [], language
        headers = catalogs.raw_headers(po_path(language))
        assert headers["X-Review-Status"]
    assert catalogs.raw_headers(po_path("tr"))["Plural-Forms"] == "nplurals=2; plural=(n != 1);"
    assert catalogs.raw_headers(po_path("ar"))["Plural-Forms"].startswith("nplurals=6;")
    assert catalogs.raw_headers(po_path("ro"))["Plural-Forms"].startswith("nplurals=3;")


@pytest.mark.parametrize("language", i18n.PUBLIC_LANGUAGES)
def test_plural_rule_agrees_with_cldr(language: str) -> None:
    """Each CLDR category of the formatting locale maps to one gettext form, all forms used."""
    count, expr = PLURAL_FORMS[language]
    rule = gettext.c2py(expr)
    cldr = Locale.parse(i18n.FORMAT_LOCALES[language])
    mapping: dict[str, set[int]] = {}
    for n in [*range(0, 1200), 1_000_000, 2_000_000]:
        mapping.setdefault(cldr.plural_form(n), set()).add(rule(n))
    assert all(len(forms) == 1 for forms in mapping.values()), mapping
    assert set().union(*mapping.values()) == set(range(count))


def test_update_keeps_translations_headers_and_is_idempotent(tmp_path: Path) -> None:
    template = read_catalog(catalogs.TEMPLATE)
    for language in ("fr", "ar", "en"):
        before = po_path(language).read_text(encoding="utf-8")
        updated = catalogs.updated_catalog(template, language, read_catalog(po_path(language)))
        out = tmp_path / f"{language}.po"
        status = catalogs.raw_headers(po_path(language))["X-Review-Status"]
        catalogs.write_catalog(updated, out, review_status=status)
        assert out.read_text(encoding="utf-8") == before, language


def test_a_new_plural_message_gets_every_form_of_the_language() -> None:
    template = read_catalog(catalogs.TEMPLATE)
    template.add(("{n} lead", "{n} leads"), locations=[("api/x.py", None)])
    arabic = catalogs.updated_catalog(template, "ar", None)
    message = arabic.get("{n} lead")
    assert message is not None and len(message.string) == 6
    english = catalogs.updated_catalog(template, "en", None)
    added = english.get("{n} lead")
    assert added is not None and added.string == ("{n} lead", "{n} leads")
    # The template itself was not changed by updating one language.
    original = template.get("{n} lead")
    assert original is not None and original.string == ("", "")


def test_check_command_is_clean(fresh: Catalog) -> None:
    assert catalogs.check(fresh) == []
