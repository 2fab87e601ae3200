"""Venue shapes. Unknown keys (team_id, last_visit_at, version …) are dropped (AC-3):
the last visit moves only through the visit endpoint."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from api.fields import Name, OptText80, OptText2000, PastInstant, PlanDay, Text40, Text200
from api.validation import FieldProblem, not_nullable

_IN = ConfigDict(extra="ignore")


class VenueFields(BaseModel):
    model_config = ConfigDict(extra="ignore", json_schema_extra=not_nullable("name"))
    name: Name | None = None
    kind: Text40 | None = None  # free text: "grocery", "hairdresser", "association" …
    commune: OptText80 = None
    neighbourhood: OptText80 = None
    address: Text200 | None = None
    next_visit_on: PlanDay | None = None
    notes: OptText2000 = None

    @field_validator("name")
    @classmethod
    def not_emptied(cls, value: Any) -> Any:
        if value is None:
            raise FieldProblem("required", "This field cannot be empty.")
        return value

    @field_validator("kind", "address", mode="before")
    @classmethod
    def blank_is_none(cls, value: Any) -> Any:
        return None if isinstance(value, str) and not value.strip() else value


VENUE_FIELDS: tuple[str, ...] = (*VenueFields.model_fields, "last_visit_at")


class VenueCreate(VenueFields):
    id: uuid.UUID | None = None  # client-generated on the phone; made here otherwise
    name: Name


class VenueUpdate(VenueFields):
    pass


def venue_changes(fields: VenueFields) -> dict[str, Any]:
    return fields.model_dump(include=fields.model_fields_set & set(VenueFields.model_fields))


class VisitIn(BaseModel):
    model_config = _IN
    visited_at: PastInstant | None = None  # now when not given
    next_visit_on: PlanDay | None = None


class VenuePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    team_id: uuid.UUID
    name: str
    kind: str | None
    commune: str | None
    neighbourhood: str | None
    address: str | None
    last_visit_at: datetime | None
    next_visit_on: date | None
    notes: str | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class VenueList(BaseModel):
    items: list[VenuePublic]
    total: int
