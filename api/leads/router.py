"""HTTP routes for leads (thin: parse → service → response)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel

from api.db import SessionDep
from api.deps import CoordinatorUser, CurrentUser, OneHopRoute
from api.leads import duplicates, merge, sendback, service, timeline
from api.leads.params import LeadListQuery
from api.leads.schemas import (
    AnswerIn,
    AssignIn,
    DuplicateLead,
    DuplicateList,
    DuplicatePair,
    LeadCreate,
    LeadDetail,
    LeadList,
    LeadPublic,
    LeadUpdate,
    MergeIn,
    SendBackIn,
    StatusChange,
)
from api.responses import model_json

router = APIRouter(prefix="/api/leads", tags=["leads"])

E = TypeVar("E", bound=Callable[..., Any])


def hot_read(path: str, response_model: type[BaseModel]) -> Callable[[E], E]:
    """A GET route of the coordinators' hot reads (the queue and a lead's detail,
    performance.md P4), answered in one worker-thread hop (api/deps.py `OneHopRoute`)."""

    def register(endpoint: E) -> E:
        router.add_api_route(
            path,
            endpoint,
            methods=["GET"],
            response_model=response_model,
            route_class_override=OneHopRoute,
        )
        return endpoint

    return register


@hot_read("", response_model=LeadList)
def list_leads(
    session: SessionDep, actor: CurrentUser, query: Annotated[LeadListQuery, Query()]
) -> Response:
    """Leads I may see, filtered, sorted and paged."""
    rows, total = service.list_leads(
        session,
        actor=actor,
        filters=query.filters(),
        sort=query.sort,
        limit=query.limit,
        offset=query.offset,
    )
    # One validation of plain dicts (the rows hold exactly LeadPublic's columns): a quarter
    # of the time of fifty validations reading each column off a Row (performance.md P4).
    columns = rows[0]._fields if rows else ()
    items = [dict(zip(columns, r, strict=True)) for r in rows]
    return model_json(LeadList.model_validate({"items": items, "total": total}))


@router.post("", response_model=LeadPublic, status_code=status.HTTP_201_CREATED)
def create_lead(
    body: LeadCreate, session: SessionDep, actor: CurrentUser, response: Response
) -> LeadPublic:
    """Create a lead with consent; replaying the same id returns the stored lead (200)."""
    lead, created = service.create_lead(session, actor=actor, data=body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return LeadPublic.model_validate(lead)


@router.get("/duplicates", response_model=DuplicateList)
def list_duplicates(
    session: SessionDep, actor: CoordinatorUser, lead: uuid.UUID | None = None
) -> DuplicateList:
    """Possible duplicates among the leads I may see, each pair with its reasons (same
    phone, same e-mail, similar name in the same commune, referral and coffee stand)."""
    pairs = duplicates.possible_duplicates(session, actor=actor, lead_id=lead)
    items = [
        DuplicatePair(
            a=DuplicateLead.model_validate(p.a),
            b=DuplicateLead.model_validate(p.b),
            reasons=p.reasons,
        )
        for p in pairs
    ]
    return DuplicateList(items=items, total=len(items))


@hot_read("/{lead_id}", response_model=LeadDetail)
def get_lead(lead_id: uuid.UUID, session: SessionDep, actor: CurrentUser) -> Response:
    """One lead with its timeline, open follow-ups and consent summary."""
    return model_json(timeline.lead_detail(session, actor=actor, lead_id=lead_id))


@router.patch("/{lead_id}", response_model=LeadPublic)
def update_lead(
    lead_id: uuid.UUID, body: LeadUpdate, session: SessionDep, actor: CurrentUser
) -> LeadPublic:
    """Change some fields of a lead."""
    lead = service.update_lead(session, actor=actor, lead_id=lead_id, data=body)
    return LeadPublic.model_validate(lead)


@router.post("/{lead_id}/status", response_model=LeadPublic)
def change_status(
    lead_id: uuid.UUID, body: StatusChange, session: SessionDep, actor: CurrentUser
) -> LeadPublic:
    """Move a lead to another status (logged on its timeline)."""
    lead = service.change_status(session, actor=actor, lead_id=lead_id, data=body)
    return LeadPublic.model_validate(lead)


@router.post("/{lead_id}/assign", response_model=LeadPublic)
def assign_lead(
    lead_id: uuid.UUID, body: AssignIn, session: SessionDep, actor: CurrentUser
) -> LeadPublic:
    """Assign a lead to an agent (coordinators and admins)."""
    lead = sendback.assign_lead(session, actor=actor, lead_id=lead_id, agent_id=body.agent_id)
    return LeadPublic.model_validate(lead)


@router.post("/{lead_id}/send-back", response_model=LeadPublic)
def send_back(
    lead_id: uuid.UUID, body: SendBackIn, session: SessionDep, actor: CurrentUser
) -> LeadPublic:
    """Send a lead back to its agent with a comment (coordinators and admins)."""
    lead = sendback.send_back(session, actor=actor, lead_id=lead_id, comment=body.comment)
    return LeadPublic.model_validate(lead)


@router.post("/{lead_id}/answer", response_model=LeadPublic)
def answer(
    lead_id: uuid.UUID, body: AnswerIn, session: SessionDep, actor: CurrentUser
) -> LeadPublic:
    """Answer a lead's send-back (done; optional note for the coordinator)."""
    lead = sendback.answer(session, actor=actor, lead_id=lead_id, note=body.note)
    return LeadPublic.model_validate(lead)


@router.post("/{lead_id}/merge", response_model=LeadPublic)
def merge_leads(
    lead_id: uuid.UUID, body: MergeIn, session: SessionDep, actor: CurrentUser
) -> LeadPublic:
    """Merge a duplicate into this lead, the survivor (coordinators and admins): its
    interactions, follow-ups, consents and referrals move here; it becomes a tombstone."""
    lead = merge.merge_leads(session, actor=actor, survivor_id=lead_id, other_id=body.other_id)
    return LeadPublic.model_validate(lead)


@router.delete("/{lead_id}", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
def delete_lead(lead_id: uuid.UUID, session: SessionDep, actor: CurrentUser) -> Response:
    """Delete a lead (a tombstone a coordinator can restore)."""
    service.delete_lead(session, actor=actor, lead_id=lead_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/{lead_id}/restore", response_model=LeadPublic)
def restore_lead(lead_id: uuid.UUID, session: SessionDep, actor: CurrentUser) -> LeadPublic:
    """Bring back a deleted lead (coordinators and admins)."""
    lead = service.restore_lead(session, actor=actor, lead_id=lead_id)
    return LeadPublic.model_validate(lead)
