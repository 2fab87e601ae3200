"""Who may see which lead: the one rule every endpoint, export and sync pull uses.

Agent: leads they created or are assigned to, and their teams' leads. Coordinator: their
teams' leads. Admin: everything.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import col

from api.leads.models import Lead
from api.users.service import Actor
from api.vocab import Role


def lead_visible(actor: Actor) -> ColumnElement[bool]:
    if actor.role == Role.admin:
        return true()
    team_rule = col(Lead.team_id).in_(actor.team_ids) if actor.team_ids else false()
    if actor.role == Role.coordinator:
        return team_rule
    return or_(team_rule, col(Lead.created_by) == actor.id, col(Lead.assigned_to) == actor.id)


def can_see_lead(actor: Actor, lead: Lead) -> bool:
    if actor.role == Role.admin:
        return True
    if lead.team_id in actor.team_ids:
        return True
    return actor.role == Role.agent and actor.id in (lead.created_by, lead.assigned_to)
