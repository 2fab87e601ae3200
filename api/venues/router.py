"""HTTP routes for venues (thin: parse → service → response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response

from api.db import SessionDep
from api.deps import CurrentUser
from api.params import Day, Offset, page_limit
from api.venues import service
from api.venues.models import Venue
from api.venues.schemas import VenueCreate, VenueList, VenuePublic, VenueUpdate, VisitIn

router = APIRouter(prefix="/api/venues", tags=["venues"])


@router.get("", response_model=VenueList)
def list_venues(
    session: SessionDep,
    actor: CurrentUser,
    team_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=120)] = None,
    commune: Annotated[str | None, Query(max_length=80)] = None,
    due_by: Day | None = None,
    limit: Annotated[int, page_limit(service.MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> VenueList:
    """Venues the caller may see, by name; `due_by` lists those whose next visit is due."""
    rows, total = service.list_venues(
        session,
        actor=actor,
        team_id=team_id,
        q=q,
        commune=commune,
        due_by=due_by,
        limit=limit,
        offset=offset,
    )
    return VenueList(items=[VenuePublic.model_validate(v) for v in rows], total=total)


@router.get("/{venue_id}", response_model=VenuePublic)
def get_venue(session: SessionDep, actor: CurrentUser, venue_id: uuid.UUID) -> Venue:
    """One venue."""
    return service.visible_venue(session, actor=actor, venue_id=venue_id)


@router.post("", response_model=VenuePublic, status_code=201)
def create_venue(
    session: SessionDep, actor: CurrentUser, data: VenueCreate, response: Response
) -> Venue:
    """Add a venue to the caller's team (201); a replay of the same id answers 200."""
    venue, created = service.create_venue(session, actor=actor, data=data)
    if not created:
        response.status_code = 200
    return venue


@router.patch("/{venue_id}", response_model=VenuePublic)
def update_venue(
    session: SessionDep, actor: CurrentUser, venue_id: uuid.UUID, data: VenueUpdate
) -> Venue:
    """Change some fields of a venue."""
    return service.update_venue(session, actor=actor, venue_id=venue_id, data=data)


@router.post("/{venue_id}/visits", response_model=VenuePublic)
def record_visit(
    session: SessionDep,
    actor: CurrentUser,
    venue_id: uuid.UUID,
    data: Annotated[VisitIn | None, Body()] = None,
) -> Venue:
    """Record a visit (now, unless `visited_at` is given) and optionally the next one."""
    return service.record_visit(session, actor=actor, venue_id=venue_id, data=data or VisitIn())
