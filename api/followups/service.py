"""Follow-up use cases: the agent's to-do list ("call within 48 h", appointments …).

Due days are Europe/Brussels calendar days; "today" is computed there, not in UTC.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api.errors import NotFound, PermissionDenied
from api.followups.models import Followup
from api.followups.schemas import DueFilter, FollowupCreate, FollowupUpdate
from api.leads import rules
from api.leads.access import visible_lead
from api.leads.models import Lead
from api.scope import lead_visible
from api.syncapi import local
from api.users.actor import Actor
from api.vocab import Role
from sync.sqltypes import table_of, utcnow


@dataclass(frozen=True)
class FollowupFilters:
    due: DueFilter | None = None
    agent: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    include_done: bool = False


def _due_clause(due: DueFilter, today: date) -> ColumnElement[bool]:
    if due == DueFilter.today:
        return col(Followup.due_on) == today
    if due == DueFilter.overdue:
        return col(Followup.due_on) < today
    return col(Followup.due_on) > today


def list_followups(
    session: Session,
    *,
    actor: Actor,
    filters: FollowupFilters,
    limit: int = 50,
    offset: int = 0,
    now: datetime | None = None,
) -> tuple[list[tuple[Followup, Lead]], int]:
    """Mine by default; coordinators may look at an agent's or a team's (within scope)."""
    if actor.role == Role.agent and filters.agent not in (None, actor.id):
        raise PermissionDenied()
    where: list[ColumnElement[bool]] = [
        lead_visible(actor),
        col(Lead.deleted_at).is_(None),
        col(Followup.deleted_at).is_(None),
    ]
    if filters.agent is None and filters.team_id is None:
        where.append(col(Followup.assigned_to) == actor.id)
    if filters.agent is not None:
        where.append(col(Followup.assigned_to) == filters.agent)
    if filters.team_id is not None:
        where.append(col(Lead.team_id) == filters.team_id)
    if not filters.include_done:
        where.append(col(Followup.done_at).is_(None))
    if filters.due is not None:
        where.append(_due_clause(filters.due, rules.brussels_today(now or utcnow())))
    joined = select(func.count()).select_from(Followup).join(Lead, col(Lead.id) == Followup.lead_id)
    total = session.execute(joined.where(*where)).scalar_one()
    rows = session.execute(
        select(Followup, Lead)
        .join(Lead, col(Lead.id) == Followup.lead_id)
        .where(*where)
        .order_by(col(Followup.due_on), col(Followup.id))
        .limit(limit)
        .offset(offset)
    ).all()
    return [(row[0], row[1]) for row in rows], total


_FOLLOWUPS = table_of(Followup)


def open_for_lead(session: Session, *, lead_id: uuid.UUID) -> list[dict[str, Any]]:
    """Open follow-ups of one lead, soonest first (caller has checked the lead is visible),
    as plain rows: read-only, and a third of the ORM's time (performance.md P4)."""
    t = _FOLLOWUPS
    rows = session.execute(
        sa_select(t)
        .where(t.c.lead_id == lead_id, t.c.done_at.is_(None), t.c.deleted_at.is_(None))
        .order_by(t.c.due_on, t.c.id)
    )
    return [dict(row) for row in rows.mappings()]


def add_followup(
    session: Session, *, actor: Actor, lead_id: uuid.UUID, data: FollowupCreate
) -> tuple[Followup, bool]:
    """Plan a follow-up on a lead: the followup.create mutation, applied by the server;
    (follow-up, created). A replayed id answers the stored row."""
    visible_lead(session, actor=actor, lead_id=lead_id)
    stored = session.get(Followup, data.id) if data.id is not None else None
    if stored is not None and stored.lead_id == lead_id:
        return _get(session, stored.id), False
    # A new id, or another lead's (which the mutation refuses: id_taken).
    followup_id = data.id or uuid.uuid4()
    args = data.model_dump(mode="json", exclude_unset=True)
    local.apply(
        session,
        actor=actor,
        mutations=[("followup.create", {**args, "id": str(followup_id), "lead_id": str(lead_id)})],
    )
    return _get(session, followup_id), True


def _get(session: Session, followup_id: uuid.UUID) -> Followup:
    followup = session.get(Followup, followup_id, populate_existing=True)
    if followup is None or followup.deleted_at is not None:
        raise NotFound()
    return followup


def visible_followup(session: Session, *, actor: Actor, followup_id: uuid.UUID) -> Followup:
    followup = _get(session, followup_id)
    visible_lead(session, actor=actor, lead_id=followup.lead_id)
    return followup


def _updates(followup: Followup, data: FollowupUpdate) -> dict[str, Any]:
    """The patch in JSON form; `done` becomes done_at, changed only when the state flips."""
    given = data.model_dump(mode="json", include=data.model_fields_set - {"done"})
    if data.done is not None and data.done != (followup.done_at is not None):
        given["done_at"] = utcnow().isoformat() if data.done else None
    return given


def update_followup(
    session: Session, *, actor: Actor, followup_id: uuid.UUID, data: FollowupUpdate
) -> Followup:
    """Change due day, kind, note or done: the followup.patch mutation, based on the
    stored values the editor saw (so it is ordered after them, never a conflict)."""
    followup = visible_followup(session, actor=actor, followup_id=followup_id)
    changes = _updates(followup, data)
    local.apply_edit(session, actor=actor, name="followup.patch", row=followup, changes=changes)
    return visible_followup(session, actor=actor, followup_id=followup_id)
