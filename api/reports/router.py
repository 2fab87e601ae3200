"""The impact report for funders (coordinators and admins)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from api.db import SessionDep
from api.deps import CoordinatorUser
from api.params import Day
from api.reports import service
from api.reports.figures import check_period
from api.reports.schemas import ImpactPublic, PeriodPublic

router = APIRouter(prefix="/api/reports", tags=["reports"])


@router.get("/impact", response_model=ImpactPublic)
def impact(
    session: SessionDep,
    actor: CoordinatorUser,
    from_: Annotated[Day, Query(alias="from")],
    to: Day,
    team_id: uuid.UUID | None = None,
) -> ImpactPublic:
    """Reached, leads, financed, coached, referred, jobs planned and target-group shares
    (cells under 5 suppressed) for a period of Brussels days, with the period before it."""
    check_period(from_, to)
    report = service.impact_report(session, actor=actor, start=from_, end=to, team_id=team_id)
    return ImpactPublic(
        current=PeriodPublic.model_validate(report.current),
        previous=PeriodPublic.model_validate(report.previous),
        target_groups=list(service.TARGET_GROUPS),
    )
