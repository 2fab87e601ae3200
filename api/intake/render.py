"""HTML of the public pages (Jinja2, autoescaped), in the page's language.

Every text comes from the form definition (api/intake/form.py), already translated; the
templates only lay it out. The blank form is rendered once per language and code and only
its client token changes per request (the page stays cheap under load, P9).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from fastapi.responses import HTMLResponse
from markupsafe import Markup

import i18n
from api.config import get_settings
from api.intake import form

TEMPLATES = Path(__file__).resolve().parent / "templates"
ICONS = Path(__file__).resolve().parents[2] / "pwa" / "intake" / "icons"
TOKEN_SLOT = "@@token@@"

_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(TEMPLATES),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=jinja2.StrictUndefined,
    auto_reload=False,
)


def notice() -> form.Notice:
    """The controller named in the privacy notice (settings)."""
    settings = get_settings()
    return form.Notice(settings.organisation_name, settings.privacy_contact)


@cache
def icon_sprite() -> Markup:
    """Every answer icon as a <symbol> in the page itself: one request instead of two dozen
    on a slow phone connection. The files stay the source (the agent app loads them)."""
    symbols = []
    for path in sorted(ICONS.glob("*.svg")):
        svg = path.read_text(encoding="utf-8")
        inner = svg[svg.index(">") + 1 : svg.rindex("</svg>")]
        symbols.append(f'<symbol id="i-{path.stem}" viewBox="0 0 24 24">{inner}</symbol>')
    # The strokes come from the `.icon` style, inherited through <use>.
    return Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="sprite" aria-hidden="true">'
        + "".join(symbols)
        + "</svg>"
    )


@dataclass(frozen=True)
class Page:
    """What every public page needs: its language and where the language picker points."""

    lang: str
    notice: form.Notice
    path: str = "intake"  # the page's address after /{lang}/
    code: str | None = None

    def query(self) -> str:
        return "?" + urlencode({"c": self.code}) if self.code else ""

    def href(self, lang: str, path: str | None = None) -> str:
        return f"/{lang}/{path or self.path}{self.query()}"

    def context(self) -> dict[str, Any]:
        definition = form.definition(self.lang, self.notice)
        return {
            "lang": self.lang,
            "dir": definition["dir"],
            "texts": definition["texts"],
            "definition": definition,
            "code": self.code,
            "icon_sprite": icon_sprite(),
            "form_href": self.href(self.lang, "intake"),
            "languages": [
                {
                    "code": code,
                    "name": i18n.LANGUAGE_NAMES[code],
                    "href": self.href(code),
                    "current": code == self.lang,
                }
                for code in i18n.PUBLIC_LANGUAGES
            ],
        }


@dataclass
class FormState:
    """A form being answered: values as typed, errors by field (codes), the client token."""

    values: dict[str, str | list[str]] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)


def _error_list(definition: dict[str, Any], errors: dict[str, str]) -> list[dict[str, str]]:
    """The summary at the top, in the order of the questions, each linking to its field."""
    texts = definition["texts"]
    found: list[dict[str, str]] = []
    for q in [*definition["questions"], *definition["markers"]]:
        if q["name"] in errors:
            anchor = f"f-{q['name']}" + ("-0" if q["kind"] in ("choice", "multi") else "")
            found.append({"href": f"#{anchor}", "label": q["label"], "message": errors[q["name"]]})
    if "consent" in errors:
        found.append(
            {"href": "#f-consent-0", "label": texts["consent_title"], "message": errors["consent"]}
        )
    return found


def render(template: str, page: Page, **extra: Any) -> str:
    return _env.get_template(template).render(**page.context(), **extra)


def form_page(page: Page, state: FormState, token: str) -> str:
    if not state.values and not state.errors:
        before, after = _blank_form(page)
        return before + token + after
    definition = form.definition(page.lang, page.notice)
    messages = {name: definition["texts"]["errors"][code] for name, code in state.errors.items()}
    return render(
        "form.html",
        page,
        values=state.values,
        errors=messages,
        error_list=_error_list(definition, messages),
        token=token,
    )


@lru_cache(maxsize=256)
def _blank_form(page: Page) -> tuple[str, str]:
    html = render("form.html", page, values={}, errors={}, error_list=[], token=TOKEN_SLOT)
    before, _, after = html.partition(TOKEN_SLOT)
    return before, after


def render_plain(template: str, **context: Any) -> str:
    """A page outside the public layout (the printable sheet)."""
    return _env.get_template(template).render(**context)


def message(
    page: Page, title: str, paragraphs: list[str], status: int, **headers: str
) -> HTMLResponse:
    """A short public page (thank-you, 404, 413, 429) with a link back to the form."""
    texts = form.definition(page.lang, page.notice)["texts"]
    link = {"href": page.href(page.lang, "intake"), "text": texts["go_to_form"]}
    html = render("message.html", page, title=title, paragraphs=paragraphs, link=link)
    return HTMLResponse(html, status_code=status, headers=headers)


def not_found_page(lang: str) -> HTMLResponse:
    page = Page(lang, notice())
    title = form.definition(lang, page.notice)["texts"]["not_found_title"]
    return message(page, title, [], 404)
