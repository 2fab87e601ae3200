"""A partner another record points at (a referral, a lead's attribution): the partners'
rule for it, public so that the folders that refer to partners need no partner service."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from api.partners.models import Partner
from api.references import check_reference, unknown
from api.users.actor import Actor


def partner_for_reference(
    session: Session, *, actor: Actor, partner_id: uuid.UUID, active_only: bool = False
) -> Partner:
    """A partner another record may point at: a bad id is a 422, not a foreign-key error."""
    partner = session.get(Partner, partner_id)
    check_reference(actor, "partner_id", partner, organisation_id=actor.user.organisation_id)
    assert partner is not None
    if active_only and not partner.is_active:
        raise unknown("partner_id")
    return partner
