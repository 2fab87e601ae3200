"""The register of data-subject requests and the erasure ledger."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlmodel import Field, SQLModel

from sync.personal import tag
from sync.sqltypes import UTCDateTime, utcnow


class PrivacyRequest(SQLModel, table=True):
    """A request a person made about their data (GDPR Art. 15 to 21), due within a month.

    The person is named by a pseudonym (api/privacy/pseudonym.py) and, while they exist,
    their lead id; erasure clears the lead id. No free text: a note would hold personal data.
    """

    __tablename__ = "privacy_request"
    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    kind: str = Field(max_length=20)  # access | rectification | erasure | withdrawal | …
    lead_id: uuid.UUID | None = Field(default=None, index=True)
    subject: str = Field(max_length=64, index=True)
    channel: str = Field(max_length=10)  # self | agent | office | mail | email
    received_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    due_on: date
    status: str = Field(default="open", max_length=10)  # open | done | refused
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    closed_by: uuid.UUID | None = Field(default=None, foreign_key="user.id")


class Erasure(SQLModel, table=True):
    """One erased person, by pseudonym only: replayed after a restore so that a backup
    taken before the erasure does not bring them back."""

    subject: str = Field(max_length=64, primary_key=True)
    erased_at: datetime = Field(sa_type=UTCDateTime)
    reason: str = Field(max_length=20)  # request | retention | withdrawal


tag(PrivacyRequest, plain=("kind", "subject", "channel", "status"))
tag(Erasure, plain=("subject", "reason"))
