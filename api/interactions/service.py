"""Interaction use cases: the append-only log of a lead. Rows are never edited, only voided."""

from __future__ import annotations

import uuid
from datetime import UTC

from sqlalchemy import func
from sqlmodel import Session, col, select

from api.errors import Conflict, NotFound, PermissionDenied
from api.interactions import rules
from api.interactions.models import Interaction
from api.interactions.schemas import InteractionCreate, VoidIn
from api.leads import service as lead_service
from api.users.service import Actor
from api.vocab import Role
from sync.sqltypes import utcnow


def list_for_lead(
    session: Session, *, lead_id: uuid.UUID, limit: int | None = None, offset: int = 0
) -> tuple[list[Interaction], int]:
    """Newest first (caller has checked the lead is visible)."""
    where = col(Interaction.lead_id) == lead_id
    total = session.execute(select(func.count()).select_from(Interaction).where(where)).scalar_one()
    return timeline(session, lead_id=lead_id, limit=limit, offset=offset), total


def timeline(
    session: Session, *, lead_id: uuid.UUID, limit: int | None = None, offset: int = 0
) -> list[Interaction]:
    """The lead's interactions, newest first, without counting them (the lead detail)."""
    query = (
        select(Interaction)
        .where(col(Interaction.lead_id) == lead_id)
        .order_by(col(Interaction.occurred_at).desc(), col(Interaction.created_at).desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return list(session.execute(query).scalars())


def list_interactions(
    session: Session, *, actor: Actor, lead_id: uuid.UUID, limit: int, offset: int
) -> tuple[list[Interaction], int]:
    lead = lead_service.visible_lead(session, actor=actor, lead_id=lead_id)
    return list_for_lead(session, lead_id=lead.id, limit=limit, offset=offset)


def add_interaction(
    session: Session, *, actor: Actor, lead_id: uuid.UUID, data: InteractionCreate
) -> tuple[Interaction, bool]:
    """Log what happened; (interaction, created). A replayed id answers the stored row."""
    with lead_service.writing(session) as version:
        lead = lead_service.visible_lead(session, actor=actor, lead_id=lead_id)
        if data.id is not None and (existing := session.get(Interaction, data.id)) is not None:
            if existing.lead_id != lead.id:
                raise Conflict("This identifier is already in use.", code="id_taken")
            session.rollback()
            return _get(session, data.id), False
        now = utcnow()
        interaction = Interaction(
            id=data.id or uuid.uuid4(),
            lead_id=lead.id,
            kind=data.kind.value,
            occurred_at=data.occurred_at.astimezone(UTC) if data.occurred_at else now,
            body=data.body,
            channel=data.channel.value if data.channel else None,
            author_id=actor.id,
            created_at=now,
            version=version,
        )
        session.add(interaction)
        lead_service.touch_lead(lead, at=interaction.occurred_at, version=version)
        session.commit()
    return interaction, True


def _get(session: Session, interaction_id: uuid.UUID) -> Interaction:
    interaction = session.get(Interaction, interaction_id, populate_existing=True)
    if interaction is None:
        raise NotFound()
    return interaction


def void_interaction(
    session: Session, *, actor: Actor, interaction_id: uuid.UUID, data: VoidIn
) -> Interaction:
    """Mark an interaction as void, keeping it and the reason (its author or a coordinator)."""
    with lead_service.writing(session) as version:
        interaction = _get(session, interaction_id)
        lead_service.visible_lead(session, actor=actor, lead_id=interaction.lead_id)
        if actor.role == Role.agent and interaction.author_id != actor.id:
            raise PermissionDenied()
        rules.check_voidable(interaction.kind)
        if interaction.voided_at is not None:
            session.rollback()
            return _get(session, interaction_id)
        interaction.voided_at = utcnow()
        interaction.voided_by = actor.id
        interaction.void_reason = data.reason
        interaction.version = version
        session.commit()
    return interaction
