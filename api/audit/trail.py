"""Write audit rows: who viewed, exported, erased, changed what. Never personal fields:
objects by id, people (leads) by pseudonym (api/privacy/pseudonym.py). Public, not the
audit service (which reads them), because every folder that must leave a trace writes here."""

from __future__ import annotations

import uuid

from sqlalchemy import Engine
from sqlmodel import Session

from api.audit import views
from api.audit.models import AuditEvent
from api.db import begin_write
from api.privacy.pseudonym import pseudonym
from api.users.actor import Actor
from sync.sqltypes import utcnow

PERSON = "person"
VIEW = "lead.view"


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


def record_view(session: Session, *, actor: Actor, lead_id: uuid.UUID) -> None:
    """The audit row of one view of a person's detail, committed before this returns.

    Concurrent views share one commit (api/audit/views.py) instead of each taking the write
    lock and an fsync of its own. A session bound to a connection instead of an engine
    runs inside a transaction its caller owns (the tests' rolled-back one): the row joins
    it there, as every other write of that session does."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        record_person(session, actor=actor, action=VIEW, lead_id=lead_id)
        return
    views.writer_for(bind).write(
        {
            "at": utcnow(),
            "actor_id": actor.id,
            "action": VIEW,
            "object_type": PERSON,
            "object_ref": pseudonym(lead_id),
            "row_count": None,
        }
    )
