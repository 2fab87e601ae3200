"""The access export as a readable page: one section per kind of record, one table per row,
every value escaped (it is text people typed). Self-contained: it is handed to the person."""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

from i18n import N_
from i18n import gettext as _

_SECTIONS = {
    "lead": N_("Contact and project"),
    "consent": N_("Consents"),
    "lead_marker": N_("Optional information about you"),
    "interaction": N_("Contacts with us"),
    "followup": N_("Planned follow-ups"),
    "referral": N_("Referrals to partners"),
    "privacy_request": N_("Your requests about your data"),
}


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _cell(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return escape(", ".join(str(v) for v in value))
    return escape(str(value))


def _record(row: Mapping[str, Any]) -> str:
    lines = [
        f"<tr><th>{escape(_label(k))}</th><td>{_cell(v)}</td></tr>"
        for part in ("personal", "record")
        for k, v in row[part].items()
        if not k.endswith("_id") and k != "id"
    ]
    return "<table>" + "".join(lines) + "</table>"


def render(export: Mapping[str, Any], *, organisation: str, language: str) -> str:
    title = _("Your data held by {organisation}").format(organisation=organisation)
    parts = [
        "<!doctype html>",
        f'<html lang="{escape(language)}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>{escape(_('Made on {date}.').format(date=export['generated_at'][:10]))}</p>",
    ]
    for name, rows in export["tables"].items():
        if not rows:
            continue
        heading = _(_SECTIONS.get(name, name))
        parts.append(f"<section><h2>{escape(heading)}</h2>")
        parts.extend(_record(row) for row in rows)
        parts.append("</section>")
    if export["audit"]:
        parts.append(f"<section><h2>{escape(_('Who looked at or changed your data'))}</h2><ul>")
        parts.extend(
            f"<li>{escape(e['at'][:16].replace('T', ' '))} — {escape(e['action'])}</li>"
            for e in export["audit"]
        )
        parts.append("</ul></section>")
    parts.append("</body></html>")
    return "\n".join(parts)
