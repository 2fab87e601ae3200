"""Lead shapes. LeadFields is the one definition of what a lead field may hold; the REST
API and the sync mutators (lead.create / lead.patch) both validate through it."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    model_validator,
)

from api.fields import (
    NON_BLANK,
    Name,
    OptEmail,
    OptName,
    OptPhone,
    OptPostcode,
    OptText80,
    OptText120,
    OptText2000,
    PastInstant,
    SingleLine,
    Text2000,
)
from api.followups.schemas import FollowupPublic
from api.interactions.schemas import InteractionPublic
from api.leads.rules import CONTACT_REQUIRED
from api.validation import FieldProblem, not_nullable
from api.vocab import (
    AgeBand,
    CallTime,
    Channel,
    ConsentChannel,
    ConsentPurpose,
    Education,
    Gender,
    Language,
    LeadStatus,
    Need,
    ProjectStage,
    YesNo,
)

# Mass assignment (AC-3): unknown keys such as team_id, assigned_to or created_at are
# dropped, never applied. Writes that need them have their own endpoints.
_IGNORE_EXTRA = ConfigDict(extra="ignore")


# "1080", "1080 Molenbeek": a Belgian postcode typed where the commune is asked.
_POSTCODE_FIRST = re.compile(r"\s*([1-9][0-9]{3})(?![0-9])[\s,/-]*(.*)", re.DOTALL)


class LeadFields(BaseModel):
    """Every field an agent may set on a lead, all optional (a patch sets some)."""

    model_config = _IGNORE_EXTRA

    @model_validator(mode="before")
    @classmethod
    def postcode_in_commune(cls, data: Any) -> Any:
        """One "commune or postcode" answer (the self-intake form asks it so): leading
        digits go to the postcode when none is given, the rest stays the commune."""
        if not isinstance(data, dict) or not isinstance(data.get("commune"), str):
            return data
        match = _POSTCODE_FIRST.fullmatch(data["commune"])
        if match is None or (data.get("postcode") or "").strip():
            return data
        data = dict(data)
        data["postcode"] = match[1]
        rest = match[2].strip()
        if rest:
            data["commune"] = rest
        else:
            del data["commune"]
        return data

    first_name: Name | None = None
    last_name: OptName = None
    phone: OptPhone = None
    email: OptEmail = None
    language: Language | None = None
    commune: OptText80 = None
    postcode: OptPostcode = None
    project_idea: OptText2000 = None
    sector: OptText80 = None
    project_stage: ProjectStage | None = None
    needs: list[Need] | None = Field(default=None, max_length=4)
    call_time: CallTime | None = None
    channel: Channel | None = None
    session_id: uuid.UUID | None = None
    venue_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    campaign: OptText120 = None
    # Captured when the lead is financed (impact report: jobs planned).
    jobs_planned: int | None = Field(default=None, ge=0, le=999)


# Fields a lead.patch may change, in a stable order (sync merge keys field_hlc on these).
PATCHABLE_FIELDS: tuple[str, ...] = tuple(LeadFields.model_fields)


class ConsentIn(BaseModel):
    model_config = _IGNORE_EXTRA
    id: uuid.UUID | None = None
    purposes: list[ConsentPurpose] = Field(
        min_length=1, max_length=4, json_schema_extra={"contains": {"const": "contact"}}
    )
    text_version: Annotated[str, Field(min_length=1, max_length=40), SingleLine]
    text_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    language: Language
    given_at: PastInstant | None = None
    channel: ConsentChannel = ConsentChannel.agent

    @model_validator(mode="after")
    def contact_is_required(self) -> ConsentIn:
        if ConsentPurpose.contact not in self.purposes:
            raise FieldProblem("consent_required", "The person must agree to be contacted.")
        return self


class MarkersIn(BaseModel):
    model_config = _IGNORE_EXTRA
    gender: Gender | None = None
    age_band: AgeBand | None = None
    single_parent: YesNo | None = None
    education_level: Education | None = None
    job_seeker: YesNo | None = None
    welfare_income: YesNo | None = None
    no_stable_income: YesNo | None = None
    migrant_background: YesNo | None = None


class LeadCreate(LeadFields):
    id: uuid.UUID | None = None  # client-generated on the phone; made here otherwise
    first_name: Name
    channel: Channel
    language: Language = Language.fr
    consent: ConsentIn
    markers: MarkersIn | None = None

    @model_validator(mode="after")
    def reachable(self) -> LeadCreate:
        if not self.phone and not self.email:
            raise FieldProblem("contact_required", CONTACT_REQUIRED)
        return self


# Columns that cannot be emptied (a patch may change them, never null them).
NOT_NULL_FIELDS = frozenset({"first_name", "language", "channel", "needs"})


class LeadUpdate(LeadFields):
    model_config = ConfigDict(json_schema_extra=not_nullable(*sorted(NOT_NULL_FIELDS)))

    @model_validator(mode="after")
    def no_null_for_required(self) -> LeadUpdate:
        for name in NOT_NULL_FIELDS & self.model_fields_set:
            if getattr(self, name) is None:
                raise FieldProblem("required", "This field cannot be empty.")
        return self


class StatusChange(BaseModel):
    model_config = _IGNORE_EXTRA
    status: LeadStatus
    comment: OptText2000 = None


Comment = Annotated[Text2000, Field(min_length=1), NON_BLANK]


class SendBackIn(BaseModel):
    """A coordinator's question to the lead's agent (lead.send_back)."""

    model_config = _IGNORE_EXTRA
    comment: Comment


class AnswerIn(BaseModel):
    """The agent's answer to a send-back (lead.answer), with an optional note."""

    model_config = _IGNORE_EXTRA
    note: OptText2000 = None


class MergeIn(BaseModel):
    """The duplicate to merge into the lead of the path (the survivor)."""

    model_config = _IGNORE_EXTRA
    other_id: uuid.UUID


class AssignIn(BaseModel):
    model_config = _IGNORE_EXTRA
    agent_id: uuid.UUID


class LeadPublic(BaseModel):
    """What list and detail views show. Never carries target-group markers (AC-2)."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    team_id: uuid.UUID
    first_name: str
    last_name: str | None
    phone: str | None
    email: str | None
    language: str
    commune: str | None
    postcode: str | None
    project_idea: str | None
    sector: str | None
    project_stage: str | None
    needs: list[str]
    call_time: str | None
    channel: str
    agent_id: uuid.UUID | None
    session_id: uuid.UUID | None
    venue_id: uuid.UUID | None
    partner_id: uuid.UUID | None
    campaign: str | None
    jobs_planned: int | None
    first_touch_at: datetime
    last_touch_at: datetime
    status: str
    status_changed_at: datetime
    first_contact_at: datetime | None
    assigned_to: uuid.UUID | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    version: int
    # Send-back state (the queue's "sent back" and "answered" marks); details in LeadDetail.
    sent_back_at: datetime | None = None
    answered_at: datetime | None = None


class LeadList(BaseModel):
    items: list[LeadPublic]
    total: int


class LeadSort(StrEnum):
    """`-` first means newest/last first; ties break on id so pages never overlap."""

    created_at = "created_at"
    created_at_desc = "-created_at"
    last_touch_at = "last_touch_at"
    last_touch_at_desc = "-last_touch_at"
    first_name = "first_name"
    first_name_desc = "-first_name"
    status = "status"
    status_desc = "-status"
    status_changed_at = "status_changed_at"  # longest in their stage first
    status_changed_at_desc = "-status_changed_at"
    queue = "queue"  # new and unassigned first, then new, then the rest; newest first


class ConsentSummary(BaseModel):
    """The latest consent record, without the text hash (enough to know what was agreed)."""

    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    purposes: list[str]
    text_version: str
    language: str
    given_at: datetime
    channel: str
    agent_id: uuid.UUID | None
    withdrawn_at: datetime | None


class SendBackState(BaseModel):
    """The latest send-back: the coordinator's comment, the agent's answer, and which
    fields (and status) changed since it was sent."""

    at: datetime
    by: uuid.UUID | None
    by_name: str | None
    comment: str | None
    answered_at: datetime | None
    answer: str | None
    changed_fields: list[str]


class LeadDetail(LeadPublic):
    """One lead with its timeline (newest first), open follow-ups and consent. No markers."""

    timeline: list[InteractionPublic]
    followups: list[FollowupPublic]
    consent: ConsentSummary | None
    send_back: SendBackState | None = None


def lead_changes(fields: LeadFields) -> dict[str, Any]:
    """The fields actually given (explicit nulls included), as plain JSON-able values."""
    return fields.model_dump(mode="json", include=fields.model_fields_set & set(PATCHABLE_FIELDS))


class DuplicateLead(BaseModel):
    """Enough of a lead to tell two apart (no markers)."""

    id: uuid.UUID
    first_name: str
    last_name: str | None
    phone: str | None
    email: str | None
    commune: str | None
    channel: str
    status: str
    created_at: datetime
    assigned_to: uuid.UUID | None


class DuplicatePair(BaseModel):
    a: DuplicateLead
    b: DuplicateLead
    reasons: list[str]


class DuplicateList(BaseModel):
    items: list[DuplicatePair]
    total: int
