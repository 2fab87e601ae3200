"""Looks for a person everywhere: every text and JSON column of every table (as plain text
and as JSON-escaped text), and every UUID column for their ids."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, Column, Connection, String, Text, Uuid, cast, func, or_, select
from sqlmodel import SQLModel

import api.models  # noqa: F401  (every table)


def _forms(value: str) -> set[str]:
    low = value.lower()
    return {low, json.dumps(low)[1:-1], json.dumps(value)[1:-1].lower()}


def is_text(column: Column[Any]) -> bool:
    kind = column.type
    return isinstance(kind, String | Text | JSON) or isinstance(
        getattr(kind, "impl", None), String | Text | JSON
    )


def text_traces(conn: Connection, values: Iterable[str]) -> list[tuple[str, str, int]]:
    """(table, column, rows) wherever one of `values` appears in text (case-insensitive)."""
    patterns = sorted({f for v in values for f in _forms(v)})
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if not is_text(column):
                continue
            text = func.lower(cast(column, Text))
            hit = or_(*(text.contains(p, autoescape=True) for p in patterns))
            n = conn.execute(select(func.count()).select_from(table).where(hit)).scalar_one()
            if n:
                found.append((table.name, column.name, n))
    return found


def id_traces(
    conn: Connection, ids: Iterable[uuid.UUID], *, allowed: set[tuple[str, str]]
) -> list[tuple[str, str, int]]:
    """(table, column, rows) wherever one of `ids` is stored in a UUID column, except the
    (table, column) pairs `allowed` (a tombstone's own key)."""
    wanted = list(ids)
    found = []
    for table in SQLModel.metadata.sorted_tables:
        for column in table.columns:
            if not isinstance(column.type, Uuid) or (table.name, column.name) in allowed:
                continue
            n = conn.execute(
                select(func.count()).select_from(table).where(column.in_(wanted))
            ).scalar_one()
            if n:
                found.append((table.name, column.name, n))
    return found
