"""lead.create / lead.patch / lead.delete / lead.restore — the rules of the REST lead
service (validation through LeadFields/LeadCreate, rules.py, scope.py), applied to rows."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict

from api.errors import InvalidInput
from api.fields import OptText2000
from api.leads.markers import check_consent
from api.leads.rules import (
    check_reachable,
    check_transition,
    derived_id,
    first_followup_due,
    first_followup_id,
    status_interaction_id,
    team_for_new_lead,
)
from api.leads.schemas import PATCHABLE_FIELDS, LeadCreate, LeadFields
from api.syncapi.entities import (
    CONSENT,
    FOLLOWUP,
    INTERACTION,
    LEAD,
    MARKER,
    PARTNER,
    SESSION,
    VENUE,
)
from api.syncapi.handlers.common import (
    IdArgs,
    PatchArgs,
    actor_of,
    aware,
    check_not_erased,
    check_references,
    field_values,
    merge_fields,
    not_found,
    require_fields,
    validate,
)
from api.syncapi.visibility import can_see_lead_row
from api.users.actor import PublicForm
from api.vocab import ConsentChannel, InteractionKind, LeadStatus, Role
from sync.push import Apply, Key, Mutator, Rejected
from sync.store import Store

# Consents a phone sends without an id get one derived from the lead (a replay finds it).
_CONSENT_NS = uuid.UUID("0b6b3f0e-5a43-4d0f-8f1c-2a9d7c1e4b21")
REFERENCES = {"session_id": SESSION, "venue_id": VENUE, "partner_id": PARTNER}
_REQUIRED = ("first_name", "channel", "language")  # NOT NULL: a patch cannot clear them
STATUS = "status"


def consent_id(lead_id: uuid.UUID, given: uuid.UUID | None) -> uuid.UUID:
    return given or derived_id(_CONSENT_NS, f"consent:{lead_id}")


def lead_values(fields: LeadFields) -> dict[str, Any]:
    values = field_values(fields, PATCHABLE_FIELDS)
    require_fields(values, _REQUIRED)
    if "needs" in values and values["needs"] is None:
        values["needs"] = []
    return values


def _references(values: Mapping[str, Any]) -> Iterator[Key]:
    for column, entity in REFERENCES.items():
        if values.get(column) is not None:
            yield entity, values[column]


def check_lead_references(
    ctx: Apply, values: Mapping[str, Any], lead: Mapping[str, Any] | None
) -> None:
    check_references(
        ctx,
        (
            (column, entity, values[column])
            for column, entity in REFERENCES.items()
            if values.get(column) is not None
        ),
        lead,
    )


def visible_lead(ctx: Apply, lead_id: uuid.UUID) -> Mapping[str, Any]:
    lead = ctx.store.get(LEAD, lead_id)
    if lead is None or not can_see_lead_row(actor_of(ctx), lead):
        raise not_found()
    check_not_erased(lead)
    return lead


def patch_lead(
    ctx: Apply,
    lead: Mapping[str, Any],
    values: Mapping[str, Any],
    base: Mapping[str, str | None],
    *,
    comment: str | None = None,
) -> dict[str, Any]:
    """Merge field values into a lead; a status change must be allowed and is logged (with
    the comment given for it, if any)."""
    old_status = lead[STATUS]
    changes = merge_fields(ctx, LEAD, lead, values, base)
    if "phone" in changes or "email" in changes:
        merged = ctx.store.get(LEAD, lead["id"]) or lead
        check_reachable(merged["phone"], merged["email"])
    new_status = changes.get(STATUS)
    if new_status is not None and new_status != old_status:
        check_transition(old_status, new_status)
        ctx.store.update(LEAD, lead["id"], {"status_changed_at": ctx.hlc_time})
        log_id = status_interaction_id(lead["id"], ctx.hlc)
        if ctx.store.get(INTERACTION, log_id) is None:
            ctx.store.insert(
                INTERACTION,
                {
                    "id": log_id,
                    "lead_id": lead["id"],
                    "kind": InteractionKind.status_change.value,
                    "occurred_at": ctx.hlc_time,
                    "body": comment,
                    "channel": None,
                    "from_status": old_status,
                    "to_status": new_status,
                    "author_id": ctx.actor.id,  # None: Terrain itself (api/privacy/system.py)
                    "voided_at": None,
                    "voided_by": None,
                    "void_reason": None,
                },
            )
    return changes


# -- lead.create -----------------------------------------------------------------------


@dataclass(slots=True)
class CreateLead:
    id: uuid.UUID
    data: LeadCreate
    values: dict[str, Any]
    consent_id: uuid.UUID
    followup_id: uuid.UUID  # the first follow-up's (derived once: hashing is not free)


class CreateLeadArgs(BaseModel):
    """`{id, fields}` of lead.create, validated in one pass (the id is the args' own)."""

    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID
    fields: LeadCreate


def parse_create(args: Mapping[str, Any]) -> CreateLead:
    a = validate(CreateLeadArgs, args)
    data = a.fields
    return CreateLead(
        a.id,
        data,
        lead_values(data),
        consent_id(a.id, data.consent.id),
        first_followup_id(a.id),
    )


def needs_create(p: CreateLead, _hlc: str) -> Iterator[Key]:
    yield LEAD, p.id
    if p.data.consent.id is not None:
        yield CONSENT, p.consent_id  # a phone-made id might be taken
    yield from _references(p.values)


def then_create(p: CreateLead, store: Store) -> Iterator[Key]:
    """Rows derived from the lead exist only if the lead does (a replayed create)."""
    derived = [(MARKER, p.id), (CONSENT, p.consent_id), (FOLLOWUP, p.followup_id)]
    if store.get(LEAD, p.id) is not None:
        yield from derived
    else:
        store.absent(derived[:1] + derived[2:] if p.data.consent.id else derived)


@dataclass(frozen=True, slots=True)
class Credit:
    """Whose queue a new lead joins and who is credited: the creator for a user's lead; for
    the public form the attribution code's agent, if any, and no creator."""

    team_id: uuid.UUID
    agent_id: uuid.UUID | None
    creator_id: uuid.UUID | None


def apply_create(ctx: Apply, p: CreateLead) -> None:
    lead = ctx.store.get(LEAD, p.id)
    if lead is not None and isinstance(ctx.actor, PublicForm):
        return  # the same form sent twice: the lead it made stays as it is
    check_lead_references(ctx, p.values, lead)
    if lead is None:
        # When the person was met: never after the server's now (a phone's clock may run
        # ahead a little), so last_touch_at (which only moves forward) is never poisoned.
        occurred = min(aware(p.data.consent.given_at) or ctx.hlc_time, ctx.now)
        credit = _credit(ctx)
        _insert_lead(ctx, p, credit, occurred)
        _first_followup(ctx, p, credit, occurred)
    else:
        if not can_see_lead_row(actor_of(ctx), lead):
            raise not_found()
        check_not_erased(lead)
        patch_lead(ctx, lead, p.values, {})
    _consent(ctx, p)
    _markers(ctx, p)


def _credit(ctx: Apply) -> Credit:
    if isinstance(ctx.actor, PublicForm):
        return Credit(ctx.actor.team_id, ctx.actor.agent_id, None)
    actor = actor_of(ctx)
    return Credit(team_for_new_lead(actor), actor.id, actor.id)


def _insert_lead(ctx: Apply, p: CreateLead, credit: Credit, occurred: Any) -> None:
    row: dict[str, Any] = dict.fromkeys(PATCHABLE_FIELDS)
    row.update(language=p.data.language.value, needs=[], channel=p.data.channel.value)
    row.update(p.values)
    row.update(
        id=p.id,
        team_id=credit.team_id,
        agent_id=credit.agent_id,
        created_by=credit.creator_id,
        assigned_to=None,
        first_touch_at=occurred,
        last_touch_at=occurred,
        status=LeadStatus.new.value,
        status_changed_at=occurred,
        field_hlc=dict.fromkeys(p.values, ctx.hlc),
        deleted_at=None,
    )
    ctx.store.insert(LEAD, row)


def _first_followup(ctx: Apply, p: CreateLead, credit: Credit, occurred: Any) -> None:
    """Every new lead gets "call within 48 h" (deterministic id: replays find it); its
    creator makes it, and a self-intake's waits for the coordinators to give it someone."""
    followup_id, lead_id = p.followup_id, p.id
    if ctx.store.get(FOLLOWUP, followup_id) is not None:
        return
    ctx.store.insert(
        FOLLOWUP,
        {
            "id": followup_id,
            "lead_id": lead_id,
            "due_on": first_followup_due(occurred),
            "kind": "call",
            "note": None,
            "assigned_to": credit.creator_id,
            "done_at": None,
            "created_by": credit.creator_id,
            "field_hlc": {"due_on": ctx.hlc, "kind": ctx.hlc},
            "deleted_at": None,
        },
    )


def _consent(ctx: Apply, p: CreateLead) -> None:
    existing = ctx.store.get(CONSENT, p.consent_id)
    if existing is not None:
        if existing["lead_id"] != p.id:
            raise Rejected("invalid_input", "consent.id: belongs to another lead")
        return
    c = p.data.consent
    ctx.store.insert(
        CONSENT,
        {
            "id": p.consent_id,
            "lead_id": p.id,
            "purposes": [purpose.value for purpose in c.purposes],
            "text_version": c.text_version,
            "text_sha256": c.text_sha256,
            "language": c.language.value,
            "given_at": min(aware(c.given_at) or ctx.hlc_time, ctx.now),
            "channel": c.channel.value,
            "agent_id": ctx.actor.id if c.channel == ConsentChannel.agent else None,
            "withdrawn_at": None,
        },
    )


def _markers(ctx: Apply, p: CreateLead) -> None:
    markers = p.data.markers
    if markers is None:
        return
    # GDPR Art. 9: migrant background only under a consent that names it (shared rule).
    check_consent(p.data.consent, markers)
    given = field_values(markers, tuple(type(markers).model_fields))
    values: dict[str, Any] = {**given, "consent_id": p.consent_id, "updated_at": ctx.now}
    if given.get("migrant_background") is not None:
        values["sensitive_consent_id"] = p.consent_id
    if ctx.store.get(MARKER, p.id) is None:
        row = dict.fromkeys(type(markers).model_fields)
        row.update(lead_id=p.id, sensitive_consent_id=None)
        row.update(values)
        ctx.store.insert(MARKER, row)
    else:
        ctx.store.update(MARKER, p.id, values)


# -- lead.patch ------------------------------------------------------------------------


@dataclass(frozen=True)
class PatchLead:
    id: uuid.UUID
    values: dict[str, Any]
    base: dict[str, str | None]
    comment: str | None = None


class LeadPatchArgs(PatchArgs):
    # Why the status changed ("reached on the phone"), kept on the logged interaction.
    comment: OptText2000 = None


def parse_patch(args: Mapping[str, Any]) -> PatchLead:
    a = validate(LeadPatchArgs, args)
    values = lead_values(validate(LeadFields, a.set_, at="set"))
    if STATUS in a.set_:
        try:
            values[STATUS] = LeadStatus(a.set_[STATUS]).value
        except ValueError as exc:
            raise Rejected("invalid_input", "set.status: enum") from exc
    return PatchLead(a.id, values, a.base, a.comment if STATUS in values else None)


def needs_patch(p: PatchLead, hlc: str) -> Iterator[Key]:
    yield LEAD, p.id
    if STATUS in p.values:
        yield INTERACTION, status_interaction_id(p.id, hlc)
    yield from _references(p.values)


def apply_patch(ctx: Apply, p: PatchLead) -> None:
    lead = visible_lead(ctx, p.id)
    check_lead_references(ctx, p.values, lead)
    patch_lead(ctx, lead, p.values, p.base, comment=p.comment)


# -- lead.delete / lead.restore --------------------------------------------------------


def parse_id(args: Mapping[str, Any]) -> uuid.UUID:
    return validate(IdArgs, args).id


def needs_lead(lead_id: uuid.UUID, _hlc: str) -> Iterator[Key]:
    yield LEAD, lead_id


def apply_delete(ctx: Apply, lead_id: uuid.UUID) -> None:
    """A tombstone: it wins over any later patch (those become after_delete conflicts)."""
    actor = actor_of(ctx)
    lead = visible_lead(ctx, lead_id)
    if actor.role == Role.agent and lead["created_by"] != actor.id:
        raise Rejected("permission_denied", "You are not allowed to do this.")
    if lead["deleted_at"] is None:
        ctx.store.update(LEAD, lead_id, {"deleted_at": ctx.now})


def apply_restore(ctx: Apply, lead_id: uuid.UUID) -> None:
    if actor_of(ctx).role == Role.agent:
        raise Rejected("permission_denied", "Only a coordinator can restore a lead.")
    lead = visible_lead(ctx, lead_id)
    if lead["merged_into"] is not None:
        # Its records live on in the survivor; bringing it back would count a person twice.
        raise InvalidInput("A merged lead cannot be restored.", code="merged")
    if lead["deleted_at"] is not None:
        ctx.store.update(LEAD, lead_id, {"deleted_at": None})


MUTATORS: tuple[Mutator[Any], ...] = (
    Mutator("lead.create", parse_create, needs_create, apply_create, then=then_create),
    Mutator("lead.patch", parse_patch, needs_patch, apply_patch),
    Mutator("lead.delete", parse_id, needs_lead, apply_delete),
    Mutator("lead.restore", parse_id, needs_lead, apply_restore),
)
