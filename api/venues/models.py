"""Venues: shops and places visited repeatedly. Created offline by agents (client UUIDs)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from sync.personal import Kind, tag
from sync.sqltypes import UTCDateTime, utcnow


class Venue(SQLModel, table=True):
    __table_args__ = (Index("ix_venue_version_id", "version", "id"),)
    id: uuid.UUID = Field(primary_key=True)
    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)
    name: str = Field(max_length=120)
    kind: str | None = Field(default=None, max_length=40)
    commune: str | None = Field(default=None, max_length=80)
    neighbourhood: str | None = Field(default=None, max_length=80)
    address: str | None = Field(default=None, max_length=200)
    last_visit_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    next_visit_on: date | None = None
    notes: str | None = Field(default=None, max_length=2000)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=0, sa_type=BigInteger)
    field_hlc: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


tag(
    Venue,
    personal={"notes": Kind.free_text},
    plain=("name", "kind", "commune", "neighbourhood", "address", "field_hlc"),
)
