"""Every unresolved conflict on the leads a coordinator may see, for the conflicts screen
(one lead's list is `conflicts.list_for_lead`; resolving is `conflicts.resolve`)."""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlmodel import Session, col

from api.leads.models import Lead
from api.scope import Viewer, lead_visible
from api.syncapi.conflicts import ConflictPublic
from api.syncapi.entities import LEAD
from sync.models import SyncConflict

MAX_PAGE = 200


class LeadConflict(ConflictPublic):
    lead_first_name: str
    lead_last_name: str | None


class LeadConflictList(BaseModel):
    items: list[LeadConflict]
    total: int


def _current(lead: Lead, field: str) -> Any:
    value = getattr(lead, field, None)
    return str(value) if isinstance(value, uuid.UUID) else value


def list_open(session: Session, *, actor: Viewer, limit: int, offset: int) -> LeadConflictList:
    """Unresolved lead conflicts, oldest first, with the field's current value."""
    where = [
        col(SyncConflict.entity) == LEAD,
        col(SyncConflict.resolved_at).is_(None),
        col(Lead.deleted_at).is_(None),
        lead_visible(actor),
    ]
    joined = select(SyncConflict, Lead).join(Lead, col(Lead.id) == col(SyncConflict.entity_id))
    total = session.execute(
        select(func.count())
        .select_from(SyncConflict)
        .join(Lead, col(Lead.id) == col(SyncConflict.entity_id))
        .where(*where)
    ).scalar_one()
    rows = session.execute(
        joined.where(*where)
        .order_by(col(SyncConflict.id))
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).all()
    items = [
        LeadConflict(
            **ConflictPublic.model_validate(conflict).model_dump(),
            lead_first_name=lead.first_name,
            lead_last_name=lead.last_name,
        )
        for conflict, lead in rows
    ]
    for item, (conflict, lead) in zip(items, rows, strict=True):
        item.current_value = _current(lead, conflict.field)
    return LeadConflictList(items=items, total=total)
