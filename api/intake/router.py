"""`GET /api/intake/form/{lang}`: the form definition for the agent app's hand-over mode."""

from __future__ import annotations

from functools import cache

import orjson
from fastapi import APIRouter, Request, Response

import i18n
from api import etags
from api.errors import NotFound
from api.intake import form
from api.intake.render import notice
from api.intake.schemas import FormDefinition

router = APIRouter(prefix="/api/intake", tags=["intake"])


@cache
def _document(language: str, notice: form.Notice) -> tuple[bytes, str]:
    body = orjson.dumps(form.definition(language, notice))
    return body, etags.etag_of(body)


@router.get("/form/{lang}", response_model=FormDefinition, responses={304: {}, 404: {}})
def form_definition(lang: str, request: Request) -> Response:
    """The self-intake form in one language (public; ETag, revalidate with If-None-Match)."""
    if lang not in i18n.PUBLIC_LANGUAGES:
        raise NotFound()
    i18n.set_language(lang)  # the document is in that language, whatever was negotiated
    body, etag = _document(lang, notice())
    headers = {"ETag": etag}
    if etags.matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
