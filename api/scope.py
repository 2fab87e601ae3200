"""Who may see which lead: the one rule every endpoint, export and sync pull uses.

Agent: leads they created or are assigned to, and their teams' leads. Coordinator: their
teams' leads. Admin: everything.
"""

from __future__ import annotations

import uuid
from typing import Protocol

from sqlalchemy import ColumnElement, false, or_, true
from sqlmodel import col

from api.leads.models import Lead
from api.vocab import Role


class Viewer(Protocol):
    """What the scope rules read of a caller (an Actor is one)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def role(self) -> Role: ...

    @property
    def team_ids(self) -> frozenset[uuid.UUID]: ...


def lead_visible(actor: Viewer) -> ColumnElement[bool]:
    if actor.role == Role.admin:
        return true()
    team_rule = col(Lead.team_id).in_(actor.team_ids) if actor.team_ids else false()
    if actor.role == Role.coordinator:
        return team_rule
    return or_(team_rule, col(Lead.created_by) == actor.id, col(Lead.assigned_to) == actor.id)


def team_visible(actor: Viewer, team_column: ColumnElement[uuid.UUID]) -> ColumnElement[bool]:
    """Team-owned rows (sessions, venues) a coordinator or admin reads in reports."""
    if actor.role == Role.admin:
        return true()
    return team_column.in_(actor.team_ids) if actor.team_ids else false()


def can_see_lead(actor: Viewer, lead: Lead) -> bool:
    if actor.role == Role.admin:
        return True
    if lead.team_id in actor.team_ids:
        return True
    return actor.role == Role.agent and actor.id in (lead.created_by, lead.assigned_to)


def can_see_team_record(actor: Viewer, team_id: uuid.UUID, *people: uuid.UUID | None) -> bool:
    """Team-owned records (outreach sessions, venues): their team's, or for an agent the
    ones they created or ran (`people`). Admins see everything."""
    if actor.role == Role.admin or team_id in actor.team_ids:
        return True
    return actor.role == Role.agent and actor.id in people
