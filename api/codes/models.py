"""An attribution code: what `/q/{code}` credits, and how often it was scanned."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from sync.personal import tag
from sync.sqltypes import UTCDateTime, utcnow


class AttributionCode(SQLModel, table=True):
    __tablename__ = "attribution_code"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    # Upper-case letters and digits without look-alikes (0/O, 1/I/L); stored upper-case.
    code: str = Field(max_length=16, unique=True)
    kind: str = Field(max_length=20)  # agent | session | venue | partner | campaign
    # The team whose intake queue gets the leads this code brings.
    team_id: uuid.UUID = Field(foreign_key="team.id", index=True)
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    session_id: uuid.UUID | None = Field(default=None, foreign_key="outreach_session.id")
    venue_id: uuid.UUID | None = Field(default=None, foreign_key="venue.id")
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partner.id")
    campaign: str | None = Field(default=None, max_length=80)
    label: str | None = Field(default=None, max_length=120)
    # The flyer's language: /q/{code} opens the form in it (else the browser's).
    language: str | None = Field(default=None, max_length=5)
    scans: int = 0
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


# A label names a flyer, a session or a campaign (never a prospect).
tag(AttributionCode, plain=("code", "kind", "campaign", "label", "language"))
