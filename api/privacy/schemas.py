"""Shapes of the privacy API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.fields import PastInstant
from api.vocab import ConsentPurpose

RequestKind = Literal[
    "access", "rectification", "erasure", "restriction", "objection", "portability", "withdrawal"
]
RequestChannel = Literal["self", "agent", "office", "mail", "email", "phone"]


class AccessExport(BaseModel):
    generated_at: str
    subject: str
    tables: dict[str, list[dict[str, Any]]]
    copies: dict[str, list[dict[str, Any]]]
    audit: list[dict[str, Any]]


class Erased(BaseModel):
    erased: int


class RectifyIn(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    set_: dict[str, Any] = Field(alias="set", min_length=1, max_length=20)


class WithdrawIn(BaseModel):
    purposes: list[ConsentPurpose] = Field(min_length=1, max_length=4)


class ConsentLink(BaseModel):
    url: str


class RequestIn(BaseModel):
    kind: RequestKind
    lead_id: uuid.UUID
    channel: RequestChannel
    received_at: PastInstant | None = None


class RequestClose(BaseModel):
    status: Literal["done", "refused"]


class RequestPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    kind: str
    lead_id: uuid.UUID | None
    subject: str
    channel: str
    received_at: datetime
    due_on: date
    status: str
    closed_at: datetime | None
    created_by: uuid.UUID | None
    closed_by: uuid.UUID | None


class RequestList(BaseModel):
    items: list[RequestPublic]
    total: int


class AuditPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    at: datetime
    actor_id: uuid.UUID | None
    action: str
    object_type: str | None
    object_ref: str | None
    row_count: int | None


class AuditList(BaseModel):
    items: list[AuditPublic]
    total: int
