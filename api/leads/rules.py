"""Lead rules shared by the REST services and the sync handlers (pure functions)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from api.errors import InvalidInput
from api.users.actor import Actor
from api.users.models import TeamMember, User
from api.vocab import Role, can_transition
from i18n import N_
from sync.sqltypes import table_of

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
    """ "Call within 48 h", on a working day: nobody calls on a weekend, so a first call
    that would fall on a Saturday or Sunday is due the Monday after (the thank-you page
    promises this date to the person)."""
    due = (created_at.astimezone(BRUSSELS) + timedelta(days=FIRST_CALL_DAYS)).date()
    weekend = due.weekday() - 4  # Saturday 1, Sunday 2
    return due + timedelta(days=3 - weekend) if weekend > 0 else due


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


def sent_back_agent(conn: Connection, lead: Mapping[str, Any]) -> uuid.UUID | None:
    """Whom a send-back goes to: the assignee, else the credited agent, else the creator —
    the first of them who is an active agent (a coordinator's own lead has none)."""
    for column in ("assigned_to", "agent_id", "created_by"):
        user_id = lead.get(column)
        if user_id is None:
            continue
        found = conn.execute(
            select(_user.c.role, _user.c.is_active).where(_user.c.id == user_id)
        ).first()
        if found is not None and found.is_active and found.role == Role.agent.value:
            assert isinstance(user_id, uuid.UUID)
            return user_id
    return None


_user = table_of(User)
_member = table_of(TeamMember)


def check_assignee(
    conn: Connection, *, actor: Actor, team_id: uuid.UUID, user_id: uuid.UUID
) -> None:
    """Who may take a lead: an active agent of the lead's team (an admin may pick any
    active agent). The one rule for the REST services and the lead.assign mutator."""
    found = conn.execute(
        select(_user.c.role, _user.c.is_active).where(_user.c.id == user_id)
    ).first()
    ok = found is not None and bool(found.is_active) and found.role == Role.agent.value
    if ok and actor.role != Role.admin:
        member = conn.execute(
            select(_member.c.user_id).where(
                _member.c.team_id == team_id, _member.c.user_id == user_id
            )
        ).first()
        ok = member is not None
    if not ok:
        raise InvalidInput("This person cannot take this lead.", code="invalid_assignee")
