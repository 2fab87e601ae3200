"""HTTP routes for outreach sessions and their tallies (thin: parse → service → response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response
from sqlmodel import Session

from api.db import SessionDep
from api.deps import CurrentUser
from api.params import Day, Offset, page_limit
from api.sessions import service
from api.sessions.models import OutreachSession, Tally
from api.sessions.schemas import (
    SessionCreate,
    SessionList,
    SessionPublic,
    SessionUpdate,
    TallyIn,
    TallyPublic,
    Totals,
)
from api.vocab import Channel

router = APIRouter(prefix="/api/sessions", tags=["sessions"])


def _public(row: OutreachSession, totals: dict[str, int]) -> SessionPublic:
    out = SessionPublic.model_validate(row)
    out.totals = Totals(**totals)
    return out


def _one(session: Session, row: OutreachSession) -> SessionPublic:
    return _public(row, service.tally_totals(session, [row.id]).get(row.id, {}))


@router.get("", response_model=SessionList)
def list_sessions(
    session: SessionDep,
    actor: CurrentUser,
    team_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
    channel: Channel | None = None,
    started_from: Day | None = None,
    started_to: Day | None = None,
    limit: Annotated[int, page_limit(service.MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> SessionList:
    """Outreach sessions the caller may see, latest first, with their tally totals.

    `started_from` / `started_to` are calendar days in Brussels, both included."""
    filters = service.SessionFilters(
        team_id=team_id,
        agent_id=agent_id,
        channel=channel.value if channel else None,
        started_from=started_from,
        started_to=started_to,
    )
    rows, total = service.list_sessions(
        session, actor=actor, filters=filters, limit=limit, offset=offset
    )
    totals = service.tally_totals(session, [r.id for r in rows])
    return SessionList(items=[_public(r, totals.get(r.id, {})) for r in rows], total=total)


@router.get("/{session_id}", response_model=SessionPublic)
def get_session(session: SessionDep, actor: CurrentUser, session_id: uuid.UUID) -> SessionPublic:
    """One outreach session with its tally totals per kind."""
    return _one(session, service.visible_session(session, actor=actor, session_id=session_id))


@router.post("", response_model=SessionPublic, status_code=201)
def create_session(
    session: SessionDep, actor: CurrentUser, data: SessionCreate, response: Response
) -> SessionPublic:
    """Start an outreach session in the caller's team (201); a replayed id answers 200."""
    row, created = service.create_session(session, actor=actor, data=data)
    if not created:
        response.status_code = 200
    return _one(session, row)


@router.patch("/{session_id}", response_model=SessionPublic)
def update_session(
    session: SessionDep, actor: CurrentUser, session_id: uuid.UUID, data: SessionUpdate
) -> SessionPublic:
    """Change some fields of an outreach session (e.g. end it)."""
    row = service.update_session(session, actor=actor, session_id=session_id, data=data)
    return _one(session, row)


@router.post("/{session_id}/tallies", response_model=TallyPublic, status_code=201)
def add_tally(
    session: SessionDep,
    actor: CurrentUser,
    session_id: uuid.UUID,
    data: TallyIn,
    response: Response,
) -> Tally:
    """Count coffees, conversations or flyers (201); a replayed tally id answers 200 and
    counts nothing more."""
    tally, created = service.add_tally(session, actor=actor, session_id=session_id, data=data)
    if not created:
        response.status_code = 200
    return tally
