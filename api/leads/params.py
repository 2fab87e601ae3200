"""The queue's filters as query parameters: one model for the lead list, the funnel and the
exports, so a drill-down link or an export carries the same filters as the screen. One model
rather than a parameter each: the list validates it in one pass on its worker thread
(api/deps.py `OneHopRoute`); the schema documents each field as its own parameter."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from api.leads.filters import SENT_BACK, STAGE_COLUMNS, LeadFilters
from api.leads.schemas import LeadSort
from api.leads.service import MAX_PAGE
from api.params import Day, Offset, page_limit
from api.vocab import Channel, Language, LeadStatus

_STAGE_PATTERN = "^(" + "|".join(STAGE_COLUMNS) + ")$"
_SENT_BACK_PATTERN = "^(" + "|".join(SENT_BACK) + ")$"


class LeadFilterQuery(BaseModel):
    """The queue's filters (api/leads/filters.py `LeadFilters`) as the query sends them."""

    status_: list[LeadStatus] | None = Field(None, alias="status")
    channel: Channel | None = None
    agent: uuid.UUID | None = None
    attributed_agent: uuid.UUID | None = None
    team_id: uuid.UUID | None = None
    commune: str | None = Field(None, max_length=80)
    language: Language | None = None
    partner_id: uuid.UUID | None = None
    unassigned: bool = False
    min_days_in_stage: int | None = Field(None, ge=0, le=3650)
    overdue: bool = False
    reached: str | None = Field(None, pattern=_STAGE_PATTERN)
    from_: Day | None = Field(None, alias="from")
    to: Day | None = None
    cohort: str | None = Field(None, pattern=r"^(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])$")
    q: str | None = Field(None, max_length=100)
    sent_back: str | None = Field(None, pattern=_SENT_BACK_PATTERN)

    def filters(self) -> LeadFilters:
        return LeadFilters(
            status=[s.value for s in self.status_] if self.status_ else None,
            channel=self.channel.value if self.channel else None,
            agent=self.agent,
            attributed_agent=self.attributed_agent,
            team_id=self.team_id,
            commune=self.commune,
            language=self.language.value if self.language else None,
            partner_id=self.partner_id,
            unassigned=self.unassigned,
            min_days_in_stage=self.min_days_in_stage,
            overdue=self.overdue,
            reached=self.reached,
            first_touch_from=self.from_,
            first_touch_to=self.to,
            cohort=self.cohort,
            q=self.q,
            sent_back=self.sent_back,
        )


class LeadListQuery(LeadFilterQuery):
    """A page of the queue: its filters, order and window."""

    sort: LeadSort = LeadSort.created_at_desc
    limit: Annotated[int, page_limit(MAX_PAGE)] = 50
    offset: Offset = 0


async def lead_filters(query: Annotated[LeadFilterQuery, Query()]) -> LeadFilters:
    # Async although it awaits nothing: FastAPI runs a plain function on a worker thread.
    return query.filters()


LeadFiltersDep = Annotated[LeadFilters, Depends(lead_filters)]
