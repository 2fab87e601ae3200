"""Outreach session and tally shapes. Unknown keys (team_id, created_by, version …) are
dropped, never applied (AC-3)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.fields import (
    OptText80,
    OptText120,
    OptText2000,
    PastInstant,
    PlannedInstant,
    TallyDelta,
)
from api.validation import FieldProblem, not_nullable
from api.vocab import Channel, TallyKind

_IN = ConfigDict(extra="ignore", use_enum_values=True)


class SessionFields(BaseModel):
    """Every field of an outreach session a user may set, all optional (a patch sets some)."""

    model_config = ConfigDict(
        extra="ignore",
        use_enum_values=True,
        json_schema_extra=not_nullable("channel", "started_at"),
    )
    channel: Channel | None = None
    title: OptText120 = None
    commune: OptText80 = None
    neighbourhood: OptText80 = None
    venue_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    # Who ran it; only coordinators and admins may name someone other than themselves.
    agent_id: uuid.UUID | None = None
    # Sessions are planned ahead: from 2000 to about five years ahead.
    started_at: PlannedInstant | None = None
    ended_at: PlannedInstant | None = None
    notes: OptText2000 = None

    @field_validator("channel", "started_at")
    @classmethod
    def not_emptied(cls, value: Any) -> Any:
        # Runs only for values actually given: an explicit null for a required column.
        if value is None:
            raise FieldProblem("required", "This field cannot be empty.")
        return value


# Fields a patch may change, in a stable order (field_hlc is keyed on these).
SESSION_FIELDS: tuple[str, ...] = tuple(SessionFields.model_fields)


class SessionCreate(SessionFields):
    id: uuid.UUID | None = None  # client-generated on the phone; made here otherwise
    channel: Channel


class SessionUpdate(SessionFields):
    pass


def session_changes(fields: SessionFields) -> dict[str, Any]:
    """The fields actually given (explicit nulls included), as column values."""
    return fields.model_dump(include=fields.model_fields_set & set(SESSION_FIELDS))


class Totals(BaseModel):
    """Sum of the tallies of one session, per kind."""

    coffees: int = 0
    conversations: int = 0
    flyers: int = 0


class SessionPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    team_id: uuid.UUID
    channel: str
    title: str | None
    commune: str | None
    neighbourhood: str | None
    venue_id: uuid.UUID | None
    partner_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    started_at: datetime
    ended_at: datetime | None
    notes: str | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int
    totals: Totals = Field(default_factory=Totals)


class SessionList(BaseModel):
    items: list[SessionPublic]
    total: int


class TallyIn(BaseModel):
    model_config = _IN
    id: uuid.UUID | None = None  # the phone's id for this increment: a replay is a no-op
    kind: TallyKind
    delta: TallyDelta  # -1 undoes a tap, as on the phone (api/fields.py)
    occurred_at: PastInstant | None = None


class TallyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    session_id: uuid.UUID
    kind: str
    delta: int
    occurred_at: datetime
    created_by: uuid.UUID | None
    created_at: datetime
    version: int
