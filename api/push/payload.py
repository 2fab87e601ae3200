"""What a push says: `{type, count, url}` and a generic text in the recipient's language.

Nothing about the person a lead is about ever goes into a payload (privacy-security.md):
no name, phone, commune, marker or project text — the push services (Google, Mozilla,
Apple, Microsoft) and the lock screen see it. The phone fetches details after unlocking.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import i18n
from api.push.outbox import Kind
from i18n import ngettext

MAX_PAYLOAD = 3 * 1024  # our own ceiling; push services accept about 4 KB


@dataclass(frozen=True)
class Delivery:
    """How the push service should treat a kind: how long to keep it for an offline phone
    (TTL, seconds) and how hard to wake it (RFC 8030 Urgency)."""

    ttl: int
    urgency: str


DELIVERY: dict[Kind, Delivery] = {
    Kind.assigned: Delivery(ttl=24 * 3600, urgency="normal"),
    Kind.sent_back: Delivery(ttl=24 * 3600, urgency="normal"),
    Kind.intake: Delivery(ttl=24 * 3600, urgency="low"),
    # Yesterday's digest is worthless tomorrow morning.
    Kind.digest: Delivery(ttl=12 * 3600, urgency="normal"),
}


def url_for(kind: Kind, count: int, lead_id: uuid.UUID | None) -> str:
    """The screen a click opens: the agent app's hash routes (pwa/js/agent/app.js), or the
    office's for what coordinators get (pwa/js/office/index.js)."""
    if kind is Kind.digest:
        return "/#/today"
    base = "/#/office/leads" if kind is Kind.intake else "/#/leads"
    if count == 1 and lead_id is not None:
        return f"{base}/{lead_id}"
    return base


def text_for(kind: Kind, count: int) -> str:
    """The notification's body in the current language scope (see `render`)."""
    if kind is Kind.assigned:
        text = ngettext(
            "{count} lead was assigned to you", "{count} leads were assigned to you", count
        )
    elif kind is Kind.sent_back:
        text = ngettext(
            "{count} lead was sent back to you", "{count} leads were sent back to you", count
        )
    elif kind is Kind.intake:
        text = ngettext(
            "{count} new self-intake in your team", "{count} new self-intakes in your team", count
        )
    else:
        text = ngettext("{count} follow-up to do today", "{count} follow-ups to do today", count)
    return text.format(count=count)


def render(kind: Kind, count: int, lead_id: uuid.UUID | None, language: str) -> bytes:
    """The payload, in the recipient's staff language (their profile's, else French)."""
    token = i18n.begin_language_scope(i18n.staff_language(language, None))
    try:
        body = {
            "type": kind.value,
            "count": count,
            "url": url_for(kind, count, lead_id),
            "title": "Terrain",
            "body": text_for(kind, count),
        }
    finally:
        i18n.end_language_scope(token)
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    assert len(data) <= MAX_PAYLOAD
    return data
