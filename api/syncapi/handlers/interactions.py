"""interaction.add (insert if absent: interactions are immutable) and interaction.void."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Annotated, Any

from pydantic import BaseModel, Field, field_validator

from api.fields import OptText4000, PastInstant, Text500
from api.syncapi.entities import INTERACTION, LEAD
from api.syncapi.handlers.common import actor_of, check_not_erased, not_found, validate
from api.syncapi.handlers.leads import follow_merge, same_lead, then_survivor, visible_lead
from api.syncapi.visibility import can_see_lead_row
from api.validation import FieldProblem
from api.vocab import Channel, InteractionKind, Role
from i18n import N_
from sync.push import Apply, Key, Mutator, Rejected
from sync.store import Store


class AddInteraction(BaseModel):
    id: uuid.UUID
    lead_id: uuid.UUID
    kind: InteractionKind
    occurred_at: PastInstant
    body: OptText4000 = None
    channel: Channel | None = None

    @field_validator("kind")
    @classmethod
    def not_a_status_change(cls, kind: InteractionKind) -> InteractionKind:
        # Status changes are logged by the server when the status changes (lead.patch).
        if kind == InteractionKind.status_change:
            raise FieldProblem("invalid_kind", "Change the status instead.")
        return kind


class VoidInteraction(BaseModel):
    id: uuid.UUID
    reason: Annotated[Text500, Field(min_length=1)]


def parse_add(args: Mapping[str, Any]) -> AddInteraction:
    return validate(AddInteraction, args)


def needs_add(p: AddInteraction, _hlc: str) -> Iterator[Key]:
    yield INTERACTION, p.id
    yield LEAD, p.lead_id


def apply_add(ctx: Apply, p: AddInteraction) -> None:
    existing = ctx.store.get(INTERACTION, p.id)
    if existing is not None:
        # Already there: a replay, or the same record sent by a re-created client; only if
        # the caller may see it (an id of another team's is answered like any unseen one).
        visible_lead(ctx, existing["lead_id"])
        if not same_lead(ctx, existing["lead_id"], p.lead_id):
            raise not_found()
        return
    lead = follow_merge(ctx, visible_lead(ctx, p.lead_id))
    ctx.store.insert(
        INTERACTION,
        {
            "id": p.id,
            "lead_id": lead["id"],
            "kind": p.kind.value,
            "occurred_at": p.occurred_at,
            "body": p.body,
            "channel": p.channel.value if p.channel else None,
            "from_status": None,
            "to_status": None,
            "author_id": actor_of(ctx).id,
            "voided_at": None,
            "voided_by": None,
            "void_reason": None,
        },
    )
    # Attribution: the lead's last touch moves forward only.
    # Never past the server's now (occurred_at may run a few minutes ahead: clock drift).
    touched = min(p.occurred_at, ctx.now)
    if lead["deleted_at"] is None and touched > lead["last_touch_at"]:
        ctx.store.update(LEAD, lead["id"], {"last_touch_at": touched})


def then_add(p: AddInteraction, store: Store) -> Iterator[Key]:
    return then_survivor(p.lead_id, store)


def parse_void(args: Mapping[str, Any]) -> VoidInteraction:
    return validate(VoidInteraction, args)


def needs_void(p: VoidInteraction, _hlc: str) -> Iterator[Key]:
    yield INTERACTION, p.id  # its lead comes with it


def apply_void(ctx: Apply, p: VoidInteraction) -> None:
    actor = actor_of(ctx)
    row = ctx.store.get(INTERACTION, p.id)
    if row is None:
        raise not_found()
    lead = ctx.store.get(LEAD, row["lead_id"])
    if lead is None or not can_see_lead_row(actor, lead):
        raise not_found()
    check_not_erased(lead)
    if actor.role == Role.agent and row["author_id"] != actor.id:
        raise Rejected("permission_denied", "Only its author or a coordinator can void this.")
    if row["kind"] == InteractionKind.status_change.value:
        # The funnel's history: a wrong status is corrected by another status change.
        raise Rejected(
            "status_change_immutable",
            N_("A status change cannot be voided; change the status again instead."),
        )
    if row["voided_at"] is None:
        ctx.store.update(
            INTERACTION,
            p.id,
            {"voided_at": ctx.now, "voided_by": actor.id, "void_reason": p.reason},
        )


MUTATORS: tuple[Mutator[Any], ...] = (
    Mutator("interaction.add", parse_add, needs_add, apply_add, then=then_add),
    Mutator("interaction.void", parse_void, needs_void, apply_void),
)
