"""Which columns hold personal data: a tag in each column's SQLAlchemy `info`.

The access export and the erasure of a person (api/privacy) are generated from these tags,
and tests/privacy/test_tags.py fails when a text or JSON column is tagged neither personal
nor plain, so a new column cannot be forgotten by either of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Any

from sqlalchemy import Column, Table


class Kind(StrEnum):
    """What kind of personal data a column holds (the export groups by it)."""

    identity = "identity"  # names
    contact = "contact"  # phone numbers, e-mail addresses
    profile = "profile"  # what the person told about themselves and their project
    sensitive = "sensitive"  # target-group markers (GDPR Art. 9 for migrant background)
    free_text = "free_text"  # notes anyone typed: may name anyone
    copy = "copy"  # values copied from other columns (conflicts, rejected mutations)
    staff = "staff"  # staff accounts (not the people Terrain is about)
    network = "network"  # client addresses, even hashed


TAG = "personal"
PLAIN = None  # explicitly not personal


def tag(
    model: Any,
    *,
    personal: Mapping[str, Kind] | None = None,
    plain: Iterable[str] = (),
) -> None:
    """Tag columns of a model's table: `personal` maps names to their kind, `plain` names
    columns that hold no personal data. Unknown names are an error (a renamed column)."""
    table: Table = model.__table__
    for name, kind in (personal or {}).items():
        table.c[name].info[TAG] = Kind(kind)
    for name in plain:
        table.c[name].info[TAG] = PLAIN


def is_tagged(column: Column[Any]) -> bool:
    return TAG in column.info


def kind_of(column: Column[Any]) -> Kind | None:
    """The column's kind of personal data, None when it holds none (or is untagged)."""
    value = column.info.get(TAG)
    return Kind(value) if value is not None else None


def personal_columns(table: Table) -> list[Column[Any]]:
    return [c for c in table.columns if kind_of(c) is not None]
