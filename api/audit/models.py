"""Audit trail: who viewed, exported, erased what. No personal fields; append-only
(database triggers refuse UPDATE and DELETE)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from sync.personal import tag
from sync.sqltypes import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_id: uuid.UUID | None = None
    action: str = Field(max_length=40)
    object_type: str | None = Field(default=None, max_length=30)
    # An id (a UUID is not personal by itself) or a pseudonymous hash after erasure.
    object_ref: str | None = Field(default=None, max_length=64)
    row_count: int | None = None


# Object references of people are pseudonyms (api/privacy/pseudonym.py).
tag(AuditEvent, plain=("action", "object_type", "object_ref"))
