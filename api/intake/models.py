"""Submissions counted per client for the public form's rate limit, in the database so the
limit holds across app instances (like login throttling)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from sync.personal import Kind, tag
from sync.sqltypes import UTCDateTime, utcnow


class IntakeHit(SQLModel, table=True):
    __tablename__ = "intake_hit"
    __table_args__ = (Index("ix_intake_hit_client_at", "client", "at"),)
    id: int | None = Field(default=None, primary_key=True)
    # A keyed hash of the client address: the table holds no IP address.
    client: str = Field(max_length=64)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


tag(IntakeHit, personal={"client": Kind.network})
