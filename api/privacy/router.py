"""HTTP routes for data-subject rights and the audit trail (thin: parse → service).

Admins: access export, erasure, the register of requests, the audit trail. Coordinators
and admins: rectification. Anyone who may see the lead (its agent too): consent withdrawal
and the person's own consent link.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

import i18n
from api.audit import service as audit
from api.audit import trail
from api.db import SessionDep
from api.deps import AdminUser, CurrentUser, SettingsDep
from api.leads.access import visible_lead
from api.leads.schemas import LeadPublic
from api.params import Instant, Offset, page_limit
from api.privacy import export_html, links, service
from api.privacy.schemas import (
    AccessExport,
    AuditList,
    AuditPublic,
    ConsentLink,
    Erased,
    RectifyIn,
    RequestClose,
    RequestIn,
    RequestList,
    RequestPublic,
    WithdrawIn,
)

router = APIRouter(tags=["privacy"])


@router.get("/api/privacy/leads/{lead_id}/export", response_model=AccessExport)
def access_export(lead_id: uuid.UUID, session: SessionDep, actor: AdminUser) -> AccessExport:
    """Everything Terrain holds about the person (GDPR Art. 15), as JSON."""
    return AccessExport(**service.access_export(session, actor=actor, lead_id=lead_id))


@router.get("/api/privacy/leads/{lead_id}/export.html", response_class=HTMLResponse)
def access_export_html(
    lead_id: uuid.UUID, session: SessionDep, actor: AdminUser, settings: SettingsDep
) -> HTMLResponse:
    """The same, as a page to hand to the person (in the request's language)."""
    export = service.access_export(session, actor=actor, lead_id=lead_id)
    page = export_html.render(
        export, organisation=settings.organisation_name, language=i18n.get_language()
    )
    headers = {"Content-Disposition": f'attachment; filename="data-{export["subject"][:12]}.html"'}
    return HTMLResponse(page, headers=headers)


@router.post("/api/privacy/leads/{lead_id}/erase", response_model=Erased)
def erase(
    lead_id: uuid.UUID, session: SessionDep, actor: AdminUser, settings: SettingsDep
) -> Erased:
    """Erase the person everywhere (GDPR Art. 17); phones drop them at their next pull."""
    count = service.erase(session, actor=actor, lead_ids=[lead_id], settings=settings)
    return Erased(erased=count)


@router.post("/api/privacy/leads/{lead_id}/rectify", response_model=LeadPublic)
def rectify(
    lead_id: uuid.UUID, body: RectifyIn, session: SessionDep, actor: CurrentUser
) -> LeadPublic:
    """Correct the person's data at their request (GDPR Art. 16), audited."""
    lead = service.rectify(session, actor=actor, lead_id=lead_id, changes=body.set_)
    return LeadPublic.model_validate(lead)


@router.post("/api/leads/{lead_id}/consent/withdraw", status_code=204, response_class=Response)
def withdraw_consent(
    lead_id: uuid.UUID, body: WithdrawIn, session: SessionDep, actor: CurrentUser
) -> Response:
    """Record that the person takes back these consents (markers are erased at once)."""
    visible_lead(session, actor=actor, lead_id=lead_id)
    service.withdraw_consent(
        session, actor=actor, lead_id=lead_id, purposes=[p.value for p in body.purposes]
    )
    return Response(status_code=204)


@router.get("/api/leads/{lead_id}/consent-link", response_model=ConsentLink)
def consent_link(
    lead_id: uuid.UUID,
    session: SessionDep,
    actor: CurrentUser,
    settings: SettingsDep,
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> ConsentLink:
    """The link to give the person, where they can take back their consent themselves."""
    lead = visible_lead(session, actor=actor, lead_id=lead_id)
    language = lang if lang in i18n.PUBLIC_LANGUAGES else lead.language
    if language not in i18n.PUBLIC_LANGUAGES:
        language = i18n.DEFAULT_LANGUAGE
    return ConsentLink(url=links.consent_url(lead.id, language, settings))


# ---------------------------------------------------------------- the register


@router.get("/api/privacy/requests", response_model=RequestList)
def list_requests(
    session: SessionDep,
    _actor: AdminUser,
    status: Annotated[str | None, Query(pattern="^(open|done|refused)$")] = None,
    limit: Annotated[int, page_limit(200)] = 100,
    offset: Offset = 0,
) -> RequestList:
    """Requests about people's data, open ones first, the most urgent first."""
    rows, total = service.list_requests(session, status=status, limit=limit, offset=offset)
    return RequestList(items=[RequestPublic.model_validate(r) for r in rows], total=total)


@router.post("/api/privacy/requests", response_model=RequestPublic, status_code=201)
def open_request(
    body: RequestIn, session: SessionDep, actor: AdminUser, settings: SettingsDep
) -> RequestPublic:
    """Register a request; it is due a month after it was received."""
    data = service.NewRequest(body.kind, body.lead_id, body.channel, body.received_at)
    request = service.open_request(session, actor=actor, data=data, settings=settings)
    return RequestPublic.model_validate(request)


@router.post("/api/privacy/requests/{request_id}/close", response_model=RequestPublic)
def close_request(
    request_id: uuid.UUID, body: RequestClose, session: SessionDep, actor: AdminUser
) -> RequestPublic:
    """Close a request as done or refused."""
    request = service.close_request(session, actor=actor, request_id=request_id, status=body.status)
    return RequestPublic.model_validate(request)


# ---------------------------------------------------------------- audit


def _audit_filters(
    action: str | None,
    actor_id: uuid.UUID | None,
    lead_id: uuid.UUID | None,
    since: datetime | None,
    until: datetime | None,
) -> audit.AuditFilters:
    return audit.AuditFilters(
        action=action, actor_id=actor_id, lead_id=lead_id, since=since, until=until
    )


@router.get("/api/audit", response_model=AuditList)
def list_audit(
    session: SessionDep,
    _actor: AdminUser,
    action: Annotated[str | None, Query(max_length=40)] = None,
    actor_id: uuid.UUID | None = None,
    lead_id: uuid.UUID | None = None,
    since: Instant | None = None,
    until: Instant | None = None,
    limit: Annotated[int, page_limit(500)] = 100,
    offset: Offset = 0,
) -> AuditList:
    """The audit trail, newest first (a lead id finds the rows about that person)."""
    filters = _audit_filters(action, actor_id, lead_id, since, until)
    rows, total = audit.list_events(session, filters=filters, limit=limit, offset=offset)
    return AuditList(items=[AuditPublic.model_validate(r) for r in rows], total=total)


@router.get("/api/audit/export.csv", response_class=Response)
def export_audit(
    session: SessionDep,
    actor: AdminUser,
    action: Annotated[str | None, Query(max_length=40)] = None,
    since: Instant | None = None,
    until: Instant | None = None,
) -> Response:
    """The audit trail as CSV (`;` for Belgian spreadsheets); the export is audited too."""
    filters = _audit_filters(action, None, None, since, until)
    rows, _total = audit.list_events(session, filters=filters, limit=1_000_000)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["id", "at", "actor_id", "action", "object_type", "object_ref", "row_count"])
    for r in rows:
        writer.writerow(
            [
                r.id,
                r.at.isoformat(),
                r.actor_id or "",
                r.action,
                r.object_type or "",
                r.object_ref or "",
                "" if r.row_count is None else r.row_count,
            ]
        )
    trail.record(session, actor=actor, action="audit.export", row_count=len(rows))
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
