"""Attribution code shapes."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, model_validator

from api.fields import OptText80, OptText120
from api.validation import FieldProblem
from api.vocab import CodeKind, Language

# The reference each kind needs (a campaign code needs its campaign name).
KIND_FIELD = {
    CodeKind.agent: "agent_id",
    CodeKind.session: "session_id",
    CodeKind.venue: "venue_id",
    CodeKind.partner: "partner_id",
    CodeKind.campaign: "campaign",
}


class CodeCreate(BaseModel):
    model_config = ConfigDict(extra="ignore")
    kind: CodeKind
    agent_id: uuid.UUID | None = None
    session_id: uuid.UUID | None = None
    venue_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    campaign: OptText80 = None
    label: OptText120 = None
    language: Language | None = None
    # Whose queue gets the leads; defaults to the credited agent's, session's or venue's
    # team, else the caller's.
    team_id: uuid.UUID | None = None

    @model_validator(mode="after")
    def reference_for_kind(self) -> CodeCreate:
        if getattr(self, KIND_FIELD[self.kind]) is None:
            raise FieldProblem("reference_required", "Say what this code is for.")
        return self


class CodePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    code: str
    kind: str
    team_id: uuid.UUID
    agent_id: uuid.UUID | None
    session_id: uuid.UUID | None
    venue_id: uuid.UUID | None
    partner_id: uuid.UUID | None
    campaign: str | None
    label: str | None
    language: str | None
    scans: int
    submissions: int
    url: str
    created_at: datetime
    disabled_at: datetime | None


class CodeList(BaseModel):
    items: list[CodePublic]
    total: int


class CodeDetail(CodePublic):
    """A code with the funnel of the leads it brought (status → count)."""

    funnel: dict[str, int]
