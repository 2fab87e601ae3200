"""The person's own consent page, `/{lang}/consent/{token}`: what they agreed to, and a
box to tick for each thing they want to take back. Server-rendered, no script, in their
language (every text here is public-tier: all ten languages)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from html import escape

import i18n
from i18n import N_
from i18n import gettext as _
from i18n.format import text_direction

TITLE = N_("Your consent")
INTRO = N_(
    "Here you can take back what you agreed to when you gave us your details. "
    "It takes effect at once."
)
CHOICES = {
    "contact": N_("Stop contacting me"),
    "markers": N_("Delete the optional information about me (gender, age, situation)"),
    "sensitive_markers": N_("Delete my answer about a migrant background"),
    "newsletter": N_("Stop sending me news"),
}
ERASE = N_("Also delete all my data")
SUBMIT = N_("Take back")
DONE = N_("Done. We no longer use what you took back.")
ERASE_DONE = N_("We received your request to delete your data. It will be done within a month.")
NOTHING_LEFT = N_("You have nothing left to take back.")
INVALID = N_("This link is not valid.")
PICK_ONE = N_("Please tick at least one box.")
CONTACT = N_("Questions? Write to {contact}.")


@dataclass(frozen=True)
class PageState:
    token: str
    active: tuple[str, ...]  # purposes given and not withdrawn
    messages: tuple[str, ...] = ()
    error: str | None = None


def _head(title: str) -> str:
    lang = i18n.get_language()
    direction = text_direction(lang)
    return (
        f'<!doctype html><html lang="{lang}" dir="{direction}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f'<link rel="stylesheet" href="/css/app.css"><title>{escape(title)}</title></head>'
        f'<body><main class="consent-page"><h1>{escape(title)}</h1>'
    )


def _foot(contact: str) -> str:
    line = _(CONTACT).format(contact=contact)
    return f"<p><small>{escape(line)}</small></p></main></body></html>"


def _form(state: PageState, order: Iterable[str]) -> str:
    boxes = "".join(
        f'<p><label><input type="checkbox" name="purposes" value="{p}"> '
        f"{escape(_(CHOICES[p]))}</label></p>"
        for p in order
        if p in state.active
    )
    boxes += (
        f'<p><label><input type="checkbox" name="erase" value="1"> {escape(_(ERASE))}</label></p>'
    )
    error = f'<p role="alert">{escape(state.error)}</p>' if state.error else ""
    return (
        f'{error}<form method="post" action="/{i18n.get_language()}/consent/{state.token}">'
        f'{boxes}<p><button type="submit">{escape(_(SUBMIT))}</button></p></form>'
    )


def render(state: PageState, *, contact: str) -> str:
    parts = [_head(_(TITLE))]
    parts.extend(f'<p role="status">{escape(m)}</p>' for m in state.messages)
    if not state.active:
        parts.append(f"<p>{escape(_(NOTHING_LEFT))}</p>")
    parts.append(f"<p>{escape(_(INTRO))}</p>")
    parts.append(_form(state, CHOICES))
    parts.append(_foot(contact))
    return "".join(parts)


def render_invalid(*, contact: str) -> str:
    return _head(_(TITLE)) + f"<p>{escape(_(INVALID))}</p>" + _foot(contact)
