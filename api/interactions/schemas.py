"""Interaction shapes: what an agent logs, and what the timeline shows."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator

from api.fields import NON_BLANK, OptText4000, PastInstant, Text500
from api.validation import FieldProblem
from api.vocab import Channel, InteractionKind

_KINDS_SCHEMA = {
    "type": "string",
    "enum": [k.value for k in InteractionKind if k != InteractionKind.status_change],
}


class InteractionCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID | None = None  # client-generated on the phone; a replay returns the same row
    # The schema leaves status_change out: the status endpoint writes those.
    kind: Annotated[InteractionKind, WithJsonSchema(_KINDS_SCHEMA)]
    occurred_at: PastInstant | None = None  # default: now
    body: OptText4000 = None
    channel: Channel | None = None

    @field_validator("kind")
    @classmethod
    def not_a_status_change(cls, kind: InteractionKind) -> InteractionKind:
        # Status changes are written by the status endpoint, with from/to checked.
        if kind == InteractionKind.status_change:
            raise FieldProblem(
                "use_status_endpoint", "Change the status with the status action instead."
            )
        return kind


class VoidIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    reason: Annotated[Text500, Field(min_length=1), NON_BLANK]


class InteractionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    lead_id: uuid.UUID
    kind: str
    occurred_at: datetime
    body: str | None
    channel: str | None
    from_status: str | None
    to_status: str | None
    author_id: uuid.UUID | None
    created_at: datetime
    voided_at: datetime | None
    voided_by: uuid.UUID | None
    void_reason: str | None
    version: int


class InteractionList(BaseModel):
    items: list[InteractionPublic]
    total: int
