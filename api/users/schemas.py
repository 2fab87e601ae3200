"""Request and response shapes for accounts, teams and devices."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int


class TeamRef(BaseModel):
    id: uuid.UUID
    name: str


class Me(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: str
    teams: list[TeamRef]
    language: str


class DevicePublic(BaseModel):
    id: uuid.UUID
    user_id: uuid.UUID
    name: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime
    revoked_at: datetime | None
