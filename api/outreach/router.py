"""The outreach overview (coordinators and admins)."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.db import SessionDep
from api.deps import CoordinatorUser
from api.leads.rules import brussels_today
from api.outreach import service
from api.params import Day
from api.reports.figures import check_period
from api.venues.schemas import VenuePublic
from sync.sqltypes import utcnow

router = APIRouter(prefix="/api/outreach", tags=["outreach"])


class WeekCommunePublic(BaseModel):
    week: date
    commune: str | None
    sessions: int
    reached: int
    leads: int
    conversion: float | None


class AgentActivityPublic(BaseModel):
    agent_id: uuid.UUID
    name: str
    sessions: int
    leads: int
    waiting_first_contact: int
    median_days_to_first_contact: float | None


class OverviewPublic(BaseModel):
    start: date
    end: date
    weeks: list[WeekCommunePublic]
    venues_due: list[VenuePublic]
    agents: list[AgentActivityPublic]


@router.get("", response_model=OverviewPublic)
def get_overview(
    session: SessionDep,
    actor: CoordinatorUser,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
) -> OverviewPublic:
    """Sessions by week and commune, venues due a visit, each agent's activity (default:
    the last twelve weeks)."""
    start, end = service.default_period(brussels_today(utcnow()))
    start, end = from_ or start, to or end
    check_period(start, end)
    result = service.overview(session, actor=actor, start=start, end=end)
    return OverviewPublic(
        start=result.start,
        end=result.end,
        weeks=[
            WeekCommunePublic(
                week=w.week,
                commune=w.commune,
                sessions=w.sessions,
                reached=w.reached,
                leads=w.leads,
                conversion=w.conversion,
            )
            for w in result.weeks
        ],
        venues_due=[VenuePublic.model_validate(v) for v in result.venues_due],
        agents=[
            AgentActivityPublic(
                agent_id=a.agent_id,
                name=a.name,
                sessions=a.sessions,
                leads=a.leads,
                waiting_first_contact=a.waiting_first_contact,
                median_days_to_first_contact=a.median_days_to_first_contact,
            )
            for a in result.agents
        ],
    )
