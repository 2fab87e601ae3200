"""Request and response shapes for accounts, teams and devices."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from api.fields import NON_BLANK, Email, Name, OptText80, SingleLine
from api.validation import FieldProblem, not_nullable
from api.vocab import Language, Role


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


# ---------------------------------------------------------------- administration
# Write shapes drop unknown keys (AC-3): is_active, access_epoch, organisation_id,
# password_hash, created_at … in a body change nothing.

_IN = ConfigDict(extra="ignore", use_enum_values=True)
Password = Annotated[str, StringConstraints(max_length=1024), SingleLine]


class UserCreate(BaseModel):
    model_config = _IN
    email: Email
    name: Name
    role: Role
    password: Password
    language: Language = Language.fr
    team_ids: list[uuid.UUID] = Field(default_factory=list, max_length=20)


class UserUpdate(BaseModel):
    model_config = ConfigDict(
        extra="ignore",
        use_enum_values=True,
        json_schema_extra=not_nullable("name", "role", "language", "team_ids"),
    )
    name: Name | None = None
    role: Role | None = None
    language: Language | None = None
    team_ids: list[uuid.UUID] | None = Field(default=None, max_length=20)

    @field_validator("name", "role", "language", "team_ids")
    @classmethod
    def not_emptied(cls, value: Any) -> Any:
        if value is None:
            raise FieldProblem("required", "This field cannot be empty.")
        return value


class PasswordSet(BaseModel):
    model_config = _IN
    password: Password


class UserPublic(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: str
    language: str
    is_active: bool
    teams: list[TeamRef]
    created_at: datetime
    updated_at: datetime


class UserList(BaseModel):
    items: list[UserPublic]
    total: int


Text80 = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=80),
    SingleLine,
    NON_BLANK,
]


class TeamCreate(BaseModel):
    model_config = _IN
    name: Text80
    city: OptText80 = None


class TeamUpdate(BaseModel):
    model_config = ConfigDict(
        extra="ignore", use_enum_values=True, json_schema_extra=not_nullable("name")
    )
    name: Text80 | None = None
    city: OptText80 = None

    @field_validator("name")
    @classmethod
    def not_emptied(cls, value: Any) -> Any:
        if value is None:
            raise FieldProblem("required", "This field cannot be empty.")
        return value


class TeamPublic(BaseModel):
    id: uuid.UUID
    name: str
    city: str | None
    member_count: int
    created_at: datetime


class TeamList(BaseModel):
    items: list[TeamPublic]
    total: int


class DeviceAdmin(DevicePublic):
    """A device as admins see it: whose it is, when it was last used, whether it is live."""

    user_name: str
    user_email: str
    wipe_requested: bool
    active: bool


class DeviceList(BaseModel):
    items: list[DeviceAdmin]
    total: int


class RevokeIn(BaseModel):
    model_config = _IN
    wipe: bool = False  # the next sync tells the phone to delete its local data
