"""The impact report funders ask for: per period, people reached, leads, financed, coached,
referred, jobs planned, and the share of each target group among the people who answered
that marker, with no cell under 5 people."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy import case as sql_case
from sqlmodel import Session, col

from api.funnel.rules import SMALL_CELL
from api.leads.filters import LeadFilters, brussels_midnight, visible_where
from api.leads.models import Lead, LeadMarker
from api.reports.figures import ImpactReport, PeriodFigures, Share
from api.scope import Viewer
from api.sessions.filters import session_clauses
from api.sessions.models import OutreachSession, Tally
from api.vocab import PREFER_NOT
from sync.sqltypes import utcnow

# Target group → (marker, the answers that put a person in it).
TARGET_GROUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "women": ("gender", ("woman",)),
    "under_30": ("age_band", ("under_25", "25_29")),
    "over_50": ("age_band", ("50_59", "60_plus")),
    "single_parents": ("single_parent", ("yes",)),
    "no_stable_income": ("no_stable_income", ("yes",)),
    "job_seekers": ("job_seeker", ("yes",)),
    "welfare_income": ("welfare_income", ("yes",)),
    "low_education": ("education_level", ("none", "primary", "lower_secondary")),
    "migrant_background": ("migrant_background", ("yes",)),
}
# The people each share is computed over: leads met in the period, and the people financed,
# coached in it.
POPULATIONS = ("leads", "financed", "coached")


def share_of(answered: int, count: int) -> Share:
    """A target group's share; hidden when the group, the rest of those who answered, or
    those who answered number fewer than 5 (any of them would single people out)."""
    if min(count, answered - count, answered) < SMALL_CELL:
        return Share(answered=None, count=None, share=None, suppressed=True)
    return Share(answered=answered, count=count, share=round(count / answered, 4), suppressed=False)


def _in_period(column: Any, start: date, end: date) -> ColumnElement[bool]:
    return and_(
        column >= brussels_midnight(start), column < brussels_midnight(end + timedelta(days=1))
    )


def _period(
    session: Session, actor: Viewer, team_id: uuid.UUID | None, start: date, end: date
) -> PeriodFigures:
    now = utcnow()
    base = visible_where(actor, LeadFilters(team_id=team_id), now=now)
    out = PeriodFigures(start=start, end=end)
    met = _in_period(col(Lead.first_touch_at), start, end)
    financed = _in_period(col(Lead.financed_at), start, end)
    leads, no_session, coached, referred, jobs, jobs_known, financed_n = session.execute(
        select(
            func.count(sql_case((met, 1))),
            func.count(sql_case((and_(met, col(Lead.session_id).is_(None)), 1))),
            func.count(sql_case((_in_period(col(Lead.coached_at), start, end), 1))),
            func.count(sql_case((_in_period(col(Lead.referred_at), start, end), 1))),
            func.coalesce(func.sum(sql_case((financed, col(Lead.jobs_planned)))), 0),
            func.count(sql_case((and_(financed, col(Lead.jobs_planned).is_not(None)), 1))),
            func.count(sql_case((financed, 1))),
        ).where(*base)
    ).one()
    tallies = LeadFilters(team_id=team_id, first_touch_from=start, first_touch_to=end)
    conversations = session.execute(
        select(func.coalesce(func.sum(col(Tally.delta)), 0))
        .select_from(Tally)
        .join(OutreachSession, col(OutreachSession.id) == col(Tally.session_id))
        .where(col(Tally.kind) == "conversations", *session_clauses(actor, tallies))
    ).scalar_one()
    out.figures = {
        "reached": int(conversations) + no_session,
        "leads": leads,
        "financed": financed_n,
        "coached": coached,
        "referred": referred,
        "jobs_planned": int(jobs),
        "financed_with_jobs_planned": jobs_known,
    }
    populations = {
        "leads": met,
        "financed": financed,
        "coached": _in_period(col(Lead.coached_at), start, end),
    }
    for name, condition in populations.items():
        out.shares[name] = _shares(session, [*base, condition])
    return out


def _shares(session: Session, where: list[ColumnElement[bool]]) -> dict[str, Share]:
    columns = []
    for marker, values in TARGET_GROUPS.values():
        column = col(getattr(LeadMarker, marker))
        answered = and_(column.is_not(None), column != PREFER_NOT)
        columns.append(func.count(sql_case((answered, 1))))
        columns.append(func.count(sql_case((column.in_(values), 1))))
    row = session.execute(
        select(*columns)
        .select_from(Lead)
        .join(LeadMarker, col(LeadMarker.lead_id) == col(Lead.id))
        .where(*where)
    ).one()
    return {group: share_of(row[2 * i], row[2 * i + 1]) for i, group in enumerate(TARGET_GROUPS)}


def previous_period(start: date, end: date) -> tuple[date, date]:
    """Whole calendar months (a quarter, a year) → as many months before; otherwise the
    same number of days before."""
    previous_end = start - timedelta(days=1)
    if start.day == 1 and (end + timedelta(days=1)).day == 1:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1 - months
        return date(index // 12, index % 12 + 1, 1), previous_end
    return previous_end - timedelta(days=(end - start).days), previous_end


def impact_report(
    session: Session,
    *,
    actor: Viewer,
    start: date,
    end: date,
    team_id: uuid.UUID | None = None,
) -> ImpactReport:
    """The period [start, end] (Brussels days, inclusive) and the one just before it."""
    previous_start, previous_end = previous_period(start, end)
    return ImpactReport(
        current=_period(session, actor, team_id, start, end),
        previous=_period(session, actor, team_id, previous_start, previous_end),
    )
