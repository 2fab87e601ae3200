"""Coordinators' view of values that lost a same-field race, and picking one (a new patch)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select, update
from sqlmodel import Session

from api.clock import server_clock
from api.db import begin_write
from api.errors import Conflict, InvalidInput, NotFound
from api.leads.schemas import LeadFields
from api.syncapi.entities import ENTITIES, FOLLOWUP, LEAD, SESSION, VENUE
from api.syncapi.handlers import followups, places
from api.syncapi.handlers.common import field_values, merge_fields, validate
from api.syncapi.handlers.leads import STATUS, check_lead_references, lead_values, patch_lead
from api.syncapi.visibility import can_see_lead_row, can_see_team_row, topics_of
from api.users.service import Actor
from api.vocab import LeadStatus
from sync import events
from sync.models import SyncConflict
from sync.push import Apply, Rejected
from sync.space import bump_version
from sync.sqltypes import table_of, utcnow
from sync.store import Store

_conflict = table_of(SyncConflict)
_SERVER_CLIENT = uuid.UUID(int=0)


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


def _lead_values(field: str, value: Any) -> dict[str, Any]:
    if field == STATUS:
        try:
            return {STATUS: LeadStatus(value).value}
        except ValueError as exc:
            raise Rejected("invalid_input", "status: enum") from exc
    return lead_values(validate(LeadFields, {field: value}))


def _values_of(
    model: type[BaseModel], fields: tuple[str, ...]
) -> Callable[[str, Any], dict[str, Any]]:
    return lambda field, value: field_values(validate(model, {field: value}), fields)


# entity → how its field values are validated (the same models as the mutators).
_VALUES: dict[str, Callable[[str, Any], dict[str, Any]]] = {
    LEAD: _lead_values,
    FOLLOWUP: _values_of(followups.FollowupFields, followups.FIELDS),
    SESSION: _values_of(places.SessionFields, places.SESSION_KIND.fields),
    VENUE: _values_of(places.VenueFields, places.VENUE_KIND.fields),
}


def _target(store: Store, actor: Actor, entity: str, key: uuid.UUID) -> Mapping[str, Any]:
    """The record a conflict is about, if the caller may see it (else 404)."""
    row = store.get(entity, key) if entity in _VALUES else None
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
    """Keep the current value, or pick the losing one: a new patch stamped by the server."""
    begin_write(session)
    try:
        conn = session.connection()
        found = conn.execute(select(_conflict).where(_conflict.c.id == conflict_id)).mappings()
        first = found.first()
        if first is None:
            raise NotFound()
        conflict: dict[str, Any] = dict(first)
        store = Store(conn, ENTITIES)
        target = _target(store, actor, conflict["entity"], conflict["entity_id"])
        if conflict["resolved_at"] is not None:
            raise Conflict("This conflict is already resolved.", code="already_resolved")
        now = utcnow()
        if pick:
            _pick(store, actor, conflict, target, now)
            target = store.get(conflict["entity"], conflict["entity_id"]) or target
        conn.execute(
            update(_conflict)
            .where(_conflict.c.id == conflict_id)
            .values(resolved_at=now, resolved_by=actor.id, resolution="picked" if pick else "kept")
        )
        topics = topics_of(store) if store.count_written() else set()
        if topics and conn.dialect.name == "postgresql":
            events.notify(conn, topics)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if topics:
        events.broadcaster.publish(topics)
    resolved = {**conflict, "resolved_at": now, "resolved_by": actor.id}
    resolved["resolution"] = "picked" if pick else "kept"
    return ConflictPublic(**resolved, current_value=_current(target, conflict["field"]))


def _pick(
    store: Store,
    actor: Actor,
    conflict: Mapping[str, Any],
    target: Mapping[str, Any],
    now: datetime,
) -> None:
    entity, field = conflict["entity"], conflict["field"]
    if target.get("deleted_at") is not None:
        raise Conflict("The record was deleted; restore it first.", code="deleted")
    version = bump_version(store.connection)
    ctx = Apply(
        store=store,
        actor=actor,
        user_id=actor.id,
        client_id=_SERVER_CLIENT,
        mutation_id=0,
        hlc=server_clock.now(),
        now=now,
    )
    # Based on the current stamp: the coordinator saw the current value, so this is
    # no new conflict, just a newer write.
    base = {field: (target["field_hlc"] or {}).get(field)}
    try:
        values = _VALUES[entity](field, conflict["losing_value"])
        # The rules of a write hold for a picked value too (references, cross-field rules).
        if entity == LEAD:
            check_lead_references(ctx, values)
            patch_lead(ctx, target, values, base)
        elif entity in (SESSION, VENUE):
            kind = places.SESSION_KIND if entity == SESSION else places.VENUE_KIND
            places.check_kind_references(ctx, kind, values)
            merge_fields(ctx, entity, target, values, base)
            places.check_row(kind, store.get(entity, target["id"]))
        else:
            merge_fields(ctx, entity, target, values, base)
    except Rejected as exc:
        raise InvalidInput(
            exc.detail or "This value can no longer be used.", code=exc.code
        ) from exc
    store.flush(version=version, now=now)
