"""Read audit rows (they are written through api/audit/trail.py): a page of them, by
action, actor, person (by pseudonym) and time."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.audit.models import AuditEvent
from api.privacy.pseudonym import pseudonym


@dataclass(frozen=True)
class AuditFilters:
    action: str | None = None
    actor_id: uuid.UUID | None = None
    lead_id: uuid.UUID | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_events(
    session: Session, *, filters: AuditFilters, limit: int = 100, offset: int = 0
) -> tuple[list[AuditEvent], int]:
    """A page of audit rows, newest first, and how many match."""
    where = []
    if filters.action:
        where.append(col(AuditEvent.action) == filters.action)
    if filters.actor_id:
        where.append(col(AuditEvent.actor_id) == filters.actor_id)
    if filters.lead_id:
        where.append(col(AuditEvent.object_ref) == pseudonym(filters.lead_id))
    if filters.since:
        where.append(col(AuditEvent.at) >= filters.since)
    if filters.until:
        where.append(col(AuditEvent.at) < filters.until)
    total = session.execute(select(func.count()).select_from(AuditEvent).where(*where)).scalar_one()
    rows = session.execute(
        select(AuditEvent)
        .where(*where)
        .order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc())
        .limit(limit)
        .offset(offset)
    ).scalars()
    return list(rows), total
