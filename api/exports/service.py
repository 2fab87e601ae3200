"""What the exports hold: the queue's leads (markers only for an admin who asks, migrant
background never), the funnel and the impact report as tables. Each export is audited with
its row count (privacy-security.md, Audit)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from api.audit import trail
from api.errors import PermissionDenied
from api.funnel.figures import Funnel
from api.funnel.rules import DURATION_STAGES, EXITS, STAGES
from api.leads.filters import LeadFilters, visible_where
from api.leads.models import Lead, LeadMarker
from api.partners.models import Partner
from api.reports.figures import ImpactReport, PeriodFigures
from api.users.actor import Actor
from api.users.models import Team, User
from api.vocab import Role
from sync.sqltypes import utcnow

LEAD_COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "phone",
    "email",
    "language",
    "commune",
    "postcode",
    "channel",
    "status",
    "status_changed_at",
    "first_touch_at",
    "first_contact_at",
    "project_stage",
    "sector",
    "needs",
    "campaign",
    "jobs_planned",
    "created_at",
)
# Row-level markers an admin may export; migrant background (GDPR Art. 9) is only ever
# shown aggregated, never next to a name.
EXPORTABLE_MARKERS = (
    "gender",
    "age_band",
    "single_parent",
    "education_level",
    "job_seeker",
    "welfare_income",
    "no_stable_income",
)


@dataclass
class Table:
    name: str
    header: list[str]
    rows: list[list[Any]]


def lead_table(
    session: Session, *, actor: Actor, filters: LeadFilters, with_markers: bool
) -> Table:
    if with_markers and actor.role != Role.admin:
        raise PermissionDenied()
    columns: list[Any] = [col(getattr(Lead, name)) for name in LEAD_COLUMNS]
    names: list[Any] = [col(Team.name), col(User.name), col(Partner.name)]
    query = (
        select(*columns, *names)
        .select_from(Lead)
        .join(Team, col(Team.id) == col(Lead.team_id))
        .outerjoin(User, col(User.id) == col(Lead.assigned_to))
        .outerjoin(Partner, col(Partner.id) == col(Lead.partner_id))
    )
    header = [*LEAD_COLUMNS, "team", "assigned_to", "partner"]
    if with_markers:
        query = query.outerjoin(LeadMarker, col(LeadMarker.lead_id) == col(Lead.id)).add_columns(
            *(col(getattr(LeadMarker, m)) for m in EXPORTABLE_MARKERS)
        )
        header.extend(EXPORTABLE_MARKERS)
    query = query.where(*visible_where(actor, filters, now=utcnow())).order_by(
        col(Lead.created_at).desc(), col(Lead.id)
    )
    rows = [list(row) for row in session.execute(query)]
    return Table(name="leads", header=header, rows=rows)


def funnel_table(result: Funnel) -> Table:
    stages = (*STAGES, *EXITS)
    header = [
        "group",
        "label",
        *stages,
        *(f"conversion_{s}" for s in stages[1:]),
        *(f"median_days_{s}" for s in DURATION_STAGES),
    ]
    rows = []
    for row in [*result.groups, result.total]:
        key = "total" if row is result.total else (row.key or "none")
        rows.append(
            [
                key,
                row.label,
                *(row.counts.get(s) for s in stages),
                *(row.conversion.get(s) for s in stages[1:]),
                *(row.median_days.get(s) for s in DURATION_STAGES),
            ]
        )
    return Table(name="funnel", header=header, rows=rows)


def _period_rows(label: str, period: PeriodFigures) -> list[list[Any]]:
    rows: list[list[Any]] = [
        [label, period.start, period.end, name, None, value, None, None]
        for name, value in period.figures.items()
    ]
    for population, shares in period.shares.items():
        for group, share in shares.items():
            rows.append(
                [
                    label,
                    period.start,
                    period.end,
                    f"share_{group}",
                    population,
                    share.count,
                    share.answered,
                    share.share,
                ]
            )
    return rows


def impact_table(report: ImpactReport) -> Table:
    header = ["period", "from", "to", "figure", "among", "count", "answered", "share"]
    rows = _period_rows("current", report.current) + _period_rows("previous", report.previous)
    return Table(name="impact", header=header, rows=rows)


def audited(session: Session, *, actor: Actor, table: Table, kind: str) -> Table:
    """Record the export (what, how many rows; never which people) before it leaves."""
    trail.record(
        session,
        actor=actor,
        action=f"export.{table.name}",
        object_type=kind,
        row_count=len(table.rows),
    )
    return table
