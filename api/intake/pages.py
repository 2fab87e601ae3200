"""The public self-intake pages: `/intake`, `/{lang}/intake` (GET and POST), the thank-you
page. Plain HTML that works without JavaScript; a script only enhances it. A client that
asks for JSON (`Accept: application/json`, the enhanced form) gets the same answers as JSON.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

import i18n
from api.codes.lookup import normalise
from api.config import get_settings
from api.db import SessionDep
from api.deps import ClientIP
from api.errors import AppError, TooManyRequests
from api.intake import answers, form, render
from api.intake import service as intake
from api.intake.render import message, not_found_page, notice
from api.leads.rules import brussels_today, first_followup_due
from i18n.format import format_date
from sync.sqltypes import utcnow

router = APIRouter(tags=["intake pages"], include_in_schema=False)

MAX_BODY = 16 * 1024  # privacy-security.md: the public form takes at most 16 KB
NO_STORE = {"Cache-Control": "no-store"}  # a page with a client token is never reused


@dataclass(frozen=True)
class FormBody:
    pairs: list[tuple[str, str]]
    too_large: bool = False


async def bounded_form(request: Request) -> FormBody:
    """The urlencoded body, read no further than MAX_BODY (too_large past it)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return FormBody([], too_large=True)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            return FormBody([], too_large=True)
    try:
        text = body.decode("utf-8")
        return FormBody(parse_qsl(text, keep_blank_values=True, max_num_fields=200))
    except (UnicodeDecodeError, ValueError):
        return FormBody([])


BodyDep = Annotated[FormBody, Depends(bounded_form)]


def _page(lang: str, code: str | None = None, path: str = "intake") -> render.Page:
    return render.Page(lang, notice(), path, code)


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _known(lang: str) -> bool:
    return lang in i18n.PUBLIC_LANGUAGES


@router.get("/intake")
def negotiate(request: Request) -> RedirectResponse:
    """The form in the browser's language (Accept-Language, q-values honoured), else French."""
    code = normalise(request.query_params.get("c", ""))
    target = _page(i18n.get_language(), code).href(i18n.get_language())
    return RedirectResponse(target, status_code=302, headers=NO_STORE)


@router.get("/{lang}/intake", response_model=None)
def show_form(lang: str, request: Request) -> Response:
    """The form, blank, with a fresh client token."""
    if not _known(lang):
        return not_found_page(i18n.get_language())
    page = _page(lang, normalise(request.query_params.get("c", "")))
    html = render.form_page(page, render.FormState(), uuid.uuid4().hex)
    return HTMLResponse(html, headers=NO_STORE)


@router.post("/{lang}/intake", response_model=None)
def submit_form(
    lang: str, request: Request, body: BodyDep, session: SessionDep, client: ClientIP
) -> Response:
    """Take a submission: 303 to the thank-you page, or the form again with its errors."""
    if not _known(lang):
        return not_found_page(i18n.get_language())
    settings = get_settings()
    posted = answers.read(body.pairs)
    page = _page(lang, normalise(posted.code or ""))
    texts = form.definition(lang, page.notice)["texts"]
    as_json = _wants_json(request)
    if body.too_large:
        return _refusal(page, as_json, 413, "payload_too_large", "too_large")
    try:
        if posted.honeypot:
            # Accepted in appearance; counted, never stored.
            intake.count_submission(session, client_address=client, settings=settings)
            return _done(page, as_json)
        consent = form.definition(lang, page.notice)["consent"]
        data, errors = answers.validate(posted, language=lang, consent=consent)
        if data is None:
            return _invalid(page, posted, errors, as_json, texts)
        intake.submit(session, data=data, code=page.code, client_address=client, settings=settings)
    except TooManyRequests as exc:
        return _refusal(page, as_json, 429, exc.code, "too_many", **exc.headers)
    except AppError as exc:
        return _refusal(page, as_json, exc.status_code, exc.code, None, detail=exc.detail())
    return _done(page, as_json)


def _done(page: render.Page, as_json: bool) -> Response:
    thanks = page.href(page.lang, "intake/thanks")
    if as_json:
        return JSONResponse({"ok": True, "thanks": thanks}, headers=NO_STORE)
    return RedirectResponse(thanks, status_code=303)


def _invalid(
    page: render.Page,
    posted: answers.Posted,
    errors: dict[str, str],
    as_json: bool,
    texts: dict[str, Any],
) -> Response:
    if as_json:
        fields = {name: texts["errors"][code] for name, code in errors.items()}
        body = {"error": "validation_error", "detail": texts["errors_title"], "fields": fields}
        return JSONResponse(body, status_code=422, headers=NO_STORE)
    state = render.FormState(values=posted.values, errors=errors)
    token = (posted.token or uuid.uuid4()).hex
    return HTMLResponse(render.form_page(page, state, token), status_code=422, headers=NO_STORE)


def _refusal(
    page: render.Page,
    as_json: bool,
    status: int,
    code: str,
    text_key: str | None,
    *,
    detail: str | None = None,
    **headers: str,
) -> Response:
    texts = form.definition(page.lang, page.notice)["texts"]
    title = texts[f"{text_key}_title"] if text_key else texts["title"]
    body = texts[f"{text_key}_body"] if text_key else detail or ""
    if as_json:
        return JSONResponse({"error": code, "detail": body}, status_code=status, headers=headers)
    return message(page, title, [body], status, **headers)


@router.get("/{lang}/intake/thanks", response_model=None)
def thanks(lang: str, request: Request) -> Response:
    """Thank you, in the same language: who calls, and by when."""
    if not _known(lang):
        return not_found_page(i18n.get_language())
    code = normalise(request.query_params.get("c", ""))
    page = _page(lang, code, "intake/thanks")
    texts = form.definition(lang, page.notice)["texts"]
    now = utcnow()
    due = first_followup_due(now)
    by = form.Translated(lang)(form.THANKS_BY).format(date=format_date(due, "full", language=lang))
    days = (due - brussels_today(now)).days
    html = render.render(
        "message.html",
        page,
        title=texts["thanks_title"],
        paragraphs=[form.thanks_body(lang, days), by, texts["thanks_more"]],
        link={"href": page.href(lang, "intake"), "text": texts["again"]},
    )
    return HTMLResponse(html)
