"""Exports for coordinators: the queue's leads, the funnel and the impact report, as CSV
(Belgian Excel: UTF-8 with BOM, `;`) or XLSX. Every export is audited with its row count."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response

from api.db import SessionDep
from api.deps import CoordinatorUser
from api.exports import service, tables
from api.funnel import service as funnel_service
from api.funnel.schemas import GroupBy
from api.leads.params import LeadFiltersDep
from api.params import Day
from api.reports import service as report_service
from api.reports.figures import check_period
from api.users.actor import Actor

router = APIRouter(prefix="/api/exports", tags=["exports"])

Format = Literal["csv", "xlsx"]


def _file(table: service.Table, fmt: Format) -> Response:
    stamp = date.today().isoformat()
    name = f"terrain-{table.name}-{stamp}.{fmt}"
    if fmt == "csv":
        body, media = tables.to_csv(table.header, table.rows), tables.CSV_TYPE
    else:
        body, media = tables.to_xlsx(table.name, table.header, table.rows), tables.XLSX_TYPE
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media, headers=headers)


def _send(session: SessionDep, actor: Actor, table: service.Table, fmt: Format) -> Response:
    return _file(service.audited(session, actor=actor, table=table, kind=fmt), fmt)


@router.get("/leads.{fmt}", response_class=Response, responses={200: {"content": {}}})
def export_leads(
    fmt: Format,
    session: SessionDep,
    actor: CoordinatorUser,
    filters: LeadFiltersDep,
    markers: bool = False,
) -> Response:
    """The queue's leads under its filters; target-group markers only for an admin who asks
    (never migrant background)."""
    table = service.lead_table(session, actor=actor, filters=filters, with_markers=markers)
    return _send(session, actor, table, fmt)


@router.get("/funnel.{fmt}", response_class=Response, responses={200: {"content": {}}})
def export_funnel(
    fmt: Format,
    session: SessionDep,
    actor: CoordinatorUser,
    filters: LeadFiltersDep,
    group_by: GroupBy | None = None,
) -> Response:
    """The funnel table, as on the dashboard (suppressed cells empty)."""
    result = funnel_service.funnel(
        session, actor=actor, filters=filters, group_by=group_by.value if group_by else None
    )
    return _send(session, actor, service.funnel_table(result), fmt)


@router.get("/impact.{fmt}", response_class=Response, responses={200: {"content": {}}})
def export_impact(
    fmt: Format,
    session: SessionDep,
    actor: CoordinatorUser,
    from_: Annotated[Day, Query(alias="from")],
    to: Day,
    team_id: uuid.UUID | None = None,
) -> Response:
    """The impact report table, current and previous period (suppressed cells empty)."""
    check_period(from_, to)
    report = report_service.impact_report(
        session, actor=actor, start=from_, end=to, team_id=team_id
    )
    return _send(session, actor, service.impact_table(report), fmt)
