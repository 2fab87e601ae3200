"""Interaction use cases: the append-only log of a lead. Rows are never edited, only voided."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from api.errors import Conflict, NotFound
from api.interactions.models import Interaction
from api.interactions.schemas import InteractionCreate, VoidIn
from api.leads.access import visible_lead
from api.syncapi import local
from api.users.actor import Actor
from sync.sqltypes import table_of, utcnow


def list_for_lead(
    session: Session, *, lead_id: uuid.UUID, limit: int | None = None, offset: int = 0
) -> tuple[list[dict[str, Any]], int]:
    """Newest first (caller has checked the lead is visible)."""
    where = col(Interaction.lead_id) == lead_id
    total = session.execute(select(func.count()).select_from(Interaction).where(where)).scalar_one()
    return timeline(session, lead_id=lead_id, limit=limit, offset=offset), total


_INTERACTIONS = table_of(Interaction)


def timeline(
    session: Session, *, lead_id: uuid.UUID, limit: int | None = None, offset: int = 0
) -> list[dict[str, Any]]:
    """The lead's interactions, newest first, without counting them (the lead detail). As
    plain rows: read-only, and a third of the ORM's time (performance.md P4)."""
    t = _INTERACTIONS
    query = (
        sa_select(t)
        .where(t.c.lead_id == lead_id)
        .order_by(t.c.occurred_at.desc(), t.c.created_at.desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [dict(row) for row in session.execute(query).mappings()]


def list_interactions(
    session: Session, *, actor: Actor, lead_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    lead = visible_lead(session, actor=actor, lead_id=lead_id)
    return list_for_lead(session, lead_id=lead.id, limit=limit, offset=offset)


def add_interaction(
    session: Session, *, actor: Actor, lead_id: uuid.UUID, data: InteractionCreate
) -> tuple[Interaction, bool]:
    """Log what happened: the interaction.add mutation, applied by the server;
    (interaction, created). A replayed id answers the stored row."""
    visible_lead(session, actor=actor, lead_id=lead_id)
    stored = session.get(Interaction, data.id) if data.id is not None else None
    if stored is not None:
        if stored.lead_id != lead_id:
            raise Conflict("This identifier is already in use.", code="id_taken")
        return _get(session, stored.id), False
    session.rollback()  # end the reads before the write transaction
    interaction_id = data.id or uuid.uuid4()
    args = data.model_dump(mode="json", exclude_unset=True)
    args.setdefault("occurred_at", utcnow().isoformat())
    args.update(id=str(interaction_id), lead_id=str(lead_id))
    local.apply(session, actor=actor, mutations=[("interaction.add", args)])
    return _get(session, interaction_id), True


def _get(session: Session, interaction_id: uuid.UUID) -> Interaction:
    interaction = session.get(Interaction, interaction_id, populate_existing=True)
    if interaction is None:
        raise NotFound()
    return interaction


def void_interaction(
    session: Session, *, actor: Actor, interaction_id: uuid.UUID, data: VoidIn
) -> Interaction:
    """Mark an interaction as void, keeping it and the reason (its author or a
    coordinator): the interaction.void mutation, applied by the server."""
    args = {"id": str(interaction_id), "reason": data.reason}
    local.apply(session, actor=actor, mutations=[("interaction.void", args)])
    return _get(session, interaction_id)
