"""HTTP routes for interactions (thin: parse → service → response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response, status

from api.db import SessionDep
from api.deps import CurrentUser
from api.interactions import service
from api.interactions.schemas import (
    InteractionCreate,
    InteractionList,
    InteractionPublic,
    VoidIn,
)
from api.params import Offset, page_limit

router = APIRouter(prefix="/api", tags=["interactions"])


@router.get("/leads/{lead_id}/interactions", response_model=InteractionList)
def list_interactions(
    lead_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentUser,
    limit: Annotated[int, page_limit(200)] = 50,
    offset: Offset = 0,
) -> InteractionList:
    """A lead's interactions, newest first."""
    rows, total = service.list_interactions(
        session, actor=actor, lead_id=lead_id, limit=limit, offset=offset
    )
    return InteractionList(items=[InteractionPublic.model_validate(r) for r in rows], total=total)


@router.post(
    "/leads/{lead_id}/interactions",
    response_model=InteractionPublic,
    status_code=status.HTTP_201_CREATED,
)
def add_interaction(
    lead_id: uuid.UUID,
    body: InteractionCreate,
    session: SessionDep,
    actor: CurrentUser,
    response: Response,
) -> InteractionPublic:
    """Log a conversation, call, visit … on a lead; replaying the same id is harmless."""
    interaction, created = service.add_interaction(session, actor=actor, lead_id=lead_id, data=body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return InteractionPublic.model_validate(interaction)


@router.post("/interactions/{interaction_id}/void", response_model=InteractionPublic)
def void_interaction(
    interaction_id: uuid.UUID, body: VoidIn, session: SessionDep, actor: CurrentUser
) -> InteractionPublic:
    """Void an interaction logged by mistake (it stays, marked void, with the reason)."""
    interaction = service.void_interaction(
        session, actor=actor, interaction_id=interaction_id, data=body
    )
    return InteractionPublic.model_validate(interaction)
