"""Outreach sessions and their tallies: list, read, create, patch, add a tally.

Team-scoped like leads (agents also see the sessions they created or ran). Every write
takes the next sync-space version first, so it serialises with sync pushes and phones pull
the change; field edits are stamped with the server's HLC and merged by the sync rule.
A tally is an increment with its own id, so a replayed one is found, never added twice.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, false, func, or_, true
from sqlmodel import Session, col, select

from api.errors import Conflict, NotFound
from api.leads.rules import BRUSSELS, team_for_new_lead
from api.scope import can_see_team_record
from api.sessions.models import OutreachSession, Tally
from api.sessions.schemas import (
    SessionCreate,
    SessionUpdate,
    TallyIn,
    session_changes,
)
from api.syncapi import local
from api.users.actor import Actor
from api.vocab import Role
from sync.push import jsonable
from sync.sqltypes import utcnow

MAX_PAGE = 200
ENTITY = "outreach_session"


@dataclass(frozen=True)
class SessionFilters:
    team_id: uuid.UUID | None = None
    agent_id: uuid.UUID | None = None
    channel: str | None = None
    started_from: date | None = None  # Brussels calendar days, both inclusive
    started_to: date | None = None


def session_visible(actor: Actor) -> ColumnElement[bool]:
    """Admin: all; coordinator: their teams'; agent: their teams' and the ones they ran."""
    if actor.role == Role.admin:
        return true()
    team_rule = col(OutreachSession.team_id).in_(actor.team_ids) if actor.team_ids else false()
    if actor.role == Role.coordinator:
        return team_rule
    return or_(
        team_rule,
        col(OutreachSession.created_by) == actor.id,
        col(OutreachSession.agent_id) == actor.id,
    )


def can_see_session(actor: Actor, row: OutreachSession) -> bool:
    return can_see_team_record(actor, row.team_id, row.created_by, row.agent_id)


def visible_session(session: Session, *, actor: Actor, session_id: uuid.UUID) -> OutreachSession:
    """The outreach session if the actor may see it; otherwise 404 whether or not it exists."""
    row = session.get(OutreachSession, session_id, populate_existing=True)
    if row is None or row.deleted_at is not None or not can_see_session(actor, row):
        raise NotFound()
    return row


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, BRUSSELS).astimezone(UTC)


def list_sessions(
    session: Session, *, actor: Actor, filters: SessionFilters, limit: int = 50, offset: int = 0
) -> tuple[list[OutreachSession], int]:
    """One page of visible sessions, latest first, and the total."""
    where: list[Any] = [session_visible(actor), col(OutreachSession.deleted_at).is_(None)]
    if filters.team_id:
        where.append(col(OutreachSession.team_id) == filters.team_id)
    if filters.agent_id:
        where.append(col(OutreachSession.agent_id) == filters.agent_id)
    if filters.channel:
        where.append(col(OutreachSession.channel) == filters.channel)
    if filters.started_from:
        where.append(col(OutreachSession.started_at) >= _day_start(filters.started_from))
    if filters.started_to:
        next_day = filters.started_to + timedelta(days=1)
        where.append(col(OutreachSession.started_at) < _day_start(next_day))
    total = session.execute(
        select(func.count()).select_from(OutreachSession).where(*where)
    ).scalar_one()
    rows = session.execute(
        select(OutreachSession)
        .where(*where)
        .order_by(col(OutreachSession.started_at).desc(), col(OutreachSession.id).desc())
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).scalars()
    return list(rows), total


def tally_totals(session: Session, session_ids: list[uuid.UUID]) -> dict[uuid.UUID, dict[str, int]]:
    """Sum of the tallies per session and kind, for the given sessions."""
    totals: dict[uuid.UUID, dict[str, int]] = defaultdict(dict)
    if not session_ids:
        return totals
    rows = session.execute(
        select(col(Tally.session_id), col(Tally.kind), func.sum(col(Tally.delta)))
        .where(col(Tally.session_id).in_(session_ids))
        .group_by(col(Tally.session_id), col(Tally.kind))
    ).all()
    for session_id, kind, total in rows:
        totals[session_id][kind] = int(total)
    return totals


def _changes_for(actor: Actor, data: SessionCreate | SessionUpdate) -> dict[str, Any]:
    changes = session_changes(data)
    if actor.role == Role.agent:
        # An agent records their own sessions; naming someone else is ignored (AC-3).
        changes.pop("agent_id", None)
    return changes


def create_session(
    session: Session, *, actor: Actor, data: SessionCreate
) -> tuple[OutreachSession, bool]:
    """Start a session in the creator's team: the session.create mutation, applied by the
    server; (session, created). A replayed create (same client id) is a patch of the given
    fields, never a duplicate."""
    team_for_new_lead(actor)  # no team, no session: refused before anything else
    changes = _changes_for(actor, data)
    if data.id is not None and (existing := session.get(OutreachSession, data.id)) is not None:
        if existing.deleted_at is not None or not can_see_session(actor, existing):
            raise Conflict("This identifier is already in use.", code="id_taken")
        return _patch(session, actor, existing, changes), False
    session.rollback()  # end the read before the write transaction
    session_id = data.id or uuid.uuid4()
    fields = {name: jsonable(value) for name, value in changes.items()}
    fields.setdefault("started_at", utcnow().isoformat())  # now when not given
    local.apply(
        session,
        actor=actor,
        mutations=[("session.create", {"id": str(session_id), "fields": fields})],
    )
    return visible_session(session, actor=actor, session_id=session_id), True


def _patch(
    session: Session, actor: Actor, row: OutreachSession, changes: dict[str, Any]
) -> OutreachSession:
    """The session.patch mutation of `changes`, as the editor saw the session."""
    local.apply_edit(session, actor=actor, name="session.patch", row=row, changes=changes)
    return visible_session(session, actor=actor, session_id=row.id)


def update_session(
    session: Session, *, actor: Actor, session_id: uuid.UUID, data: SessionUpdate
) -> OutreachSession:
    """Patch the given fields, merged by HLC."""
    row = visible_session(session, actor=actor, session_id=session_id)
    return _patch(session, actor, row, _changes_for(actor, data))


def add_tally(
    session: Session, *, actor: Actor, session_id: uuid.UUID, data: TallyIn
) -> tuple[Tally, bool]:
    """Count people reached: the tally.add mutation, applied by the server; (tally,
    created). A replayed tally id is answered, not added."""
    visible_session(session, actor=actor, session_id=session_id)
    if data.id is not None and (existing := session.get(Tally, data.id)) is not None:
        if existing.session_id != session_id:
            raise Conflict("This identifier is already in use.", code="id_taken")
        return existing, False
    session.rollback()  # end the reads before the write transaction
    tally_id = data.id or uuid.uuid4()
    args = {
        "id": str(tally_id),
        "session_id": str(session_id),
        "kind": data.kind,
        "delta": data.delta,
        "occurred_at": (data.occurred_at or utcnow()).isoformat(),
    }
    local.apply(session, actor=actor, mutations=[("tally.add", args)])
    tally = session.get(Tally, tally_id, populate_existing=True)
    assert tally is not None
    return tally, True
