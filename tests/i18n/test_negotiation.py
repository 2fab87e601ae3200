"""Language negotiation, per-request scopes and lazy strings (no app needed)."""

from __future__ import annotations

import i18n


def test_accept_language_is_ordered_by_q_value_then_position() -> None:
    header = "nl;q=0.5, ar;q=0.9, fr-BE, de;q=0, en;q=0.5"
    assert i18n.parse_accept_language(header) == ["fr-be", "ar", "nl", "en"]
    assert i18n.parse_accept_language(None) == []
    assert i18n.parse_accept_language("es;q=oops, it") == ["it"]


def test_public_tier_takes_arabic_staff_tier_falls_back_to_dutch() -> None:
    header = "nl;q=0.5, ar;q=0.9"
    assert i18n.negotiate(header, i18n.PUBLIC_LANGUAGES) == "ar"
    assert i18n.negotiate(header, i18n.STAFF_LANGUAGES) == "nl"
    assert i18n.negotiate("zh, ja;q=0.8", i18n.PUBLIC_LANGUAGES) is None
    assert i18n.negotiate("nl-BE", i18n.STAFF_LANGUAGES) == "nl"


def test_staff_language_prefers_the_profile_then_the_header() -> None:
    assert i18n.staff_language("nl", "fr, en") == "nl"
    # A profile outside the staff tier is not used for staff screens.
    assert i18n.staff_language("ar", "nl;q=0.5, ar;q=0.9") == "nl"
    assert i18n.staff_language(None, None) == i18n.DEFAULT_LANGUAGE


def test_language_scope_translates_and_restores() -> None:
    token = i18n.begin_language_scope("nl")
    try:
        assert i18n.get_language() == "nl"
        assert i18n.gettext("Not found.") == "Niet gevonden."
        i18n.set_language("ar")
        assert i18n.gettext("Not found.") == "غير موجود."
        i18n.set_language("xx")  # unknown → default
        assert i18n.get_language() == i18n.DEFAULT_LANGUAGE
    finally:
        i18n.end_language_scope(token)


def test_lazy_strings_follow_each_language_instead_of_caching_the_first() -> None:
    label = i18n.lazy_gettext("This field is required.")
    seen = []
    for language in ("fr", "nl", "tr", "fr"):
        token = i18n.begin_language_scope(language)
        try:
            seen.append(str(label))
        finally:
            i18n.end_language_scope(token)
    assert seen == [
        "Ce champ est obligatoire.",
        "Dit veld is verplicht.",
        "Bu alan zorunludur.",
        "Ce champ est obligatoire.",
    ]


def test_compiled_catalogs_use_the_hand_checked_plural_rules() -> None:
    # French counts 0 as singular, Arabic has six forms, Romanian three.
    assert [i18n.plural_index("fr", n) for n in (0, 1, 2)] == [0, 0, 1]
    assert [i18n.plural_index("ar", n) for n in (0, 1, 2, 3, 11, 100)] == [0, 1, 2, 3, 4, 5]
    assert [i18n.plural_index("ro", n) for n in (1, 0, 19, 20, 101)] == [0, 1, 1, 2, 1]
    token = i18n.begin_language_scope("fr")
    try:
        # A msgid missing from the catalog falls back to the English forms.
        assert (
            i18n.ngettext("{n} unknown widget", "{n} unknown widgets", 2) == "{n} unknown widgets"
        )
    finally:
        i18n.end_language_scope(token)


def test_marker_returns_its_argument_untranslated() -> None:
    assert i18n.N_("Not found.") == "Not found."


def test_every_language_has_a_name_in_itself_and_a_format_locale() -> None:
    assert set(i18n.LANGUAGE_NAMES) == set(i18n.PUBLIC_LANGUAGES) == set(i18n.FORMAT_LOCALES)
    assert i18n.LANGUAGE_NAMES["ar"] == "العربية"
    assert set(i18n.STAFF_LANGUAGES) < set(i18n.PUBLIC_LANGUAGES)
