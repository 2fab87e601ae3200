"""The changes that notify someone: one function per kind, called from the one place
that makes that change, inside its transaction (`conn` is the writing connection).

Who calls what (keep it one call site each; writes are sync mutators, and the call goes
with the write):
- `lead_assigned`: the `lead.assign` mutator (api/syncapi/handlers/assign.py), once the
  mutation passed its checks, with `ctx.store.connection`.
- `self_intake_received`: api/intake/service.py `submit`, right after the public form's
  lead.create is stored, in its transaction (the outbox row refers to the new lead row,
  which the mutation engine writes only after every mutator ran).
- `lead_sent_back`: the `lead.send_back` mutator (api/syncapi/handlers/sendback.py).
The follow-up digest is not a trigger: api/push/digest.py makes it at each user's hour.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Connection

from api.push import outbox
from api.push.outbox import Kind


def lead_assigned(
    conn: Connection,
    *,
    lead_id: uuid.UUID,
    agent_id: uuid.UUID,
    actor_id: uuid.UUID,
    now: datetime | None = None,
) -> None:
    """ "A lead was assigned to you" (not when you took it yourself)."""
    if agent_id != actor_id:
        outbox.to_users(conn, Kind.assigned, [agent_id], lead_id=lead_id, now=now)


def self_intake_received(
    conn: Connection, *, lead_id: uuid.UUID, team_id: uuid.UUID, now: datetime | None = None
) -> None:
    """ "A new self-intake in your team", to the team's coordinators (they assign it)."""
    outbox.to_team_coordinators(conn, Kind.intake, team_id, lead_id=lead_id, now=now)


def lead_sent_back(
    conn: Connection,
    *,
    lead_id: uuid.UUID,
    agent_id: uuid.UUID,
    actor_id: uuid.UUID,
    now: datetime | None = None,
) -> None:
    """ "A lead was sent back to you" for more information."""
    if agent_id != actor_id:
        outbox.to_users(conn, Kind.sent_back, [agent_id], lead_id=lead_id, now=now)
