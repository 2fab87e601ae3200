"""HTTP routes for attribution codes (coordinators and admins): create, list, read, disable."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Response

from api.codes import qr, service
from api.codes.models import AttributionCode
from api.codes.schemas import CodeCreate, CodeDetail, CodeList, CodePublic
from api.config import get_settings
from api.db import SessionDep
from api.deps import CoordinatorUser
from api.params import Offset, page_limit
from api.vocab import CodeKind

router = APIRouter(prefix="/api/codes", tags=["codes"])


def _public(row: AttributionCode, submissions: int) -> CodePublic:
    url = qr.short_link(get_settings().public_base_url, row.code)
    return CodePublic.model_validate({**row.model_dump(), "submissions": submissions, "url": url})


@router.post("", response_model=CodePublic, status_code=201)
def create_code(session: SessionDep, actor: CoordinatorUser, data: CodeCreate) -> CodePublic:
    """A new QR code / short link crediting an agent, session, venue, partner or campaign."""
    row = service.create_code(session, actor=actor, data=data)
    return _public(row, 0)


@router.get("", response_model=CodeList)
def list_codes(
    session: SessionDep,
    actor: CoordinatorUser,
    kind: CodeKind | None = None,
    limit: Annotated[int, page_limit(service.MAX_PAGE)] = 50,
    offset: Offset = 0,
) -> CodeList:
    """Codes of my teams, newest first, with their scans and submissions."""
    rows, total = service.list_codes(session, actor=actor, kind=kind, limit=limit, offset=offset)
    counts = service.submissions(session, [r.code for r in rows])
    return CodeList(items=[_public(r, counts.get(r.code, 0)) for r in rows], total=total)


@router.get("/{code_id}", response_model=CodeDetail)
def get_code(session: SessionDep, actor: CoordinatorUser, code_id: uuid.UUID) -> CodeDetail:
    """One code, with the funnel of the self-intakes it brought (leads per status)."""
    row = service.visible_code(session, actor=actor, code_id=code_id)
    funnel = service.funnel(session, row.code)
    public = _public(row, sum(funnel.values()))
    return CodeDetail(**public.model_dump(), funnel=funnel)


@router.delete("/{code_id}", status_code=204)
def disable_code(session: SessionDep, actor: CoordinatorUser, code_id: uuid.UUID) -> Response:
    """Stop crediting the code; its scans still open the form."""
    service.disable_code(session, actor=actor, code_id=code_id)
    return Response(status_code=204)
