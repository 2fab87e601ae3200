"""Lead rules shared by the REST services and the sync handlers (pure functions)."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from api.errors import InvalidInput
from api.users.service import Actor
from api.vocab import Role, can_transition
from i18n import N_

BRUSSELS = ZoneInfo("Europe/Brussels")
# Deterministic ids for rows the server derives, so a replayed create never duplicates them.
_DERIVED = uuid.UUID("6f1d3c52-8a4e-4f0b-9a57-3c1e2b7d9e10")
FIRST_CALL_DAYS = 2  # "call within 48 h" for every new lead


def brussels_today(now: datetime) -> date:
    return now.astimezone(BRUSSELS).date()


def derived_id(namespace: uuid.UUID, name: str) -> uuid.UUID:
    """Exactly uuid.uuid5(namespace, name), at half the cost (a sync push derives two ids
    per new lead; a test holds the two equal): the version and variant bits are set on
    the integer instead of through UUID(bytes=…, version=5)."""
    n = int.from_bytes(hashlib.sha1(namespace.bytes + name.encode()).digest()[:16])
    n = (n & ~(0xF000 << 64)) | (5 << 76)  # version 5
    n = (n & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    return uuid.UUID(int=n)


def first_followup_id(lead_id: uuid.UUID) -> uuid.UUID:
    return derived_id(_DERIVED, f"first-call:{lead_id}")


def first_followup_due(created_at: datetime) -> date:
    return (created_at.astimezone(BRUSSELS) + timedelta(days=FIRST_CALL_DAYS)).date()


def status_interaction_id(lead_id: uuid.UUID, stamp: str) -> uuid.UUID:
    """The status_change interaction of one status write (one HLC stamp)."""
    return derived_id(_DERIVED, f"status:{lead_id}:{stamp}")


def check_transition(old: str, new: str) -> None:
    if old != new and not can_transition(old, new):
        raise InvalidInput("This status change is not allowed.", code="invalid_transition")


CONTACT_REQUIRED = N_("Give a phone number or an e-mail address.")


def check_reachable(phone: str | None, email: str | None) -> None:
    """A lead keeps a phone number or an e-mail address: on create, and on every change
    (REST patch, sync lead.patch and lead.create replays, rectification)."""
    if not phone and not email:
        raise InvalidInput(CONTACT_REQUIRED, code="contact_required")


def team_for_new_lead(actor: Actor) -> uuid.UUID:
    """A new lead belongs to its creator's team (the first, for someone in several)."""
    if not actor.team_ids:
        raise InvalidInput("You are not in a team, so you cannot create leads.", code="no_team")
    return sorted(actor.team_ids)[0]


def may_assign(actor: Actor) -> bool:
    return actor.role in (Role.coordinator, Role.admin)
