"""The lead detail view: the lead, its timeline, open follow-ups and consent (never markers)."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from api.audit import trail
from api.db import end_read
from api.followups import service as followup_service
from api.followups.schemas import FollowupPublic
from api.interactions import service as interaction_service
from api.interactions.schemas import InteractionPublic
from api.leads import sendback
from api.leads import service as lead_service
from api.leads.access import visible_lead
from api.leads.schemas import ConsentSummary, LeadDetail, LeadPublic
from api.users.actor import Actor


def lead_detail(session: Session, *, actor: Actor, lead_id: uuid.UUID) -> LeadDetail:
    lead = visible_lead(session, actor=actor, lead_id=lead_id)
    interactions = interaction_service.timeline(session, lead_id=lead.id)
    consent = lead_service.latest_consent(session, lead.id)
    detail = LeadDetail(
        **LeadPublic.model_validate(lead).model_dump(),
        timeline=[InteractionPublic.model_validate(i) for i in interactions],
        followups=[
            FollowupPublic.model_validate(f)
            for f in followup_service.open_for_lead(session, lead_id=lead.id)
        ],
        consent=ConsentSummary.model_validate(consent) if consent else None,
        send_back=sendback.send_back_state(session, lead),
    )
    # Everything is read: the snapshot is not held while the audit row is written.
    end_read(session)
    # Each view of a person's detail is audited (privacy-security.md, Audit); the answer
    # waits until its row is committed.
    trail.record_view(session, actor=actor, lead_id=lead.id)
    return detail
