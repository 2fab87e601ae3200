"""Partner organisation shapes (Actiris, VDAB, CPAS/OCMW, local NGOs …)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from api.fields import Name, OptEmail, OptPhone, OptText80
from api.validation import FieldProblem, not_nullable
from api.vocab import PartnerKind

_IN = ConfigDict(extra="ignore", use_enum_values=True)


class PartnerFields(BaseModel):
    """What coordinators and admins may set; organisation, activity and dates are not here."""

    model_config = ConfigDict(
        extra="ignore", use_enum_values=True, json_schema_extra=not_nullable("name", "kind")
    )
    name: Name | None = None
    kind: PartnerKind | None = None
    city: OptText80 = None
    email: OptEmail = None
    phone: OptPhone = None

    @field_validator("name", "kind")
    @classmethod
    def not_emptied(cls, value: Any) -> Any:
        if value is None:
            raise FieldProblem("required", "This field cannot be empty.")
        return value


class PartnerCreate(PartnerFields):
    name: Name
    kind: PartnerKind


class PartnerUpdate(PartnerFields):
    pass


def partner_changes(fields: PartnerFields) -> dict[str, Any]:
    return fields.model_dump(include=fields.model_fields_set & set(PartnerFields.model_fields))


class PartnerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: uuid.UUID
    name: str
    kind: str
    city: str | None
    email: str | None
    phone: str | None
    is_active: bool
    created_at: datetime
    updated_at: datetime


class PartnerList(BaseModel):
    items: list[PartnerPublic]
    total: int
