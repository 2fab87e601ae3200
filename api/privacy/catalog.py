"""Where a person's rows are: the tables that hold a lead id, and what erasure does there.

Together with the column tags (sync/personal.py) this is all the access export and the
erasure know; tests/privacy/test_tags.py fails when a table with personal columns is in
none of these lists.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Table
from sqlmodel import SQLModel

import api.models  # noqa: F401  (every table in the metadata)
from sync.personal import Kind, kind_of, personal_columns


class Erase(StrEnum):
    tombstone = "tombstone"  # kept without personal data: phones need the id to drop it
    delete = "delete"
    unlink = "unlink"  # the lead id is cleared, the row stays (the request register)


# table -> (column holding the lead id, what erasure does to the rows)
LEAD_LINKS: dict[str, tuple[str, Erase]] = {
    "lead": ("id", Erase.tombstone),
    "interaction": ("lead_id", Erase.tombstone),
    "followup": ("lead_id", Erase.tombstone),
    "lead_marker": ("lead_id", Erase.delete),
    "consent": ("lead_id", Erase.delete),
    "referral": ("lead_id", Erase.delete),
    "privacy_request": ("lead_id", Erase.unlink),
    "push_outbox": ("lead_id", Erase.delete),
}

# Personal data about people other than the leads, and why it is not part of a lead's
# export or erasure.
OTHER_SUBJECTS: dict[str, str] = {
    "user": "staff accounts, managed in the admin screens",
    "device": "staff devices",
    "login_failure": "hashed accounts and addresses, kept for the throttle window",
    "partner": "partner organisations' contact lines",
    "intake_hit": "hashed client addresses, kept for the rate-limit window",
    "push_subscription": "staff phones' push endpoints",
}


def tables() -> list[Table]:
    return list(SQLModel.metadata.sorted_tables)


def table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def columns_of_kind(kinds: set[Kind]) -> list[tuple[Table, str]]:
    """(table, column) of every column tagged with one of `kinds`."""
    return [(t, c.name) for t in tables() for c in t.columns if kind_of(c) in kinds]


def unlinked_personal_tables() -> list[str]:
    """Tables with personal columns that neither the lead links, the copies (free text
    and copied values are searched everywhere) nor the other subjects account for."""
    out = []
    for t in tables():
        kinds = {kind_of(c) for c in personal_columns(t)}
        kinds -= {None, Kind.free_text, Kind.copy}
        if kinds and t.name not in LEAD_LINKS and t.name not in OTHER_SUBJECTS:
            out.append(t.name)
    return out
