"""Who may see which synced row: the scope rule of api/scope.py, applied to plain rows (push)
and as SQL clauses (pull). Children are visible through their parent."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, and_, false, or_, true

from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Lead
from api.scope import Viewer, can_see_lead, can_see_team_record, lead_visible
from api.sessions.models import OutreachSession, Tally
from api.syncapi.entities import FOLLOWUP, INTERACTION, LEAD, SESSION, TALLY, VENUE
from api.users.actor import Actor
from api.venues.models import Venue
from api.vocab import Role
from sync.pull import Feed
from sync.sqltypes import table_of
from sync.store import Store

_lead = table_of(Lead)
_session = table_of(OutreachSession)
_venue = table_of(Venue)


@dataclass(frozen=True)
class _LeadScope:
    """The three columns the scope rule reads. Building a SQLModel `Lead` per row costs
    ~200 µs (instrumentation); a push authorises hundreds of rows, so the rule gets this."""

    team_id: uuid.UUID
    created_by: uuid.UUID | None
    assigned_to: uuid.UUID | None


def can_see_lead_row(actor: Actor, row: Mapping[str, Any]) -> bool:
    view = _LeadScope(row["team_id"], row["created_by"], row["assigned_to"])
    return can_see_lead(actor, cast(Lead, view))


def can_see_team_row(actor: Actor, row: Mapping[str, Any]) -> bool:
    """Sessions and venues: their team, their agent or creator, or an admin."""
    return can_see_team_record(actor, row["team_id"], row.get("agent_id"), row.get("created_by"))


def team_rows_visible(actor: Viewer, table: Table) -> ColumnElement[bool]:
    if actor.role == Role.admin:
        return true()
    team_rule = table.c.team_id.in_(actor.team_ids) if actor.team_ids else false()
    if actor.role != Role.agent:
        return team_rule
    mine = [table.c.created_by == actor.id]
    if "agent_id" in table.c:
        mine.append(table.c.agent_id == actor.id)
    return or_(team_rule, *mine)


# What a phone gets of each record: agent-visible fields only (never markers, AC-2).
# A lead leaves out team_id, created_by and status_changed_at: the app never reads them and
# a lead must stay within 700 bytes on the wire (performance.md P2). agent_id and
# assigned_to stay: together they say which leads are the agent's own ("my leads").
LEAD_COLUMNS = (
    "first_name",
    "last_name",
    "phone",
    "email",
    "language",
    "commune",
    "postcode",
    "project_idea",
    "sector",
    "project_stage",
    "needs",
    "call_time",
    "channel",
    "session_id",
    "venue_id",
    "partner_id",
    "campaign",
    "status",
    "agent_id",
    "assigned_to",
    "created_at",
    "last_touch_at",
    # A coordinator's send-back and whether it was answered (Today's "sent back" list).
    "sent_back_at",
    "sent_back_note",
    "answered_at",
)
INTERACTION_COLUMNS = (
    "lead_id",
    "kind",
    "occurred_at",
    "body",
    "channel",
    "from_status",
    "to_status",
    "author_id",
    "voided_at",
    "voided_by",
    "void_reason",
)
FOLLOWUP_COLUMNS = ("lead_id", "due_on", "kind", "note", "assigned_to", "done_at", "created_by")
SESSION_COLUMNS = (
    "team_id",
    "channel",
    "title",
    "commune",
    "neighbourhood",
    "venue_id",
    "partner_id",
    "agent_id",
    "started_at",
    "ended_at",
    "notes",
    "created_by",
)
TALLY_COLUMNS = ("session_id", "kind", "delta", "occurred_at", "created_by")
VENUE_COLUMNS = (
    "team_id",
    "name",
    "kind",
    "commune",
    "neighbourhood",
    "address",
    "last_visit_at",
    "next_visit_on",
    "notes",
    "created_by",
)


@dataclass(frozen=True)
class _Viewer:
    """All the scope rules (lead_visible, team_rows_visible) read of a caller (the Viewer
    protocol): the key the pull's feeds and statements are cached under."""

    id: uuid.UUID
    role: Role
    team_ids: frozenset[uuid.UUID]


def feeds_for(actor: Actor) -> tuple[Feed, ...]:
    """The pull feeds in their fixed order, with this caller's visibility: the same objects
    for the same id, role and teams, so the statements built for them are reused."""
    return _feeds(_Viewer(actor.id, actor.role, actor.team_ids))


@lru_cache(maxsize=128)
def _feeds(viewer: _Viewer) -> tuple[Feed, ...]:
    actor = viewer
    lead_live = and_(lead_visible(actor), _lead.c.deleted_at.is_(None))
    session_live = and_(team_rows_visible(actor, _session), _session.c.deleted_at.is_(None))
    return (
        Feed(LEAD, _lead, LEAD_COLUMNS, lead_visible(actor), None, None, "field_hlc", "deleted_at"),
        Feed(INTERACTION, table_of(Interaction), INTERACTION_COLUMNS, lead_live, _lead, "lead_id"),
        Feed(
            FOLLOWUP,
            table_of(Followup),
            FOLLOWUP_COLUMNS,
            lead_live,
            _lead,
            "lead_id",
            "field_hlc",
            "deleted_at",
        ),
        Feed(
            SESSION,
            _session,
            SESSION_COLUMNS,
            team_rows_visible(actor, _session),
            None,
            None,
            "field_hlc",
            "deleted_at",
        ),
        Feed(TALLY, table_of(Tally), TALLY_COLUMNS, session_live, _session, "session_id"),
        Feed(
            VENUE,
            _venue,
            VENUE_COLUMNS,
            team_rows_visible(actor, _venue),
            None,
            None,
            "field_hlc",
            "deleted_at",
        ),
    )


# -- pokes: who should pull after a push ---------------------------------------------------

EVERYONE = "*"


def topics_for(actor: Actor) -> set[str]:
    """What a caller's event stream listens to."""
    if actor.role == Role.admin:
        return {EVERYONE}
    return {f"team:{t}" for t in actor.team_ids} | {f"user:{actor.id}"}


def topics_of(store: Store) -> set[str]:
    """Everyone who may see a row this push wrote: its team and its people."""
    teams: set[Any] = set()
    people: set[Any] = set()
    unknown = False

    def add(row: Mapping[str, Any] | None) -> None:
        nonlocal unknown
        if row is None:
            unknown = True
            return
        teams.add(row["team_id"])
        people.update(row.get(c) for c in ("created_by", "assigned_to", "agent_id"))

    for entity in (LEAD, SESSION, VENUE):
        for row in store.written(entity):
            add(row)
    for child, parent, fk in (
        (INTERACTION, LEAD, "lead_id"),
        (FOLLOWUP, LEAD, "lead_id"),
        (TALLY, SESSION, "session_id"),
    ):
        for key in {row[fk] for row in store.written(child)}:
            add(store.get(parent, key))
    people.discard(None)
    topics = {f"team:{t}" for t in teams} | {f"user:{u}" for u in people}
    return topics | {EVERYONE} if unknown else topics
