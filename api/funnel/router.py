"""The funnel for coordinators (thin: parse → service → response)."""

from __future__ import annotations

from fastapi import APIRouter

from api.db import SessionDep
from api.deps import CoordinatorUser
from api.funnel import service
from api.funnel.rules import EXITS, STAGES
from api.funnel.schemas import FunnelPublic, FunnelRowPublic, GroupBy
from api.leads.params import LeadFiltersDep

router = APIRouter(prefix="/api/funnel", tags=["funnel"])


@router.get("", response_model=FunnelPublic)
def get_funnel(
    session: SessionDep,
    actor: CoordinatorUser,
    filters: LeadFiltersDep,
    group_by: GroupBy | None = None,
) -> FunnelPublic:
    """Stages reached, conversions and median days in stage, per group, for the leads I may
    see under the queue's filters (from/to: first contact, Brussels days)."""
    result = service.funnel(
        session, actor=actor, filters=filters, group_by=group_by.value if group_by else None
    )
    return FunnelPublic(
        stages=list(STAGES),
        exits=list(EXITS),
        group_by=result.group_by,
        total=FunnelRowPublic.model_validate(result.total),
        groups=[FunnelRowPublic.model_validate(row) for row in result.groups],
        months=result.months,
    )
