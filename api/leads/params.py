"""The queue's filters as query parameters: one dependency for the lead list, the funnel and
the exports, so a drill-down link or an export carries the same filters as the screen."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query

from api.leads.filters import SENT_BACK, STAGE_COLUMNS, LeadFilters
from api.params import Day
from api.vocab import Channel, Language, LeadStatus

_STAGE_PATTERN = "^(" + "|".join(STAGE_COLUMNS) + ")$"
_SENT_BACK_PATTERN = "^(" + "|".join(SENT_BACK) + ")$"


async def lead_filters(
    status_: Annotated[list[LeadStatus] | None, Query(alias="status")] = None,
    channel: Channel | None = None,
    agent: uuid.UUID | None = None,
    attributed_agent: uuid.UUID | None = None,
    team_id: uuid.UUID | None = None,
    commune: Annotated[str | None, Query(max_length=80)] = None,
    language: Language | None = None,
    partner_id: uuid.UUID | None = None,
    unassigned: bool = False,
    min_days_in_stage: Annotated[int | None, Query(ge=0, le=3650)] = None,
    overdue: bool = False,
    reached: Annotated[str | None, Query(pattern=_STAGE_PATTERN)] = None,
    from_: Annotated[Day | None, Query(alias="from")] = None,
    to: Day | None = None,
    cohort: Annotated[str | None, Query(pattern=r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    sent_back: Annotated[str | None, Query(pattern=_SENT_BACK_PATTERN)] = None,
) -> LeadFilters:
    # Async although it awaits nothing: FastAPI runs a plain function on a worker thread.
    return LeadFilters(
        status=[s.value for s in status_] if status_ else None,
        channel=channel.value if channel else None,
        agent=agent,
        attributed_agent=attributed_agent,
        team_id=team_id,
        commune=commune,
        language=language.value if language else None,
        partner_id=partner_id,
        unassigned=unassigned,
        min_days_in_stage=min_days_in_stage,
        overdue=overdue,
        reached=reached,
        first_touch_from=from_,
        first_touch_to=to,
        cohort=cohort,
        q=q,
        sent_back=sent_back,
    )


LeadFiltersDep = Annotated[LeadFilters, Depends(lead_filters)]
