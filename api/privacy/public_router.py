"""The person's own consent page (public, no login): the signed link is the key."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse

import i18n
from api.db import SessionDep
from api.deps import SettingsDep
from api.errors import NotFound, PayloadTooLarge
from api.privacy import consent_page as page
from api.privacy import links, service
from i18n import gettext as _

router = APIRouter(tags=["privacy"], include_in_schema=False)
MAX_BODY = 16 * 1024  # the public form limit (privacy-security.md)


def _language(lang: str) -> None:
    if lang not in i18n.PUBLIC_LANGUAGES:
        raise NotFound()
    i18n.set_language(lang)


@router.get("/{lang}/consent/{token}", response_class=HTMLResponse)
def consent_page(lang: str, token: str, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """What the person agreed to, and boxes to take it back."""
    _language(lang)
    lead_id = links.lead_of(token, settings)
    active = service.active_purposes(session, lead_id) if lead_id else None
    if active is None:
        return HTMLResponse(page.render_invalid(contact=settings.privacy_contact), 404)
    state = page.PageState(token, active)
    return HTMLResponse(page.render(state, contact=settings.privacy_contact))


@router.post("/{lang}/consent/{token}", response_class=HTMLResponse)
def withdraw(
    lang: str,
    token: str,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    purposes: Annotated[list[str] | None, Form()] = None,
    erase: Annotated[str | None, Form(max_length=1)] = None,
) -> HTMLResponse:
    """Take back the ticked consents at once; a deletion becomes a registered request."""
    _language(lang)
    if int(request.headers.get("content-length") or 0) > MAX_BODY:
        raise PayloadTooLarge()
    lead_id = links.lead_of(token, settings)
    active = service.active_purposes(session, lead_id) if lead_id else None
    if lead_id is None or active is None:
        return HTMLResponse(page.render_invalid(contact=settings.privacy_contact), 404)
    chosen = [p for p in page.CHOICES if p in (purposes or []) and p in active]
    if not chosen and erase != "1":
        state = page.PageState(token, active, error=_(page.PICK_ONE))
        return HTMLResponse(page.render(state, contact=settings.privacy_contact), 422)
    service.self_service(
        session, lead_id=lead_id, purposes=chosen, erase_all=erase == "1", settings=settings
    )
    messages = [_(page.DONE)] if chosen else []
    if erase == "1":
        messages.append(_(page.ERASE_DONE))
    left = service.active_purposes(session, lead_id) or ()
    state = page.PageState(token, left, tuple(messages))
    return HTMLResponse(page.render(state, contact=settings.privacy_contact))
