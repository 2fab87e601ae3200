"""HTTP routes for referrals (thin: parse → service → response)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response

from api.db import SessionDep
from api.deps import CoordinatorUser, CurrentUser
from api.params import Offset, page_limit
from api.partners.models import Partner
from api.referrals import overview, service
from api.referrals.models import Referral
from api.referrals.schemas import (
    PartnerReferralCountList,
    PartnerReferralCounts,
    ReferralCreate,
    ReferralList,
    ReferralPublic,
    ReferralRow,
    ReferralRows,
    ReferralUpdate,
)
from api.vocab import ReferralDirection, ReferralStatus

router = APIRouter(prefix="/api", tags=["referrals"])


def _public(referral: Referral, partner: Partner) -> ReferralPublic:
    return ReferralPublic(
        id=referral.id,
        lead_id=referral.lead_id,
        partner_id=referral.partner_id,
        partner_name=partner.name,
        direction=referral.direction,
        status=referral.status,
        note=referral.note,
        created_by=referral.created_by,
        created_at=referral.created_at,
        updated_at=referral.updated_at,
    )


@router.get("/referrals", response_model=ReferralRows)
def list_all_referrals(
    session: SessionDep,
    actor: CoordinatorUser,
    direction: ReferralDirection | None = None,
    status: ReferralStatus | None = None,
    partner_id: uuid.UUID | None = None,
    limit: Annotated[int, page_limit(overview.MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> ReferralRows:
    """Referrals in and out of the leads I may see, latest change first."""
    rows, total = overview.list_all(
        session,
        actor=actor,
        direction=direction.value if direction else None,
        status=status.value if status else None,
        partner_id=partner_id,
        limit=limit,
        offset=offset,
    )
    items = [
        ReferralRow(
            **_public(r, p).model_dump(),
            lead_first_name=lead.first_name,
            lead_last_name=lead.last_name,
            lead_status=lead.status,
        )
        for r, p, lead in rows
    ]
    return ReferralRows(items=items, total=total)


@router.get("/referrals/partners", response_model=PartnerReferralCountList)
def referral_counts(session: SessionDep, actor: CoordinatorUser) -> PartnerReferralCountList:
    """Per partner: referrals in, out, and how many are at each echoed status."""
    items = [
        PartnerReferralCounts(
            partner_id=c["partner_id"],
            name=c["name"],
            incoming=c["in"],
            outgoing=c["out"],
            by_status=c["by_status"],
        )
        for c in overview.counts_per_partner(session, actor=actor)
    ]
    return PartnerReferralCountList(items=items, total=len(items))


@router.get("/leads/{lead_id}/referrals", response_model=ReferralList)
def list_referrals(session: SessionDep, actor: CurrentUser, lead_id: uuid.UUID) -> ReferralList:
    """A lead's referrals in and out, newest first."""
    rows = service.list_referrals(session, actor=actor, lead_id=lead_id)
    return ReferralList(items=[_public(r, p) for r, p in rows], total=len(rows))


@router.post("/leads/{lead_id}/referrals", response_model=ReferralPublic, status_code=201)
def create_referral(
    session: SessionDep,
    actor: CurrentUser,
    lead_id: uuid.UUID,
    data: ReferralCreate,
    response: Response,
) -> ReferralPublic:
    """Record a referral of this lead to or from a partner (201; a replayed id answers 200)."""
    referral, partner, created = service.create_referral(
        session, actor=actor, lead_id=lead_id, data=data
    )
    if not created:
        response.status_code = 200
    return _public(referral, partner)


@router.get("/referrals/{referral_id}", response_model=ReferralPublic)
def get_referral(session: SessionDep, actor: CurrentUser, referral_id: uuid.UUID) -> ReferralPublic:
    """One referral."""
    return _public(*service.visible_referral(session, actor=actor, referral_id=referral_id))


@router.patch("/referrals/{referral_id}", response_model=ReferralPublic)
def update_referral(
    session: SessionDep, actor: CurrentUser, referral_id: uuid.UUID, data: ReferralUpdate
) -> ReferralPublic:
    """Echo back the partner's status (accepted, in progress, completed …) or our note."""
    return _public(
        *service.update_referral(session, actor=actor, referral_id=referral_id, data=data)
    )
