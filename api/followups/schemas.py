"""Follow-up shapes: a task with a due day (Europe/Brussels) on a lead."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, StrictBool, model_validator

from api.fields import OptText1000, PlanDay
from api.validation import FieldProblem, not_nullable


class FollowupKind(StrEnum):
    call = "call"
    visit = "visit"
    appointment = "appointment"
    message = "message"
    other = "other"


class DueFilter(StrEnum):
    today = "today"
    overdue = "overdue"
    upcoming = "upcoming"


# Fields a follow-up patch may change (field_hlc keys; `done` travels as done_at).
PATCHABLE_FIELDS: tuple[str, ...] = ("due_on", "kind", "note", "done_at")


class FollowupCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID | None = None  # client-generated on the phone; a replay returns the same row
    due_on: PlanDay
    kind: FollowupKind = FollowupKind.call
    note: OptText1000 = None
    assigned_to: uuid.UUID | None = None  # default: the caller; others only for coordinators


class FollowupUpdate(BaseModel):
    model_config = ConfigDict(
        extra="ignore", json_schema_extra=not_nullable("due_on", "kind", "done")
    )
    due_on: PlanDay | None = None
    kind: FollowupKind | None = None
    note: OptText1000 = None
    done: StrictBool | None = None  # not 0/1: the schema says boolean

    @model_validator(mode="after")
    def no_null_for_required(self) -> FollowupUpdate:
        for name in ("due_on", "kind", "done"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise FieldProblem("required", "This field cannot be empty.")
        return self


class FollowupPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    lead_id: uuid.UUID
    due_on: date
    kind: str
    note: str | None
    assigned_to: uuid.UUID | None
    done_at: datetime | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int


class FollowupItem(FollowupPublic):
    """A row of the "to do" list: enough of the lead to call the person."""

    lead_first_name: str
    lead_last_name: str | None
    lead_phone: str | None


class FollowupList(BaseModel):
    items: list[FollowupItem]
    total: int
