"""lead.assign — give a lead to an agent (coordinators and admins).

The one implementation of assignment: `POST /api/leads/{id}/assign` applies it through
api/syncapi/local.py, a coordinator's phone or tablet can push it. Either way the new
assignee hears of it by push (api/push/triggers.py), in the same transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from api.leads import rules
from api.push import triggers as push_triggers
from api.syncapi.entities import LEAD
from api.syncapi.handlers.common import actor_of, merge_fields, not_found, validate
from api.syncapi.handlers.leads import visible_lead
from sync.push import Apply, Key, Mutator, Rejected

ASSIGNED_TO = "assigned_to"


class AssignArgs(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID
    agent_id: uuid.UUID


@dataclass(frozen=True)
class Assign:
    id: uuid.UUID
    agent_id: uuid.UUID


def parse_assign(args: Mapping[str, Any]) -> Assign:
    a = validate(AssignArgs, args)
    return Assign(a.id, a.agent_id)


def needs_assign(p: Assign, _hlc: str) -> Iterator[Key]:
    yield LEAD, p.id


def permitted(ctx: Apply) -> None:
    if not rules.may_assign(actor_of(ctx)):
        raise Rejected("permission_denied", "You are not allowed to do this.")


def live_lead(ctx: Apply, lead_id: uuid.UUID) -> Mapping[str, Any]:
    """A lead the actor may see that is not deleted (a tombstone is not found, as in REST)."""
    lead = visible_lead(ctx, lead_id)
    if lead["deleted_at"] is not None:
        raise not_found()
    return lead


def apply_assign(ctx: Apply, p: Assign) -> None:
    permitted(ctx)
    actor = actor_of(ctx)
    lead = live_lead(ctx, p.id)
    rules.check_assignee(
        ctx.store.connection, actor=actor, team_id=lead["team_id"], user_id=p.agent_id
    )
    if lead[ASSIGNED_TO] == p.agent_id:
        return  # assigning twice is harmless (and tells nobody again)
    # Based on what is stored: the coordinator decides over the current assignee; a stale
    # stamp (an offline device's older decision) still loses to the newer one.
    base = {ASSIGNED_TO: (lead["field_hlc"] or {}).get(ASSIGNED_TO)}
    changes = merge_fields(ctx, LEAD, lead, {ASSIGNED_TO: p.agent_id}, base)
    if ASSIGNED_TO in changes:
        # Last: nothing after this may refuse the mutation (the outbox row is written now).
        push_triggers.lead_assigned(
            ctx.store.connection,
            lead_id=p.id,
            agent_id=p.agent_id,
            actor_id=actor.id,
            now=ctx.now,
        )


MUTATORS: tuple[Mutator[Any], ...] = (
    Mutator("lead.assign", parse_assign, needs_assign, apply_assign),
)
