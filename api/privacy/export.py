"""The access export of one person (GDPR Art. 15): every row that is about them, generated
from the catalog and the column tags — a new personal column shows up without a change here.

Each row gives its personal columns under `personal` (grouped by what the tags call them)
and the rest of the record (dates, statuses, attribution) under `record`; sync bookkeeping
(versions, field stamps) is left out. Copies of their values (conflicts, rejected
mutations) and the audit trail about them (who looked at their data, when) come last.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Connection, Table, select

from api.audit.models import AuditEvent
from api.privacy import traces
from api.privacy.catalog import LEAD_LINKS, columns_of_kind, table
from api.privacy.pseudonym import pseudonym
from sync.personal import Kind, kind_of
from sync.sqltypes import table_of, utcnow

_BOOKKEEPING = {"version", "field_hlc"}


def _value(value: Any) -> Any:
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def _row(t: Table, row: Mapping[Any, Any]) -> dict[str, Any]:
    personal: dict[str, Any] = {}
    record: dict[str, Any] = {}
    for c in t.columns:
        if c.name in _BOOKKEEPING:
            continue
        if kind_of(c) is not None:
            personal[c.name] = _value(row[c.name])
        else:
            record[c.name] = _value(row[c.name])
    return {"personal": personal, "record": record}


def _rows(conn: Connection, t: Table, column: str, key: uuid.UUID) -> list[dict[str, Any]]:
    found = conn.execute(select(t).where(t.c[column] == key)).mappings().all()
    return [_row(t, r) for r in found]


def access_export(conn: Connection, lead_id: uuid.UUID) -> dict[str, Any] | None:
    """Everything about the person whose lead this is; None when there is no such lead."""
    lead = conn.execute(select(table("lead")).where(table("lead").c.id == lead_id)).mappings()
    lead_row = lead.first()
    if lead_row is None:
        return None
    sections: dict[str, list[dict[str, Any]]] = {}
    ids: list[str] = [str(lead_id)]
    for name, (column, _how) in LEAD_LINKS.items():
        sections[name] = _rows(conn, table(name), column, lead_id)
        if name in ("interaction", "followup", "consent"):
            ids += [r["record"]["id"] for r in sections[name]]
    copies: dict[str, list[dict[str, Any]]] = {}
    for t, column in columns_of_kind({Kind.copy}):
        found = conn.execute(select(t).where(traces.matches(t.c[column], ids))).mappings()
        rows = [_row(t, r) for r in found]
        if rows:
            copies[t.name] = rows
    return {
        "generated_at": utcnow().isoformat(),
        "subject": pseudonym(lead_id),
        "tables": sections,
        "copies": copies,
        "audit": _audit(conn, lead_id),
    }


def _audit(conn: Connection, lead_id: uuid.UUID) -> list[dict[str, Any]]:
    t = table_of(AuditEvent)
    rows = conn.execute(
        select(t.c.at, t.c.action, t.c.row_count)
        .where(t.c.object_ref == pseudonym(lead_id))
        .order_by(t.c.at, t.c.id)
    ).all()
    return [{"at": _value(r.at), "action": r.action, "row_count": r.row_count} for r in rows]


def row_count(export: Mapping[str, Any]) -> int:
    """How many rows an export holds (the audit records it)."""
    tables = export["tables"].values()
    copies = export["copies"].values()
    return sum(len(rows) for rows in tables) + sum(len(rows) for rows in copies)
