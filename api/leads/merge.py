"""Merging duplicates from the office screens: a thin adapter over the lead.merge mutator
(api/syncapi/handlers/merge.py), applied with local.apply like a push (CONTRACTS.md C)."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from api.errors import PermissionDenied
from api.leads import rules
from api.leads.access import visible_lead
from api.leads.models import Lead
from api.syncapi import local
from api.users.actor import Actor


def merge_leads(
    session: Session, *, actor: Actor, survivor_id: uuid.UUID, other_id: uuid.UUID
) -> Lead:
    """Merge `other_id` into `survivor_id` (coordinators and admins); the survivor after."""
    if not rules.may_assign(actor):
        raise PermissionDenied()
    session.rollback()  # local.apply opens its own write transaction
    args = {"id": str(survivor_id), "other_id": str(other_id)}
    local.apply(session, actor=actor, mutations=[("lead.merge", args)])
    return visible_lead(session, actor=actor, lead_id=survivor_id)
