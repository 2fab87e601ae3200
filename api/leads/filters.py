"""The queue's filters: one definition for the lead list, the funnel, its drill-downs and
the exports, so "the leads behind a number" are exactly the leads that number counted."""

from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, func, or_
from sqlmodel import col

from api.fields import normalise_phone
from api.leads.models import REACHED_STAGES, Lead
from api.leads.rules import BRUSSELS, FIRST_CALL_DAYS
from api.scope import Viewer, lead_visible
from api.validation import FieldProblem

# Funnel stages a drill-down can ask for ("the leads that reached it"), by their column.
STAGE_COLUMNS = {stage: getattr(Lead, f"{stage}_at") for stage in REACHED_STAGES}

# Send-back states the queue can show: sent back and not answered yet, or answered.
SENT_BACK = ("waiting", "answered")


@dataclass(frozen=True)
class LeadFilters:
    status: list[str] | None = None
    channel: str | None = None
    agent: uuid.UUID | None = None  # created by or assigned to
    attributed_agent: uuid.UUID | None = None  # the agent credited with the contact
    team_id: uuid.UUID | None = None
    commune: str | None = None
    language: str | None = None
    partner_id: uuid.UUID | None = None
    unassigned: bool = False
    min_days_in_stage: int | None = None
    overdue: bool = False  # no first contact within 48 h, still new
    reached: str | None = None  # a funnel stage (STAGE_COLUMNS)
    first_touch_from: date | None = None  # Brussels calendar days, inclusive
    first_touch_to: date | None = None  # inclusive
    cohort: str | None = None  # "YYYY-MM", the Brussels month of first contact
    q: str | None = None
    sent_back: str | None = None  # SENT_BACK: waiting for the agent, or answered

    def given(self) -> set[str]:
        """The names of the filters that are set."""
        return {f.name for f in fields(self) if getattr(self, f.name) not in (None, False, [])}


def brussels_midnight(day: date) -> datetime:
    """The UTC instant a Brussels calendar day starts."""
    return datetime.combine(day, time(), tzinfo=BRUSSELS).astimezone(UTC)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[start, end) of a Brussels month "YYYY-MM" in UTC."""
    year, number = (int(part) for part in month.split("-"))
    start = date(year, number, 1)
    end = date(year + number // 12, number % 12 + 1, 1)
    return brussels_midnight(start), brussels_midnight(end)


def visible_where(
    actor: Viewer, filters: LeadFilters, *, now: datetime
) -> list[ColumnElement[bool]]:
    """The leads the actor may see (tombstones excluded) that pass the filters: the one
    WHERE of the queue, the funnel, its drill-downs and the exports."""
    return [lead_visible(actor), col(Lead.deleted_at).is_(None), *filter_clauses(filters, now=now)]


def filter_clauses(filters: LeadFilters, *, now: datetime) -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    if filters.status:
        clauses.append(col(Lead.status).in_(filters.status))
    if filters.channel:
        clauses.append(col(Lead.channel) == filters.channel)
    if filters.agent:
        clauses.append(
            or_(col(Lead.agent_id) == filters.agent, col(Lead.assigned_to) == filters.agent)
        )
    if filters.attributed_agent:
        clauses.append(col(Lead.agent_id) == filters.attributed_agent)
    if filters.team_id:
        clauses.append(col(Lead.team_id) == filters.team_id)
    if filters.commune:
        clauses.append(func.lower(col(Lead.commune)) == filters.commune.strip().lower())
    if filters.language:
        clauses.append(col(Lead.language) == filters.language)
    if filters.partner_id:
        clauses.append(col(Lead.partner_id) == filters.partner_id)
    if filters.unassigned:
        clauses.append(col(Lead.assigned_to).is_(None))
    if filters.min_days_in_stage is not None:
        since = now - timedelta(days=filters.min_days_in_stage)
        clauses.append(col(Lead.status_changed_at) <= since)
    if filters.overdue:
        clauses.append(
            and_(
                col(Lead.status) == "new",
                col(Lead.first_contact_at).is_(None),
                col(Lead.created_at) < now - timedelta(days=FIRST_CALL_DAYS),
            )
        )
    if filters.sent_back == "waiting":
        clauses.append(and_(col(Lead.sent_back_at).is_not(None), col(Lead.answered_at).is_(None)))
    elif filters.sent_back == "answered":
        clauses.append(
            and_(col(Lead.sent_back_at).is_not(None), col(Lead.answered_at).is_not(None))
        )
    if filters.reached:
        clauses.append(col(STAGE_COLUMNS[filters.reached]).is_not(None))
    clauses.extend(period_clauses(filters))
    if filters.q and filters.q.strip():
        clauses.append(_text_search(filters.q.strip()))
    return clauses


def period_clauses(filters: LeadFilters) -> list[ColumnElement[bool]]:
    """First contact within the period and the cohort month (Brussels days)."""
    clauses: list[ColumnElement[bool]] = []
    touch = col(Lead.first_touch_at)
    if filters.first_touch_from:
        clauses.append(touch >= brussels_midnight(filters.first_touch_from))
    if filters.first_touch_to:
        clauses.append(touch < brussels_midnight(filters.first_touch_to + timedelta(days=1)))
    if filters.cohort:
        start, end = month_bounds(filters.cohort)
        clauses.extend([touch >= start, touch < end])
    return clauses


def _text_search(q: str) -> ColumnElement[bool]:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    matches: list[ColumnElement[bool]] = [
        col(column).ilike(pattern, escape="\\")
        for column in (Lead.first_name, Lead.last_name, Lead.phone, Lead.email)
    ]
    # "0470 12 34 56" finds the lead stored as +32470123456.
    with suppress(FieldProblem):
        matches.append(col(Lead.phone) == normalise_phone(q))
    return or_(*matches)
