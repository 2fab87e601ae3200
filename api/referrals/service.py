"""Referrals of a lead to and from partners, with the status the partner echoes back.

A referral is reached only through its lead: whoever may not see the lead gets 404 for its
referrals too (api/scope.py is the one scope rule).
"""

from __future__ import annotations

import uuid

from sqlmodel import Session, col, select

from api.db import begin_write
from api.errors import Conflict, NotFound
from api.leads.models import Lead
from api.partners.models import Partner
from api.partners.reference import partner_for_reference
from api.referrals.models import Referral
from api.referrals.schemas import ReferralCreate, ReferralUpdate
from api.scope import can_see_lead
from api.users.actor import Actor
from sync.sqltypes import utcnow


def _visible_lead(session: Session, *, actor: Actor, lead_id: uuid.UUID) -> Lead:
    lead = session.get(Lead, lead_id, populate_existing=True)
    if lead is None or lead.deleted_at is not None or not can_see_lead(actor, lead):
        raise NotFound()
    return lead


def list_referrals(
    session: Session, *, actor: Actor, lead_id: uuid.UUID
) -> list[tuple[Referral, Partner]]:
    """A lead's referrals with their partner, newest first."""
    _visible_lead(session, actor=actor, lead_id=lead_id)
    rows = session.execute(
        select(Referral, Partner)
        .join(Partner, col(Partner.id) == col(Referral.partner_id))
        .where(col(Referral.lead_id) == lead_id)
        .order_by(col(Referral.created_at).desc(), col(Referral.id))
    ).all()
    return [(r, p) for r, p in rows]


def visible_referral(
    session: Session, *, actor: Actor, referral_id: uuid.UUID
) -> tuple[Referral, Partner]:
    referral = session.get(Referral, referral_id, populate_existing=True)
    if referral is None:
        raise NotFound()
    _visible_lead(session, actor=actor, lead_id=referral.lead_id)
    partner = session.get(Partner, referral.partner_id)
    assert partner is not None  # foreign key
    return referral, partner


def create_referral(
    session: Session, *, actor: Actor, lead_id: uuid.UUID, data: ReferralCreate
) -> tuple[Referral, Partner, bool]:
    """Record a referral in or out; (referral, partner, created). A replayed id answers the
    stored referral."""
    begin_write(session)
    _visible_lead(session, actor=actor, lead_id=lead_id)
    if data.id is not None and (existing := session.get(Referral, data.id)) is not None:
        if existing.lead_id != lead_id:
            raise Conflict("This identifier is already in use.", code="id_taken")
        session.rollback()
        return (*visible_referral(session, actor=actor, referral_id=data.id), False)
    partner = partner_for_reference(
        session, actor=actor, partner_id=data.partner_id, active_only=True
    )
    now = utcnow()
    referral = Referral(
        id=data.id or uuid.uuid4(),
        lead_id=lead_id,
        partner_id=partner.id,
        direction=data.direction,
        status=data.status,
        note=data.note,
        created_by=actor.id,
        created_at=now,
        updated_at=now,
    )
    session.add(referral)
    session.commit()
    return referral, partner, True


def update_referral(
    session: Session, *, actor: Actor, referral_id: uuid.UUID, data: ReferralUpdate
) -> tuple[Referral, Partner]:
    """Echo back the partner's status, or change our note."""
    given = data.model_fields_set & {"status", "note"}
    begin_write(session)
    referral, partner = visible_referral(session, actor=actor, referral_id=referral_id)
    changes = data.model_dump(include=given)
    if any(getattr(referral, k) != v for k, v in changes.items()):
        for name, value in changes.items():
            setattr(referral, name, value)
        referral.updated_at = utcnow()
        session.add(referral)
    session.commit()
    return referral, partner
