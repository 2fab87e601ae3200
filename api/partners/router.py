"""HTTP routes for partners (thin: parse → service → response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.db import SessionDep
from api.deps import CoordinatorUser, CurrentUser
from api.params import Offset, page_limit
from api.partners import service
from api.partners.models import Partner
from api.partners.schemas import PartnerCreate, PartnerList, PartnerPublic, PartnerUpdate
from api.vocab import PartnerKind

router = APIRouter(prefix="/api/partners", tags=["partners"])


@router.get("", response_model=PartnerList)
def list_partners(
    session: SessionDep,
    actor: CurrentUser,
    include_inactive: bool = False,
    kind: PartnerKind | None = None,
    q: Annotated[str | None, Query(max_length=120)] = None,
    limit: Annotated[int, page_limit(service.MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> PartnerList:
    """The organisation's partners, active ones unless asked otherwise."""
    rows, total = service.list_partners(
        session,
        actor=actor,
        include_inactive=include_inactive,
        kind=kind.value if kind else None,
        q=q,
        limit=limit,
        offset=offset,
    )
    return PartnerList(items=[PartnerPublic.model_validate(p) for p in rows], total=total)


@router.get("/{partner_id}", response_model=PartnerPublic)
def get_partner(session: SessionDep, actor: CurrentUser, partner_id: uuid.UUID) -> Partner:
    """One partner."""
    return service.get_partner(session, actor=actor, partner_id=partner_id)


@router.post("", response_model=PartnerPublic, status_code=201)
def create_partner(session: SessionDep, actor: CoordinatorUser, data: PartnerCreate) -> Partner:
    """Add a partner (coordinators and admins)."""
    return service.create_partner(session, actor=actor, data=data)


@router.patch("/{partner_id}", response_model=PartnerPublic)
def update_partner(
    session: SessionDep, actor: CoordinatorUser, partner_id: uuid.UUID, data: PartnerUpdate
) -> Partner:
    """Change a partner's name, kind or contact details (coordinators and admins)."""
    return service.update_partner(session, actor=actor, partner_id=partner_id, data=data)


@router.post("/{partner_id}/deactivate", response_model=PartnerPublic)
def deactivate_partner(
    session: SessionDep, actor: CoordinatorUser, partner_id: uuid.UUID
) -> Partner:
    """Stop offering a partner for new referrals and sessions (coordinators and admins)."""
    return service.set_partner_active(session, actor=actor, partner_id=partner_id, active=False)


@router.post("/{partner_id}/activate", response_model=PartnerPublic)
def activate_partner(session: SessionDep, actor: CoordinatorUser, partner_id: uuid.UUID) -> Partner:
    """Offer a deactivated partner again (coordinators and admins)."""
    return service.set_partner_active(session, actor=actor, partner_id=partner_id, active=True)
