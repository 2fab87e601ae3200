"""Outreach overview for coordinators: sessions by week and commune (people reached, leads,
conversion), venues due a visit, and each agent's activity. The agents are listed by name:
the figures are for coaching conversations, not a ranking."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlmodel import Session, col

from api.funnel.rules import median_of
from api.leads.filters import brussels_midnight
from api.leads.models import Lead
from api.leads.rules import BRUSSELS, brussels_today
from api.scope import Viewer, lead_visible, team_visible
from api.sessions.models import OutreachSession, Tally
from api.users.models import TeamMember, User
from api.venues.models import Venue
from api.vocab import Role
from sync.sqltypes import table_of, utcnow

VENUE_VISIT_DAYS = 30  # a venue with no planned visit is due this long after the last one
DUE_HORIZON_DAYS = 7


@dataclass
class WeekCommune:
    week: date  # the Monday
    commune: str | None
    sessions: int = 0
    reached: int = 0
    leads: int = 0

    @property
    def conversion(self) -> float | None:
        return round(self.leads / self.reached, 4) if self.reached else None


@dataclass
class AgentActivity:
    agent_id: uuid.UUID
    name: str
    sessions: int = 0
    leads: int = 0
    waiting_first_contact: int = 0
    days_to_first_contact: dict[int, int] = field(default_factory=dict)

    @property
    def median_days_to_first_contact(self) -> float | None:
        return median_of(self.days_to_first_contact)


@dataclass
class Overview:
    start: date
    end: date
    weeks: list[WeekCommune]
    venues_due: list[Venue]
    agents: list[AgentActivity]


def monday_of(at: datetime) -> date:
    day = at.astimezone(BRUSSELS).date()
    return day - timedelta(days=day.weekday())


def _sessions(
    session: Session, actor: Viewer, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    s = table_of(OutreachSession)
    reached = (
        select(func.coalesce(func.sum(col(Tally.delta)), 0))
        .where(col(Tally.session_id) == s.c.id, col(Tally.kind) == "conversations")
        .scalar_subquery()
    )
    leads = (
        select(func.count())
        .select_from(Lead)
        .where(col(Lead.session_id) == s.c.id, col(Lead.deleted_at).is_(None))
        .scalar_subquery()
    )
    query = select(s.c.id, s.c.started_at, s.c.commune, s.c.agent_id, reached, leads).where(
        s.c.deleted_at.is_(None),
        team_visible(actor, s.c.team_id),
        s.c.started_at >= start,
        s.c.started_at < end,
    )
    names = ("id", "started_at", "commune", "agent_id", "reached", "leads")
    return [dict(zip(names, row, strict=True)) for row in session.execute(query)]


def _weeks(rows: list[dict[str, Any]]) -> list[WeekCommune]:
    cells: dict[tuple[date, str | None], WeekCommune] = {}
    for row in rows:
        week = monday_of(row["started_at"])
        cell = cells.setdefault((week, row["commune"]), WeekCommune(week, row["commune"]))
        cell.sessions += 1
        cell.reached += int(row["reached"])
        cell.leads += int(row["leads"])
    return sorted(cells.values(), key=lambda c: (c.week, c.commune or ""), reverse=True)


def venues_due(session: Session, actor: Viewer, today: date) -> list[Venue]:
    """Planned visits within a week (or late), and venues not visited for a month with none
    planned."""
    stale = brussels_midnight(today - timedelta(days=VENUE_VISIT_DAYS))
    query = (
        select(Venue)
        .where(
            col(Venue.deleted_at).is_(None),
            team_visible(actor, table_of(Venue).c.team_id),
            or_(
                col(Venue.next_visit_on) <= today + timedelta(days=DUE_HORIZON_DAYS),
                and_(
                    col(Venue.next_visit_on).is_(None),
                    or_(col(Venue.last_visit_at).is_(None), col(Venue.last_visit_at) < stale),
                ),
            ),
        )
        .order_by(col(Venue.next_visit_on).asc().nulls_first(), col(Venue.last_visit_at))
        .limit(200)
    )
    return list(session.execute(query).scalars())


def _agents(
    session: Session,
    actor: Viewer,
    sessions: list[dict[str, Any]],
    start: datetime,
    end: datetime,
) -> list[AgentActivity]:
    query = select(col(User.id), col(User.name)).where(
        col(User.role) == Role.agent.value, col(User.is_active)
    )
    if actor.role != Role.admin:
        members = select(col(TeamMember.user_id)).where(col(TeamMember.team_id).in_(actor.team_ids))
        query = query.where(col(User.id).in_(members))
    agents = {uid: AgentActivity(agent_id=uid, name=name) for uid, name in session.execute(query)}
    for row in sessions:
        if row["agent_id"] in agents:
            agents[row["agent_id"]].sessions += 1
    leads = session.execute(
        select(
            col(Lead.agent_id), col(Lead.created_at), col(Lead.first_contact_at), col(Lead.status)
        ).where(
            lead_visible(actor),
            col(Lead.deleted_at).is_(None),
            col(Lead.agent_id).in_(list(agents)),
            col(Lead.created_at) >= start,
            col(Lead.created_at) < end,
        )
    )
    for agent_id, created, first_contact, status in leads:
        activity = agents[agent_id]
        activity.leads += 1
        if first_contact is None:
            activity.waiting_first_contact += status == "new"
            continue
        days = max(0, int((first_contact - created).total_seconds()) // 86400)
        activity.days_to_first_contact[days] = activity.days_to_first_contact.get(days, 0) + 1
    return sorted(agents.values(), key=lambda a: a.name.casefold())


def overview(session: Session, *, actor: Viewer, start: date, end: date) -> Overview:
    """[start, end] in Brussels days."""
    since, until = brussels_midnight(start), brussels_midnight(end + timedelta(days=1))
    rows = _sessions(session, actor, since, until)
    return Overview(
        start=start,
        end=end,
        weeks=_weeks(rows),
        venues_due=venues_due(session, actor, brussels_today(utcnow())),
        agents=_agents(session, actor, rows, since, until),
    )


def default_period(today: date) -> tuple[date, date]:
    """The last twelve weeks, Monday to today."""
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=11), today
