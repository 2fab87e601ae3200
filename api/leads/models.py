"""Leads, their target-group markers and their consent records."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Column, Index, text
from sqlmodel import Field, SQLModel

from sync.personal import Kind, tag
from sync.sqltypes import UTCDateTime, utcnow

_LIVE = text("deleted_at IS NULL")


def _live_index(name: str, *columns: str) -> Index:
    """An index over the leads the lists show (tombstones left out): it also counts them
    without reading the table (performance.md P4)."""
    return Index(name, *columns, sqlite_where=_LIVE, postgresql_where=_LIVE)


def _reached_index(stage: str) -> Index:
    """The team's leads that reached a funnel stage: a drill-down to a late stage reads
    those few instead of walking the team's leads in the list's order (performance.md P4)."""
    reached = text(f"{stage}_at IS NOT NULL AND deleted_at IS NULL")
    return Index(
        f"ix_lead_reached_{stage}",
        "team_id",
        f"{stage}_at",
        sqlite_where=reached,
        postgresql_where=reached,
    )


# The funnel's stages a drill-down can ask for, each with its `<stage>_at` column (api/leads/
# filters.py STAGE_COLUMNS) and its index.
REACHED_STAGES = (
    "contacted",
    "qualified",
    "applied",
    "financed",
    "coached",
    "referred",
    "not_eligible",
    "unreachable",
    "withdrawn",
)


class Lead(SQLModel, table=True):
    __table_args__ = (
        Index("ix_lead_version_id", "version", "id"),
        Index("ix_lead_team_created", "team_id", "created_at"),
        Index("ix_lead_first_touch", "first_touch_at"),
        # The lists' filters and orders, one team at a time (performance.md P4). The
        # queue's own order is the expression index ix_lead_queue, which only the migration
        # "lead list indexes" declares (Alembic cannot compare expression indexes).
        _live_index("ix_lead_team_status_created", "team_id", "status", "created_at", "id"),
        _live_index("ix_lead_team_changed", "team_id", "status_changed_at", "id"),
        _live_index("ix_lead_team_touch", "team_id", "last_touch_at", "id"),
        *(_reached_index(stage) for stage in REACHED_STAGES),
    )
    id: uuid.UUID = Field(primary_key=True)
    team_id: uuid.UUID = Field(foreign_key="team.id")
    first_name: str = Field(max_length=100)
    last_name: str | None = Field(default=None, max_length=100)
    phone: str | None = Field(default=None, max_length=20, index=True)  # E.164
    email: str | None = Field(default=None, max_length=254, index=True)
    language: str = Field(default="fr", max_length=5)
    commune: str | None = Field(default=None, max_length=80)
    postcode: str | None = Field(default=None, max_length=4)
    project_idea: str | None = Field(default=None, max_length=2000)
    sector: str | None = Field(default=None, max_length=60)
    project_stage: str | None = Field(default=None, max_length=20)
    needs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    call_time: str | None = Field(default=None, max_length=20)  # morning | afternoon | …
    # Attribution: how the contact happened and who/what to credit.
    channel: str = Field(max_length=30)
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    session_id: uuid.UUID | None = Field(default=None, foreign_key="outreach_session.id")
    venue_id: uuid.UUID | None = Field(default=None, foreign_key="venue.id")
    partner_id: uuid.UUID | None = Field(default=None, foreign_key="partner.id")
    campaign: str | None = Field(default=None, max_length=80, index=True)  # or QR code
    # Jobs the financed project plans to create, captured when the lead is financed.
    jobs_planned: int | None = None
    first_touch_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_touch_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    status: str = Field(default="new", max_length=20)
    status_changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    assigned_to: uuid.UUID | None = Field(default=None, foreign_key="user.id", index=True)
    created_by: uuid.UUID | None = Field(default=None, foreign_key="user.id", index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # Sync: space version of the last change, per-field HLC stamps, tombstone.
    version: int = Field(default=0, sa_type=BigInteger)
    field_hlc: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    deleted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Set with deleted_at when the person was erased (api/privacy): the row is then a
    # tombstone without personal data that phones still need, and can never be restored.
    erased_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Send-back (issue 12): a coordinator asks the lead's agent for more information; the
    # agent answers from the phone. Only the latest round is kept here; `sent_back_hlc` is
    # the send-back's stamp, so the fields the agent changed since are those stamped later.
    sent_back_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    sent_back_by: uuid.UUID | None = None  # a staff user (no key: users are never deleted)
    sent_back_note: str | None = Field(default=None, max_length=2000)
    sent_back_hlc: str | None = Field(default=None, max_length=80)
    answered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    answer_note: str | None = Field(default=None, max_length=2000)
    # Set on the tombstone a merge leaves (api/syncapi/handlers/merge.py): the survivor.
    merged_into: uuid.UUID | None = Field(default=None)
    # Funnel progress, derived from the lead's interactions by database triggers (migration
    # "lead_progress"), never written by the app: whatever path writes a status change
    # (REST, sync push, merge, seed), the funnel reads one row per lead instead of its
    # history. "<stage>_at" is the first time the lead reached that stage or a later one
    # (contacted < qualified < applied < financed | coached); side exits are each their
    # first time; first_contact_at is the first call, visit, appointment or forward step.
    contacted_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    qualified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    applied_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    financed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    coached_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    referred_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    not_eligible_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    unreachable_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    first_contact_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Whole days spent in a stage before reaching the next one (new: first touch →
    # contacted; applied: → first decision), kept by the same triggers, so the funnel's
    # medians group small integers instead of parsing times (migration "days in stage").
    days_in_new: int | None = None
    days_in_contacted: int | None = None
    days_in_qualified: int | None = None
    days_in_applied: int | None = None


class Consent(SQLModel, table=True):
    """What the person agreed to, which text (version + SHA-256), in which language, when,
    through whom. Withdrawal is a timestamp, never a deletion."""

    id: uuid.UUID = Field(primary_key=True)
    lead_id: uuid.UUID = Field(foreign_key="lead.id", index=True)
    purposes: list[str] = Field(sa_column=Column(JSON, nullable=False))
    text_version: str = Field(max_length=40)
    text_sha256: str = Field(max_length=64)
    language: str = Field(max_length=5)
    given_at: datetime = Field(sa_type=UTCDateTime)
    channel: str = Field(max_length=10)  # agent | self
    agent_id: uuid.UUID | None = Field(default=None, foreign_key="user.id")
    withdrawn_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Which purposes were withdrawn (the latest withdrawal at withdrawn_at); NULL with a
    # withdrawn_at: all of them.
    withdrawn_purposes: list[str] | None = Field(default=None, sa_column=Column(JSON))


class LeadMarker(SQLModel, table=True):
    """Optional target-group markers, each nullable (not asked) or `prefer_not_to_say`.

    Migrant background may reveal ethnic origin (GDPR Art. 9): the constraint refuses it
    unless a consent record covering sensitive markers is linked.
    """

    __tablename__ = "lead_marker"
    __table_args__ = (
        CheckConstraint(
            "migrant_background IS NULL OR sensitive_consent_id IS NOT NULL",
            name="sensitive_needs_consent",
        ),
    )
    lead_id: uuid.UUID = Field(foreign_key="lead.id", primary_key=True)
    consent_id: uuid.UUID | None = Field(default=None, foreign_key="consent.id")
    sensitive_consent_id: uuid.UUID | None = Field(default=None, foreign_key="consent.id")
    gender: str | None = Field(default=None, max_length=20)
    age_band: str | None = Field(default=None, max_length=20)
    single_parent: str | None = Field(default=None, max_length=20)
    education_level: str | None = Field(default=None, max_length=20)
    job_seeker: str | None = Field(default=None, max_length=20)
    welfare_income: str | None = Field(default=None, max_length=20)
    no_stable_income: str | None = Field(default=None, max_length=20)
    migrant_background: str | None = Field(default=None, max_length=20)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# Personal data (sync/personal.py): the access export and erasure are generated from this.
tag(
    Lead,
    personal={
        "first_name": Kind.identity,
        "last_name": Kind.identity,
        "phone": Kind.contact,
        "email": Kind.contact,
        "language": Kind.profile,
        "commune": Kind.profile,
        "postcode": Kind.profile,
        "project_idea": Kind.free_text,
        "sector": Kind.profile,
        "project_stage": Kind.profile,
        "needs": Kind.profile,
        "call_time": Kind.profile,
        "sent_back_note": Kind.free_text,
        "answer_note": Kind.free_text,
    },
    plain=("channel", "campaign", "status", "field_hlc", "sent_back_hlc"),
)
tag(
    Consent,
    personal={"language": Kind.profile},
    plain=("purposes", "text_version", "text_sha256", "channel", "withdrawn_purposes"),
)
tag(
    LeadMarker,
    personal={
        name: Kind.sensitive
        for name in (
            "gender",
            "age_band",
            "single_parent",
            "education_level",
            "job_seeker",
            "welfare_income",
            "no_stable_income",
            "migrant_background",
        )
    },
)
