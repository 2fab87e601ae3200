"""The funnel: per group, the leads that reached each stage, the conversions and the median
days in stage, from the progress columns the database keeps on each lead (one aggregate
pass over the leads, one over the session tallies)."""

from __future__ import annotations

import gc
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    func,
    literal,
    null,
    select,
)
from sqlalchemy import case as sql_case
from sqlmodel import Session, col

from api.codes.models import AttributionCode
from api.funnel.figures import Funnel, FunnelRow
from api.funnel.rules import (
    DURATION_STAGES,
    EXITS,
    MARKERS,
    NOT_ANSWERED,
    STAGES,
    conversion,
    median_of,
    suppress_column,
)
from api.leads.filters import LeadFilters, brussels_midnight, month_bounds, visible_where
from api.leads.models import Lead, LeadMarker
from api.leads.rules import BRUSSELS
from api.partners.models import Partner
from api.scope import Viewer
from api.sessions.filters import session_clauses
from api.sessions.models import OutreachSession, Tally
from api.users.models import Team, User
from sync.sqltypes import table_of, utcnow

_lead = table_of(Lead)
_session = table_of(OutreachSession)

# Filters that also narrow the session tallies; with any other filter the people reached
# at sessions cannot be told apart, so "reached" is left out.
_SESSION_FILTERS = {
    "channel",
    "commune",
    "agent",
    "attributed_agent",
    "team_id",
    "partner_id",
    "first_touch_from",
    "first_touch_to",
    "cohort",
}
_SESSION_GROUPS = {"channel", "commune", "agent", "team", "partner", "cohort"}
_PROGRESS = {
    "contacted": Lead.contacted_at,
    "qualified": Lead.qualified_at,
    "applied": Lead.applied_at,
    "financed": Lead.financed_at,
    "coached": Lead.coached_at,
    "referred": Lead.referred_at,
    "not_eligible": Lead.not_eligible_at,
    "unreachable": Lead.unreachable_at,
    "withdrawn": Lead.withdrawn_at,
}
# The pass's count columns, in its order (the last one, leads without a session, apart).
_COUNTED = ("leads", *_PROGRESS)


# ---------------------------------------------------------------- SQL pieces


def months_between(first: datetime, last: datetime) -> list[str]:
    """Every Brussels month "YYYY-MM" from the one holding `first` to the one holding `last`."""
    a, b = first.astimezone(BRUSSELS), last.astimezone(BRUSSELS)
    out = []
    year, month = a.year, a.month
    while (year, month) <= (b.year, b.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_of(column: Any, months: Sequence[str]) -> ColumnElement[Any]:
    """The Brussels month of a UTC time column, as a CASE over the months' UTC bounds
    (exact across daylight saving time, and the same SQL on both databases). The CASE is a
    balanced tree (about five comparisons a row for two years of months, not one per month):
    on SQLite this grouping key is computed for every lead the funnel reads."""
    if not months:
        return null()
    ends = [month_bounds(m)[1] for m in months]

    def tree(lo: int, hi: int, bounded: bool) -> ColumnElement[Any]:
        # The first month of [lo, hi) whose end is after the time. `bounded`: a comparison
        # above already found the time before the end of month hi - 1. NULL past the last
        # month, and for no time (a NULL comparison goes on to the right, never bounded).
        if hi - lo == 1:
            if bounded:
                return literal(months[lo])
            return sql_case((column < ends[lo], literal(months[lo])), else_=null())
        mid = (lo + hi) // 2
        return sql_case((column < ends[mid - 1], tree(lo, mid, True)), else_=tree(mid, hi, bounded))

    return tree(0, len(months), False)


# Days in stage, kept per lead by the database (migration "days in stage").
_DAYS = {
    "leads": "days_in_new",
    "contacted": "days_in_contacted",
    "qualified": "days_in_qualified",
    "applied": "days_in_applied",
}


def _lead_key(group_by: str | None, months: Sequence[str]) -> ColumnElement[Any]:
    if group_by is None:
        return literal("all")
    if group_by in MARKERS:
        return func.coalesce(getattr(LeadMarker, group_by), NOT_ANSWERED)
    if group_by == "cohort":
        return month_of(col(Lead.first_touch_at), months)
    name = {"agent": "agent_id", "team": "team_id", "partner": "partner_id"}.get(group_by, group_by)
    return _lead.c[name]


def _from_leads(query: Select[Any], group_by: str | None) -> Select[Any]:
    if group_by in MARKERS:
        return query.select_from(Lead).outerjoin(
            LeadMarker, col(LeadMarker.lead_id) == col(Lead.id)
        )
    return query.select_from(Lead)


def _session_key(group_by: str | None, months: Sequence[str]) -> ColumnElement[Any]:
    if group_by is None:
        return literal("all")
    if group_by == "cohort":
        return month_of(col(OutreachSession.started_at), months)
    name = {"agent": "agent_id", "team": "team_id", "partner": "partner_id"}.get(group_by, group_by)
    return _session.c[name]


# ---------------------------------------------------------------- the funnel


def _months(session: Session, filters: LeadFilters) -> list[str]:
    if filters.cohort:
        return [filters.cohort]
    first = session.execute(select(func.min(Lead.first_touch_at))).scalar_one()
    first_session = session.execute(select(func.min(OutreachSession.started_at))).scalar_one()
    starts = [t for t in (first, first_session) if t is not None]
    if filters.first_touch_from:
        starts = [brussels_midnight(filters.first_touch_from)]
    now = utcnow()
    end = now
    if filters.first_touch_to:
        end = min(now, brussels_midnight(filters.first_touch_to))
    return months_between(min(starts), end) if starts else []


def _key_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def leads_pass(
    actor: Viewer,
    filters: LeadFilters,
    group_by: str | None,
    months: Sequence[str],
    *,
    now: datetime,
) -> Select[Any]:
    """The one pass over the viewer's leads: per group and per combination of days in stage
    (whole days: thousands of combinations per group for a whole organisation), how many
    leads there are and how many reached each stage. It reads only columns of the covering index
    ix_lead_funnel (and the markers when grouped by one)."""
    key = _lead_key(group_by, months).label("g")
    days = [_lead.c[_DAYS[stage]] for stage in DURATION_STAGES]
    query = select(
        key,
        *days,
        func.count(),
        *(func.count(col(c)) for c in _PROGRESS.values()),
        func.count(sql_case((col(Lead.session_id).is_(None), 1))),
    )
    where = visible_where(actor, filters, now=now)
    # GROUP BY the label, not the expression again: bound again, its parameters would differ
    # from the select list's, and SQLite would compute the key twice (and carry the columns
    # under it through the sort) instead of once.
    return _from_leads(query, group_by).where(*where).group_by("g", *days)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Put off Python's cyclic garbage collection while the pass's rows are read and summed.
    Tens of thousands of rows, alive together until summed, would be promoted through the
    collector's generations and set off a full collection of the whole process's objects
    (50-70 ms, in most funnels of a whole organisation); they die young (reference counts
    free them), so nothing is left for the collector when it resumes. Process-wide, so it
    resumes only if it ran before (two funnels at once: it resumes when the first ends)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Sums:
    """The pass's rows summed per group: the stage counts, the leads without a session and
    each duration stage's days histogram (for the medians). Rows of disjoint sets of leads
    can be added one after another: everything here is a sum."""

    def __init__(self) -> None:
        self.counts: dict[str | None, dict[str, int]] = {}
        self.no_session: dict[str | None, int] = {}
        self.histograms: dict[str | None, dict[str, dict[int, int]]] = {}

    def add(self, rows: Sequence[Sequence[Any]]) -> None:
        # Tens of thousands of rows for a whole organisation: split them by group, then sum
        # each group's columns at C speed (zip, sum) instead of row by row.
        by_group: dict[Any, list[Sequence[Any]]] = defaultdict(list)
        for row in rows:
            by_group[row[0]].append(row)
        width = len(DURATION_STAGES)
        for raw, chunk in by_group.items():
            g = _key_text(raw)
            columns = list(zip(*chunk, strict=True))
            sums = [sum(c) for c in columns[1 + width :]]
            group = self.counts.setdefault(g, dict.fromkeys(_COUNTED, 0))
            for stage, n in zip(_COUNTED, sums[:-1], strict=True):
                group[stage] += n
            self.no_session[g] = self.no_session.get(g, 0) + sums[-1]
            stages = self.histograms.setdefault(g, {})
            leads = columns[1 + width]
            for stage, days in zip(DURATION_STAGES, columns[1 : 1 + width], strict=True):
                hist = stages.setdefault(stage, {})
                for d, n in zip(days, leads, strict=True):
                    if d is not None:
                        hist[d] = hist.get(d, 0) + n


def funnel(
    session: Session,
    *,
    actor: Viewer,
    filters: LeadFilters,
    group_by: str | None = None,
) -> Funnel:
    months = _months(session, filters)
    query = leads_pass(actor, filters, group_by, months, now=utcnow())
    sums = _Sums()
    # Core rows (not ORM ones): the pass can return tens of thousands of rows.
    with _gc_paused():
        sums.add(session.connection().execute(query).all())
    counts, no_session, histograms = sums.counts, sums.no_session, sums.histograms
    reached = _reached(session, actor, filters, group_by, months)
    total = _total(counts, no_session, histograms, reached)
    rows = _rows(counts, no_session, histograms, reached, group_by)
    _label(session, group_by, rows)
    return Funnel(group_by=group_by, total=total, groups=rows, months=months)


def _reached(
    session: Session,
    actor: Viewer,
    filters: LeadFilters,
    group_by: str | None,
    months: Sequence[str],
) -> dict[str | None, int] | None:
    """Conversations tallied at sessions, per group; None when the filters or the grouping
    say something sessions do not record (a status, a language, a marker …)."""
    if not filters.given() <= _SESSION_FILTERS:
        return None
    if group_by is not None and group_by not in _SESSION_GROUPS:
        return None
    key = _session_key(group_by, months).label("g")
    query = (
        select(key, func.sum(col(Tally.delta)))
        .select_from(Tally)
        .join(OutreachSession, col(OutreachSession.id) == col(Tally.session_id))
        .where(col(Tally.kind) == "conversations", *session_clauses(actor, filters))
        .group_by(key)
    )
    return {_key_text(g): int(n or 0) for g, n in session.execute(query)}


def _rows(
    counts: dict[str | None, dict[str, int]],
    no_session: dict[str | None, int],
    histograms: dict[str | None, dict[str, dict[int, int]]],
    reached: dict[str | None, int] | None,
    group_by: str | None,
) -> list[FunnelRow]:
    keys = set(counts) | set(reached or {})
    rows = []
    for g in sorted(keys, key=lambda k: (k is None, k or "")):
        c: dict[str, int | None] = {stage: 0 for stage in (*STAGES, *EXITS)}
        c.update(counts.get(g, {}))
        c["reached"] = None if reached is None else reached.get(g, 0) + no_session.get(g, 0)
        row = FunnelRow(key=g, counts=c)
        row.median_days = {
            stage: median_of(histograms.get(g, {}).get(stage, {})) for stage in DURATION_STAGES
        }
        rows.append(row)
    if group_by in MARKERS:
        _suppress(rows, histograms)
    for row in rows:
        row.conversion = {stage: conversion(row.counts, stage) for stage in (*STAGES[1:], *EXITS)}
    return rows


def _suppress(
    rows: list[FunnelRow], histograms: dict[str | None, dict[str, dict[int, int]]]
) -> None:
    """Marker breakdowns: no cell under 5 people (privacy-security.md, Reports)."""
    for stage in (*STAGES[1:], *EXITS):
        cells = {row.key or "": int(row.counts[stage] or 0) for row in rows}
        hidden = suppress_column(cells)
        for row in rows:
            if (row.key or "") in hidden:
                row.counts[stage] = None
                row.suppressed.append(stage)
    for row in rows:
        for stage in DURATION_STAGES:
            if sum(histograms.get(row.key, {}).get(stage, {}).values()) < 5:
                row.median_days[stage] = None


def _total(
    counts: dict[str | None, dict[str, int]],
    no_session: dict[str | None, int],
    histograms: dict[str | None, dict[str, dict[int, int]]],
    reached: dict[str | None, int] | None,
) -> FunnelRow:
    """The whole funnel: the groups partition the leads, so their raw counts add up."""
    total = FunnelRow(key=None, counts={stage: 0 for stage in (*STAGES, *EXITS)})
    for group in counts.values():
        for stage, n in group.items():
            total.counts[stage] = (total.counts[stage] or 0) + n
    total.counts["reached"] = (
        None if reached is None else sum(reached.values()) + sum(no_session.values())
    )
    merged: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for stages in histograms.values():
        for stage, hist in stages.items():
            for d, n in hist.items():
                merged[stage][d] += n
    total.median_days = {stage: median_of(merged.get(stage, {})) for stage in DURATION_STAGES}
    total.conversion = {stage: conversion(total.counts, stage) for stage in (*STAGES[1:], *EXITS)}
    return total


def _label(session: Session, group_by: str | None, rows: list[FunnelRow]) -> None:
    """Names for the groups that are ids (agents, teams, partners) or attribution codes."""
    if group_by == "campaign":
        _label_codes(session, rows)
        return
    model: Any = {"agent": User, "team": Team, "partner": Partner}.get(group_by or "")
    if model is None:
        return
    ids = [uuid.UUID(row.key) for row in rows if row.key]
    names = {
        str(i): name
        for i, name in session.execute(select(model.id, model.name).where(model.id.in_(ids)))
    }
    for row in rows:
        row.label = names.get(row.key or "")


def _label_codes(session: Session, rows: list[FunnelRow]) -> None:
    """A QR/short-link code shows its label or campaign name; a campaign typed by hand is
    its own name."""
    keys = [row.key for row in rows if row.key]
    found = session.execute(
        select(
            col(AttributionCode.code), col(AttributionCode.label), col(AttributionCode.campaign)
        ).where(col(AttributionCode.code).in_(keys))
    )
    names = {code: label or campaign or code for code, label, campaign in found}
    for row in rows:
        row.label = names.get(row.key or "", row.key)
