"""Write and read audit rows: who viewed, exported, erased, changed what. Never personal
fields: objects by id, people (leads) by pseudonym (api/privacy/pseudonym.py)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.audit.models import AuditEvent
from api.db import begin_write
from api.privacy.pseudonym import pseudonym
from api.users.actor import Actor

PERSON = "person"


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    object_type: str | None = None,
    object_ref: uuid.UUID | str | None = None,
    row_count: int | None = None,
) -> None:
    """Add one audit row and commit it on its own (a view is audited even if nothing else
    is written in the request).

    As a writer from the start: on SQLite the request's read transaction cannot be upgraded
    while another request writes (concurrent detail views failed with "database is locked",
    found by bench/api_reads.py), so it is ended and a write transaction waits its turn."""
    begin_write(session)
    session.add(
        AuditEvent(
            actor_id=actor.id if actor else None,
            action=action,
            object_type=object_type,
            object_ref=str(object_ref) if object_ref is not None else None,
            row_count=row_count,
        )
    )
    session.commit()


def record_person(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    lead_id: uuid.UUID,
    row_count: int | None = None,
) -> None:
    """An audit row about a person, who is named by pseudonym only."""
    record(
        session,
        actor=actor,
        action=action,
        object_type=PERSON,
        object_ref=pseudonym(lead_id),
        row_count=row_count,
    )


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
