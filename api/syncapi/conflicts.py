"""Coordinators' view of values that lost a same-field race, and picking one (a new patch)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import Connection, select, update
from sqlmodel import Session

from api.errors import Conflict, NotFound
from api.syncapi import local
from api.syncapi.entities import ENTITIES, FOLLOWUP, LEAD, SESSION, VENUE
from api.syncapi.visibility import can_see_lead_row, can_see_team_row
from api.users.actor import Actor
from sync.models import SyncConflict
from sync.push import Mutator
from sync.sqltypes import table_of, utcnow
from sync.store import Store

_conflict = table_of(SyncConflict)


class ConflictPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    entity: str
    entity_id: uuid.UUID
    field: str
    kind: str
    losing_value: Any
    losing_hlc: str | None
    winning_value: Any
    winning_hlc: str | None
    current_value: Any = None
    user_id: uuid.UUID | None
    created_at: datetime
    resolved_at: datetime | None
    resolution: str | None


class ConflictList(BaseModel):
    items: list[ConflictPublic]
    total: int


class ResolveIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    pick: bool


# entity → the mutator that patches it: picking a value is that patch, made by the server.
_PATCH = {
    LEAD: "lead.patch",
    FOLLOWUP: "followup.patch",
    SESSION: "session.patch",
    VENUE: "venue.patch",
}


def _target(store: Store, actor: Actor, entity: str, key: uuid.UUID) -> Mapping[str, Any]:
    """The record a conflict is about, if the caller may see it (else 404)."""
    row = store.get(entity, key) if entity in _PATCH else None
    if row is None:
        raise NotFound()
    if entity == FOLLOWUP:
        lead = store.get(LEAD, row["lead_id"])
        visible = lead is not None and can_see_lead_row(actor, lead)
    elif entity == LEAD:
        visible = can_see_lead_row(actor, row)
    else:
        visible = can_see_team_row(actor, row)
    if not visible:
        raise NotFound()
    return row


def list_for_lead(session: Session, *, actor: Actor, lead_id: uuid.UUID) -> ConflictList:
    """Unresolved conflicts of one lead, oldest first, with the field's current value."""
    store = Store(session.connection(), ENTITIES)
    lead = _target(store, actor, LEAD, lead_id)
    rows = session.execute(
        select(_conflict)
        .where(
            _conflict.c.entity == LEAD,
            _conflict.c.entity_id == lead_id,
            _conflict.c.resolved_at.is_(None),
        )
        .order_by(_conflict.c.id)
    ).mappings()
    items = [ConflictPublic(**row, current_value=_current(lead, row["field"])) for row in rows]
    return ConflictList(items=items, total=len(items))


def _current(row: Mapping[str, Any], field: str) -> Any:
    value = row.get(field)
    return str(value) if isinstance(value, uuid.UUID) else value


def resolve(session: Session, *, actor: Actor, conflict_id: int, pick: bool) -> ConflictPublic:
    """Keep the current value, or pick the losing one: a new patch stamped by the server,
    applied by the field's mutator (one write path), in the transaction that marks the
    conflict resolved."""
    now = utcnow()
    seen: dict[str, Any] = {}

    def prepare(conn: Connection) -> list[tuple[Mutator[Any], Any]]:
        found = conn.execute(select(_conflict).where(_conflict.c.id == conflict_id)).mappings()
        first = found.first()
        if first is None:
            raise NotFound()
        conflict: dict[str, Any] = dict(first)
        store = Store(conn, ENTITIES)
        target = _target(store, actor, conflict["entity"], conflict["entity_id"])
        if conflict["resolved_at"] is not None:
            raise Conflict("This conflict is already resolved.", code="already_resolved")
        seen.update(conflict=conflict, target=target)
        conn.execute(
            update(_conflict)
            .where(_conflict.c.id == conflict_id)
            .values(resolved_at=now, resolved_by=actor.id, resolution="picked" if pick else "kept")
        )
        if not pick:
            return []
        if target.get("deleted_at") is not None:
            raise Conflict("The record was deleted; restore it first.", code="deleted")
        field = conflict["field"]
        # Based on the current stamp: the coordinator saw the current value, so this is
        # no new conflict, just a newer write.
        base = {field: (target["field_hlc"] or {}).get(field)}
        args = {"id": str(conflict["entity_id"]), "set": {field: conflict["losing_value"]}}
        # A value the field no longer accepts, or a status move no longer allowed, is
        # refused by the mutator like any other write.
        return [local.parse(_PATCH[conflict["entity"]], {**args, "base": base})]

    local.apply_with(session, actor=actor, prepare=prepare)
    conflict, target = seen["conflict"], seen["target"]
    if pick:
        store = Store(session.connection(), ENTITIES)
        target = store.get(conflict["entity"], conflict["entity_id"]) or target
        session.rollback()  # the read above opened a transaction: end it
    resolved = {**conflict, "resolved_at": now, "resolved_by": actor.id}
    resolved["resolution"] = "picked" if pick else "kept"
    return ConflictPublic(**resolved, current_value=_current(target, conflict["field"]))
