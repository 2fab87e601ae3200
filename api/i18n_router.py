"""The PWA's translation catalogs: one JSON document per language, and the language list."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel

import i18n
from api import etags
from api.errors import NotFound
from i18n import jsexport
from i18n.format import text_direction

router = APIRouter(prefix="/i18n", tags=["i18n"])

# Catalogs change only with a deployment: the browser keeps them but asks again every time
# (cheap with the ETag); the service worker keeps its own copy for offline use.
CACHE_CONTROL = "no-cache"


class LanguageInfo(BaseModel):
    code: str
    name: str
    dir: Literal["ltr", "rtl"]
    tier: Literal["staff", "public"]


class LanguageList(BaseModel):
    items: list[LanguageInfo]
    total: int


class JsCatalog(BaseModel):
    lang: str
    dir: Literal["ltr", "rtl"]
    plural: str
    nplurals: int
    messages: dict[str, str | list[str]]


@router.get("/languages.json", response_model=LanguageList)
def languages() -> LanguageList:
    """Every language, in its own name, with its text direction and tier."""
    items = [
        LanguageInfo(
            code=code,
            name=i18n.LANGUAGE_NAMES[code],
            dir=text_direction(code),
            tier="staff" if code in i18n.STAFF_LANGUAGES else "public",
        )
        for code in i18n.PUBLIC_LANGUAGES
    ]
    return LanguageList(items=items, total=len(items))


@router.get("/{lang}.json", response_model=JsCatalog, responses={304: {}, 404: {}})
def catalog(lang: str, request: Request) -> Response:
    """A language's messages for the PWA (translated entries only; plural rule by name)."""
    if lang not in i18n.PUBLIC_LANGUAGES:
        raise NotFound()
    # The document is in that language, whatever the request negotiated.
    i18n.set_language(lang)
    body, etag = jsexport.catalog_json(lang)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    if etags.matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)
