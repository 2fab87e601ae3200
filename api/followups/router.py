"""HTTP routes for followups (thin: parse → service → response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response, status

from api.db import SessionDep
from api.deps import CurrentUser
from api.followups import service
from api.followups.schemas import (
    DueFilter,
    FollowupCreate,
    FollowupItem,
    FollowupList,
    FollowupPublic,
    FollowupUpdate,
)
from api.params import Offset, page_limit

router = APIRouter(prefix="/api", tags=["followups"])


@router.get("/followups", response_model=FollowupList)
def list_followups(
    session: SessionDep,
    actor: CurrentUser,
    due: DueFilter | None = None,
    agent: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    include_done: bool = False,
    limit: Annotated[int, page_limit(200)] = 50,
    offset: Offset = 0,
) -> FollowupList:
    """My follow-ups (or, for coordinators, an agent's or a team's), soonest first."""
    filters = service.FollowupFilters(
        due=due, agent=agent, team_id=team_id, include_done=include_done
    )
    rows, total = service.list_followups(
        session, actor=actor, filters=filters, limit=limit, offset=offset
    )
    items = [
        FollowupItem(
            **FollowupPublic.model_validate(followup).model_dump(),
            lead_first_name=lead.first_name,
            lead_last_name=lead.last_name,
            lead_phone=lead.phone,
        )
        for followup, lead in rows
    ]
    return FollowupList(items=items, total=total)


@router.post(
    "/leads/{lead_id}/followups",
    response_model=FollowupPublic,
    status_code=status.HTTP_201_CREATED,
)
def add_followup(
    lead_id: uuid.UUID,
    body: FollowupCreate,
    session: SessionDep,
    actor: CurrentUser,
    response: Response,
) -> FollowupPublic:
    """Plan a follow-up on a lead; replaying the same id is harmless."""
    followup, created = service.add_followup(session, actor=actor, lead_id=lead_id, data=body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return FollowupPublic.model_validate(followup)


@router.patch("/followups/{followup_id}", response_model=FollowupPublic)
def update_followup(
    followup_id: uuid.UUID, body: FollowupUpdate, session: SessionDep, actor: CurrentUser
) -> FollowupPublic:
    """Reschedule, edit or tick off a follow-up."""
    followup = service.update_followup(session, actor=actor, followup_id=followup_id, data=body)
    return FollowupPublic.model_validate(followup)
