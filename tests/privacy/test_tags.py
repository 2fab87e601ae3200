"""Every text column says whether it holds personal data, so the access export and the
erasure (generated from the tags) cannot forget a new one."""

from __future__ import annotations

from api.privacy.catalog import LEAD_LINKS, OTHER_SUBJECTS, tables, unlinked_personal_tables
from sync.personal import is_tagged
from tests.privacy.scan import is_text


def test_every_text_column_is_tagged_personal_or_plain() -> None:
    untagged = [
        f"{t.name}.{c.name}" for t in tables() for c in t.columns if is_text(c) and not is_tagged(c)
    ]
    assert untagged == [], (
        "tag these columns in their models.py with sync.personal.tag(...): personal "
        "(with its kind) or plain"
    )


def test_every_table_with_personal_columns_is_linked_to_a_person_or_explained() -> None:
    assert unlinked_personal_tables() == []


def test_the_catalog_names_real_tables_and_columns() -> None:
    names = {t.name: t for t in tables()}
    for name, (column, _how) in LEAD_LINKS.items():
        assert column in names[name].c
    assert set(OTHER_SUBJECTS) <= set(names)
