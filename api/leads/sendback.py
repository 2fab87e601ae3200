"""Send-back, answer and assignment from the REST API: thin adapters over the sync
mutators (api/syncapi/handlers/assign.py, sendback.py) applied with local.apply, so a
coordinator's screen and a phone's push change a lead by the same rule (CONTRACTS.md C).
Also the send-back state the lead page shows: what changed since it was sent."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from api.errors import PermissionDenied
from api.leads import rules
from api.leads.access import visible_lead
from api.leads.models import Lead
from api.leads.schemas import PATCHABLE_FIELDS, SendBackState
from api.syncapi import local
from api.users.actor import Actor
from api.users.models import User

# What the coordinator sees as "changed since the send-back" (assignment is theirs).
_WATCHED = (*PATCHABLE_FIELDS, "status")


def _apply(session: Session, actor: Actor, name: str, args: dict[str, str | None]) -> None:
    session.rollback()  # local.apply opens its own write transaction
    local.apply(session, actor=actor, mutations=[(name, args)])


def assign_lead(session: Session, *, actor: Actor, lead_id: uuid.UUID, agent_id: uuid.UUID) -> Lead:
    """Give the lead to an agent (coordinators and admins): lead.assign."""
    if not rules.may_assign(actor):
        raise PermissionDenied()
    _apply(session, actor, "lead.assign", {"id": str(lead_id), "agent_id": str(agent_id)})
    return visible_lead(session, actor=actor, lead_id=lead_id)


def send_back(session: Session, *, actor: Actor, lead_id: uuid.UUID, comment: str) -> Lead:
    """Send the lead back to its agent with a comment (coordinators and admins)."""
    if not rules.may_assign(actor):
        raise PermissionDenied()
    _apply(session, actor, "lead.send_back", {"id": str(lead_id), "comment": comment})
    return visible_lead(session, actor=actor, lead_id=lead_id)


def answer(session: Session, *, actor: Actor, lead_id: uuid.UUID, note: str | None) -> Lead:
    """Answer the lead's send-back (its agent, from a screen rather than the phone)."""
    _apply(session, actor, "lead.answer", {"id": str(lead_id), "note": note})
    return visible_lead(session, actor=actor, lead_id=lead_id)


def send_back_state(session: Session, lead: Lead) -> SendBackState | None:
    """The latest send-back of a lead, with the fields stamped after it (changed since)."""
    if lead.sent_back_at is None:
        return None
    since = lead.sent_back_hlc or ""
    stamps = lead.field_hlc or {}
    changed = [name for name in _WATCHED if (stamps.get(name) or "") > since]
    by = session.get(User, lead.sent_back_by) if lead.sent_back_by else None
    return SendBackState(
        at=lead.sent_back_at,
        by=lead.sent_back_by,
        by_name=by.name if by else None,
        comment=lead.sent_back_note,
        answered_at=lead.answered_at,
        answer=lead.answer_note,
        changed_fields=changed,
    )
