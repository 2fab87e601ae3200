"""Referrals in (partner → us) and out (us → partner), with the partner's echoed status."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from sync.personal import Kind, tag
from sync.sqltypes import UTCDateTime, utcnow


class Referral(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    lead_id: uuid.UUID = Field(foreign_key="lead.id", index=True)
    partner_id: uuid.UUID = Field(foreign_key="partner.id", index=True)
    direction: str = Field(max_length=3)  # in | out
    status: str = Field(default="proposed", max_length=20)
    note: str | None = Field(default=None, max_length=1000)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


tag(Referral, personal={"note": Kind.free_text}, plain=("direction", "status"))
