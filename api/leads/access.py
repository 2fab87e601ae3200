"""Reaching one lead by id: the rule every folder that works on a lead's records uses
(follow-ups, interactions, privacy, the lead's own use cases). Public, not the lead
service, so those folders need no lead service to apply it."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from api.errors import NotFound
from api.leads.models import Lead
from api.scope import Viewer, can_see_lead


def visible_lead(
    session: Session, *, actor: Viewer, lead_id: uuid.UUID, include_deleted: bool = False
) -> Lead:
    """The lead if the actor may see it; otherwise 404 whether or not it exists."""
    lead = session.get(Lead, lead_id, populate_existing=True)
    # An erased person's tombstone is gone for everyone (it cannot be restored either).
    if lead is None or lead.erased_at is not None or not can_see_lead(actor, lead):
        raise NotFound()
    if lead.deleted_at is not None and not include_deleted:
        raise NotFound()
    return lead
