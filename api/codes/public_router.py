"""The public side of a code: `/q/{code}` (counted, then the form in the code's language
with the code kept), its QR image, and a printable A4 sheet of flyers or cup stickers."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, RedirectResponse, Response

import i18n
from api.codes import lookup, qr, service
from api.config import get_settings
from api.db import SessionDep
from api.intake import flyer, form, render
from api.intake.render import not_found_page, notice
from api.vocab import Language

router = APIRouter(tags=["codes"], include_in_schema=False)


class Layout(StrEnum):
    flyers = "flyers"  # four A6 flyers
    stickers = "stickers"  # twelve round cup stickers


@router.get("/q/{code}.svg")
def qr_svg(code: str, session: SessionDep) -> Response:
    """The code's QR (scalable, for print)."""
    row = lookup.find_active(session, code)
    if row is None:
        return not_found_page(i18n.get_language())
    body = qr.svg(qr.short_link(get_settings().public_base_url, row.code))
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-cache"})


@router.get("/q/{code}.png")
def qr_png(code: str, session: SessionDep) -> Response:
    """The code's QR as a PNG (for messages and slides)."""
    row = lookup.find_active(session, code)
    if row is None:
        return not_found_page(i18n.get_language())
    body = qr.png(qr.short_link(get_settings().public_base_url, row.code))
    return Response(body, media_type="image/png", headers={"Cache-Control": "no-cache"})


@router.get("/q/{code}/sheet")
def sheet(
    code: str,
    session: SessionDep,
    layout: Layout = Layout.flyers,
    lang: Language = Language.fr,
    lang2: Annotated[Language | None, Query()] = Language.nl,
) -> Response:
    """An A4 page to print: the QR, the short address and a line in two languages."""
    row = lookup.find_active(session, code)
    if row is None:
        return not_found_page(i18n.get_language())
    languages = [lang.value] + ([lang2.value] if lang2 and lang2 != lang else [])
    lines = [
        {
            "lang": language,
            "dir": form.definition(language, notice())["dir"],
            "headline": form.Translated(language)(flyer.HEADLINE),
            "scan": form.Translated(language)(flyer.SCAN),
        }
        for language in languages
    ]
    html = render.render_plain(
        "sheet.html",
        lang=lang.value,
        dir=lines[0]["dir"],
        code=row.code,
        address=qr.short_address(get_settings().public_base_url, row.code),
        lines=lines,
        layout=layout.value,
        cells=range(4 if layout == Layout.flyers else 12),
    )
    return HTMLResponse(html)


@router.get("/q/{code}")
def scan(code: str, session: SessionDep) -> Response:
    """Count the scan, then open the form in the code's language (else the browser's). An
    unknown or disabled code (a typo, an old flyer) still opens the form, crediting nobody."""
    row = service.record_scan(session, code)
    lang = (row.language if row else None) or i18n.get_language()
    page = render.Page(lang, notice(), "intake", row.code if row else None)
    return RedirectResponse(page.href(lang), status_code=302, headers={"Cache-Control": "no-store"})
