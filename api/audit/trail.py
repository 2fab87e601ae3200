"""Write audit rows: who viewed, exported, erased, changed what. Never personal fields:
objects by id, people (leads) by pseudonym (api/privacy/pseudonym.py). Public, not the
audit service (which reads them), because every folder that must leave a trace writes here."""

from __future__ import annotations

import uuid

from sqlmodel import Session

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
