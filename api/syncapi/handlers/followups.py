"""followup.create (upsert) / followup.patch (per-field merge) / followup.delete."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from api.fields import OptText1000, PastInstant, PlanDay
from api.followups.schemas import FollowupKind
from api.leads import rules
from api.syncapi.entities import FOLLOWUP, LEAD
from api.syncapi.handlers.common import (
    IdArgs,
    PatchArgs,
    actor_of,
    field_values,
    merge_fields,
    not_found,
    require_fields,
    validate,
)
from api.syncapi.handlers.leads import follow_merge, same_lead, then_survivor, visible_lead
from i18n import N_
from sync.push import Apply, Key, Mutator, Rejected
from sync.store import Store

FIELDS = ("due_on", "kind", "note", "done_at")


class FollowupFields(BaseModel):
    """The REST API's field types (api/followups/schemas.py): the same kinds, the same
    window for due days, the same text rules."""

    model_config = ConfigDict(extra="ignore", use_enum_values=True)
    due_on: PlanDay | None = None
    kind: FollowupKind | None = None
    note: OptText1000 = None
    done_at: PastInstant | None = None


class NewFollowup(FollowupFields):
    id: uuid.UUID
    lead_id: uuid.UUID
    due_on: PlanDay
    # Whose task it is: the creator's unless a coordinator gives it to an agent of the
    # lead's team (the same rule as assigning the lead).
    assigned_to: uuid.UUID | None = None


@dataclass(frozen=True)
class Upsert:
    data: NewFollowup
    values: dict[str, Any]


@dataclass(frozen=True)
class Patch:
    id: uuid.UUID
    values: dict[str, Any]
    base: dict[str, str | None]


def parse_create(args: Mapping[str, Any]) -> Upsert:
    data = validate(NewFollowup, args)
    values = field_values(data, FIELDS)
    require_fields(values, ("due_on", "kind"))
    return Upsert(data, values)


def needs_create(p: Upsert, _hlc: str) -> Iterator[Key]:
    yield FOLLOWUP, p.data.id
    yield LEAD, p.data.lead_id


def visible_followup(ctx: Apply, followup_id: uuid.UUID) -> Mapping[str, Any]:
    row = ctx.store.get(FOLLOWUP, followup_id)
    if row is None:
        raise not_found()
    visible_lead(ctx, row["lead_id"])
    return row


def _assignee(ctx: Apply, lead: Mapping[str, Any], wanted: uuid.UUID | None) -> uuid.UUID:
    actor = actor_of(ctx)
    if wanted is None or wanted == actor.id:
        return actor.id
    if not rules.may_assign(actor):
        raise Rejected("permission_denied", "You are not allowed to do this.")
    rules.check_assignee(ctx.store.connection, actor=actor, team_id=lead["team_id"], user_id=wanted)
    return wanted


def apply_create(ctx: Apply, p: Upsert) -> None:
    existing = ctx.store.get(FOLLOWUP, p.data.id)
    lead = follow_merge(ctx, visible_lead(ctx, p.data.lead_id))
    if existing is not None:
        if not same_lead(ctx, existing["lead_id"], p.data.lead_id):
            raise Rejected("id_taken", N_("This identifier is already in use."))
        merge_fields(ctx, FOLLOWUP, visible_followup(ctx, p.data.id), p.values, {})
        return
    actor = actor_of(ctx)
    ctx.store.insert(
        FOLLOWUP,
        {
            "id": p.data.id,
            "lead_id": lead["id"],
            "due_on": p.data.due_on,
            "kind": p.data.kind or "call",
            "note": p.data.note,
            "done_at": p.data.done_at,
            "assigned_to": _assignee(ctx, lead, p.data.assigned_to),
            "created_by": actor.id,
            "field_hlc": dict.fromkeys(p.values, ctx.hlc),
            "deleted_at": None,
        },
    )


def then_create(p: Upsert, store: Store) -> Iterator[Key]:
    return then_survivor(p.data.lead_id, store)


def parse_patch(args: Mapping[str, Any]) -> Patch:
    a = validate(PatchArgs, args)
    values = field_values(validate(FollowupFields, a.set_, at="set"), FIELDS)
    require_fields(values, ("due_on", "kind"))
    return Patch(a.id, values, a.base)


def needs_patch(p: Patch, _hlc: str) -> Iterator[Key]:
    yield FOLLOWUP, p.id


def apply_patch(ctx: Apply, p: Patch) -> None:
    merge_fields(ctx, FOLLOWUP, visible_followup(ctx, p.id), p.values, p.base)


def parse_delete(args: Mapping[str, Any]) -> uuid.UUID:
    return validate(IdArgs, args).id


def needs_delete(followup_id: uuid.UUID, _hlc: str) -> Iterator[Key]:
    yield FOLLOWUP, followup_id


def apply_delete(ctx: Apply, followup_id: uuid.UUID) -> None:
    row = visible_followup(ctx, followup_id)
    if row["deleted_at"] is None:
        ctx.store.update(FOLLOWUP, followup_id, {"deleted_at": ctx.now})


MUTATORS: tuple[Mutator[Any], ...] = (
    Mutator("followup.create", parse_create, needs_create, apply_create, then=then_create),
    Mutator("followup.patch", parse_patch, needs_patch, apply_patch),
    Mutator("followup.delete", parse_delete, needs_delete, apply_delete),
)
