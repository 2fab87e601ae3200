"""The outreach sessions behind "people reached", under the queue's filters and the viewer's
scope (the funnel and the impact report count the same sessions)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import ColumnElement, func
from sqlmodel import col

from api.leads.filters import LeadFilters, brussels_midnight, month_bounds
from api.scope import Viewer, team_visible
from api.sessions.models import OutreachSession
from sync.sqltypes import table_of

_session = table_of(OutreachSession)


def session_clauses(actor: Viewer, filters: LeadFilters) -> list[ColumnElement[bool]]:
    """The outreach sessions behind "reached" under the same filters and scope."""
    started = col(OutreachSession.started_at)
    clauses: list[ColumnElement[bool]] = [
        col(OutreachSession.deleted_at).is_(None),
        team_visible(actor, _session.c.team_id),
    ]
    if filters.channel:
        clauses.append(col(OutreachSession.channel) == filters.channel)
    if filters.commune:
        clauses.append(func.lower(col(OutreachSession.commune)) == filters.commune.strip().lower())
    for agent in (filters.agent, filters.attributed_agent):
        if agent:
            clauses.append(col(OutreachSession.agent_id) == agent)
    if filters.team_id:
        clauses.append(col(OutreachSession.team_id) == filters.team_id)
    if filters.partner_id:
        clauses.append(col(OutreachSession.partner_id) == filters.partner_id)
    if filters.first_touch_from:
        clauses.append(started >= brussels_midnight(filters.first_touch_from))
    if filters.first_touch_to:
        clauses.append(started < brussels_midnight(filters.first_touch_to + timedelta(days=1)))
    if filters.cohort:
        start, end = month_bounds(filters.cohort)
        clauses.extend([started >= start, started < end])
    return clauses
