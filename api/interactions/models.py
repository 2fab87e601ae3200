"""Append-only log of what happened with a lead; status changes are interactions too."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from sync.personal import Kind, tag
from sync.sqltypes import UTCDateTime, utcnow


class Interaction(SQLModel, table=True):
    __table_args__ = (
        Index("ix_interaction_version_id", "version", "id"),
        Index("ix_interaction_lead_occurred", "lead_id", "occurred_at"),
    )
    id: uuid.UUID = Field(primary_key=True)
    lead_id: uuid.UUID = Field(foreign_key="lead.id")
    kind: str = Field(max_length=20)
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    body: str | None = Field(default=None, max_length=4000)
    channel: str | None = Field(default=None, max_length=30)
    from_status: str | None = Field(default=None, max_length=20)
    to_status: str | None = Field(default=None, max_length=20)
    author_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Immutable except for voiding, which keeps the row and says why.
    voided_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    voided_by: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    void_reason: str | None = Field(default=None, max_length=500)
    version: int = Field(default=0, sa_type=BigInteger)


tag(
    Interaction,
    personal={"body": Kind.free_text, "void_reason": Kind.free_text},
    plain=("kind", "channel", "from_status", "to_status"),
)
