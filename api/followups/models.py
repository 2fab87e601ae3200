"""Follow-up tasks with a due date (Europe/Brussels calendar day)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from sync.personal import Kind, tag
from sync.sqltypes import UTCDateTime, utcnow


class Followup(SQLModel, table=True):
    __table_args__ = (
        Index("ix_followup_version_id", "version", "id"),
        Index("ix_followup_assigned_due", "assigned_to", "due_on"),
    )
    id: uuid.UUID = Field(primary_key=True)
    lead_id: uuid.UUID = Field(foreign_key="lead.id", index=True)
    due_on: date
    kind: str = Field(default="call", max_length=20)
    note: str | None = Field(default=None, max_length=1000)
    assigned_to: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    done_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=0, sa_type=BigInteger)
    field_hlc: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


tag(Followup, personal={"note": Kind.free_text}, plain=("kind", "field_hlc"))
