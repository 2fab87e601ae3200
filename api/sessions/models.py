"""Outreach sessions (one coffee stand, one shop round …) and their anonymous tallies."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from sync.personal import Kind, tag
from sync.sqltypes import UTCDateTime, utcnow


class OutreachSession(SQLModel, table=True):
    __tablename__ = "outreach_session"
    __table_args__ = (Index("ix_outreach_session_version_id", "version", "id"),)
    id: uuid.UUID = Field(primary_key=True)
    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)
    channel: str = Field(max_length=30)
    title: str | None = Field(default=None, max_length=120)
    commune: str | None = Field(default=None, max_length=80)
    neighbourhood: str | None = Field(default=None, max_length=80)
    venue_id: uuid.UUID | None = Field(default=None, foreign_key="venue.id")
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partner.id")
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="user.id", index=True)
    started_at: datetime = Field(sa_type=UTCDateTime)
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    notes: str | None = Field(default=None, max_length=2000)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=0, sa_type=BigInteger)
    field_hlc: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Tally(SQLModel, table=True):
    """An increment (coffees served, conversations, flyers): its own id, so replays never
    double-count. People reached exist without anyone's personal data."""

    __table_args__ = (Index("ix_tally_version_id", "version", "id"),)
    id: uuid.UUID = Field(primary_key=True)
    session_id: uuid.UUID = Field(foreign_key="outreach_session.id", index=True)
    kind: str = Field(max_length=20)
    delta: int
    occurred_at: datetime = Field(sa_type=UTCDateTime)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    version: int = Field(default=0, sa_type=BigInteger)


tag(
    OutreachSession,
    personal={"notes": Kind.free_text},
    plain=("channel", "title", "commune", "neighbourhood", "field_hlc"),
)
tag(Tally, plain=("kind",))
