"""Referral shapes: in (a partner sent the person) or out (we sent them to a partner)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from api.fields import OptText1000
from api.validation import FieldProblem, not_nullable
from api.vocab import ReferralDirection, ReferralStatus

_IN = ConfigDict(extra="ignore", use_enum_values=True)


class ReferralCreate(BaseModel):
    model_config = _IN
    id: uuid.UUID | None = None  # client-generated where known: a replay is not a duplicate
    partner_id: uuid.UUID
    direction: ReferralDirection
    status: ReferralStatus = ReferralStatus.proposed
    note: OptText1000 = None


class ReferralUpdate(BaseModel):
    """What the partner echoes back (status) and our note; lead, partner and direction stay."""

    model_config = ConfigDict(
        extra="ignore", use_enum_values=True, json_schema_extra=not_nullable("status")
    )
    status: ReferralStatus | None = None
    note: OptText1000 = None

    @field_validator("status")
    @classmethod
    def not_emptied(cls, value: Any) -> Any:
        if value is None:
            raise FieldProblem("required", "This field cannot be empty.")
        return value


class ReferralPublic(BaseModel):
    id: uuid.UUID
    lead_id: uuid.UUID
    partner_id: uuid.UUID
    partner_name: str
    direction: str
    status: str
    note: str | None
    created_by: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


class ReferralList(BaseModel):
    items: list[ReferralPublic]
    total: int


class ReferralRow(ReferralPublic):
    """A referral with the name of its lead (the coordinators' referral list)."""

    lead_first_name: str
    lead_last_name: str | None
    lead_status: str


class ReferralRows(BaseModel):
    items: list[ReferralRow]
    total: int


class PartnerReferralCounts(BaseModel):
    partner_id: uuid.UUID
    name: str
    incoming: int
    outgoing: int
    by_status: dict[str, int]


class PartnerReferralCountList(BaseModel):
    items: list[PartnerReferralCounts]
    total: int
