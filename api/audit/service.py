"""Write audit rows: who viewed or exported what. Never personal fields, only ids."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from api.audit.models import AuditEvent
from api.db import begin_write
from api.users.service import Actor


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
