"""Partner organisations (Actiris, VDAB, CPAS/OCMW …)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlmodel import Field, SQLModel

from sync.personal import Kind, tag
from sync.sqltypes import UTCDateTime, utcnow


class Partner(SQLModel, table=True):
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    organisation_id: uuid.UUID = Field(foreign_key="organisation.id", index=True)
    name: str = Field(max_length=120)
    kind: str = Field(max_length=30)
    city: str | None = Field(default=None, max_length=80)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=20)
    is_active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# A partner's contact line may be a named person's.
tag(
    Partner,
    personal={"email": Kind.contact, "phone": Kind.contact},
    plain=("name", "kind", "city"),
)
