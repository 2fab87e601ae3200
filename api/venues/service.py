"""Venues: shops and places an agent's team visits again and again.

Team-scoped like leads (agents also see venues they created); every write takes the next
sync-space version so phones pull the change, and field edits merge by HLC as sync patches do.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, true
from sqlmodel import Session, col, select

from api.errors import Conflict, NotFound
from api.leads.rules import team_for_new_lead
from api.references import check_reference
from api.scope import can_see_team_record
from api.search import like_pattern
from api.sessions.patching import check_not_future
from api.syncapi import local
from api.users.actor import Actor
from api.venues.models import Venue
from api.venues.schemas import VenueCreate, VenueUpdate, VisitIn, venue_changes
from api.vocab import Role
from sync.push import jsonable
from sync.sqltypes import utcnow

MAX_PAGE = 200


def venue_visible(actor: Actor) -> ColumnElement[bool]:
    """Admin: all; coordinator: their teams'; agent: their teams' and the ones they created."""
    if actor.role == Role.admin:
        return true()
    team_rule = col(Venue.team_id).in_(actor.team_ids) if actor.team_ids else false()
    if actor.role == Role.coordinator:
        return team_rule
    return or_(team_rule, col(Venue.created_by) == actor.id)


def can_see_venue(actor: Actor, venue: Venue) -> bool:
    return can_see_team_record(actor, venue.team_id, venue.created_by)


def visible_venue(session: Session, *, actor: Actor, venue_id: uuid.UUID) -> Venue:
    """The venue if the actor may see it; otherwise 404 whether or not it exists."""
    venue = session.get(Venue, venue_id, populate_existing=True)
    if venue is None or venue.deleted_at is not None or not can_see_venue(actor, venue):
        raise NotFound()
    return venue


def venue_for_reference(session: Session, *, actor: Actor, venue_id: uuid.UUID) -> Venue:
    """A venue another record may point at (422 for an unknown or out-of-scope one)."""
    venue = session.get(Venue, venue_id)
    organisation = actor.user.organisation_id
    check_reference(actor, "venue_id", venue, organisation_id=organisation)
    assert venue is not None
    return venue


def list_venues(
    session: Session,
    *,
    actor: Actor,
    team_id: uuid.UUID | None = None,
    q: str | None = None,
    commune: str | None = None,
    due_by: date | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Venue], int]:
    """One page of visible venues by name; `due_by` keeps those whose next visit is due."""
    where: list[Any] = [venue_visible(actor), col(Venue.deleted_at).is_(None)]
    if team_id:
        where.append(col(Venue.team_id) == team_id)
    if q and q.strip():
        where.append(col(Venue.name).ilike(like_pattern(q), escape="\\"))
    if commune and commune.strip():
        where.append(func.lower(col(Venue.commune)) == commune.strip().lower())
    if due_by:
        where.append(col(Venue.next_visit_on) <= due_by)
    total = session.execute(select(func.count()).select_from(Venue).where(*where)).scalar_one()
    rows = session.execute(
        select(Venue)
        .where(*where)
        .order_by(func.lower(col(Venue.name)), col(Venue.id))
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).scalars()
    return list(rows), total


def create_venue(session: Session, *, actor: Actor, data: VenueCreate) -> tuple[Venue, bool]:
    """Create a venue in the creator's team: the venue.create mutation, applied by the
    server; (venue, created). A replayed create (same client id) is a patch of the given
    fields, never a duplicate."""
    team_for_new_lead(actor)  # no team, no venue: refused before anything else
    if data.id is not None and (existing := session.get(Venue, data.id)) is not None:
        if existing.deleted_at is not None or not can_see_venue(actor, existing):
            raise Conflict("This identifier is already in use.", code="id_taken")
        return _patch(session, actor, existing, venue_changes(data)), False
    session.rollback()  # end the read before the write transaction
    venue_id = data.id or uuid.uuid4()
    fields = {name: jsonable(value) for name, value in venue_changes(data).items()}
    local.apply(
        session, actor=actor, mutations=[("venue.create", {"id": str(venue_id), "fields": fields})]
    )
    return visible_venue(session, actor=actor, venue_id=venue_id), True


def _patch(session: Session, actor: Actor, venue: Venue, changes: dict[str, Any]) -> Venue:
    """The venue.patch mutation of `changes`, as the editor saw the venue."""
    local.apply_edit(session, actor=actor, name="venue.patch", row=venue, changes=changes)
    return visible_venue(session, actor=actor, venue_id=venue.id)


def update_venue(
    session: Session, *, actor: Actor, venue_id: uuid.UUID, data: VenueUpdate
) -> Venue:
    """Patch the given fields, merged by HLC."""
    venue = visible_venue(session, actor=actor, venue_id=venue_id)
    return _patch(session, actor, venue, venue_changes(data))


def record_visit(session: Session, *, actor: Actor, venue_id: uuid.UUID, data: VisitIn) -> Venue:
    """Note a visit: the last visit only moves forward (a late, queued visit cannot move it
    back); the next visit is set when given."""
    visited_at = data.visited_at or utcnow()
    check_not_future(visited_at)
    venue = visible_venue(session, actor=actor, venue_id=venue_id)
    changes: dict[str, Any] = {}
    if venue.last_visit_at is None or visited_at > venue.last_visit_at:
        changes["last_visit_at"] = visited_at
    if "next_visit_on" in data.model_fields_set:
        changes["next_visit_on"] = data.next_visit_on
    return _patch(session, actor, venue, changes)
