"""lead.merge — two records of one person become one: the survivor the coordinator chose.

Everything of the other moves to the survivor: interactions (all of them, voided ones
too: a merge never loses one), follow-ups, consents, markers (the survivor's answers win,
the other's fill the gaps), referrals and privacy requests. Attribution keeps the first
touch: if the other was met first, its channel, agent, session, venue, partner and
campaign become the survivor's. Empty fields of the survivor take the other's values;
where both hold different values, the other's are kept as a note on the survivor's
timeline. The other becomes a tombstone without personal data (phones drop it at their
next pull), pointing to the survivor (`merged_into`: never restored). Audited, by
pseudonym, for both.

Coordinators of the leads' team and admins; agents cannot merge.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ConfigDict
from sqlalchemy import Connection, insert, select, update

from api.audit.models import AuditEvent
from api.errors import InvalidInput
from api.leads.rules import derived_id, first_followup_id
from api.leads.schemas import PATCHABLE_FIELDS, MergeIn
from api.privacy.catalog import table
from api.privacy.pseudonym import pseudonym
from api.syncapi.entities import CONSENT, ENTITIES, FOLLOWUP, INTERACTION, LEAD, MARKER
from api.syncapi.handlers.assign import live_lead, permitted
from api.syncapi.handlers.common import add_system_note, check_not_erased, not_found, validate
from api.syncapi.handlers.erase import blank
from api.syncapi.visibility import can_see_lead_row
from api.users.actor import Actor
from i18n import gettext as _
from sync.models import SyncConflict
from sync.push import Apply, Key, Mutator
from sync.sqltypes import table_of
from sync.store import Store

_MERGE_NS = uuid.UUID("3c9a4f57-0d2e-4b8a-9f61-5e7d2c1b0a84")
_TABLES = {e.name: e.table for e in ENTITIES}
_MOVED = (INTERACTION, FOLLOWUP, CONSENT)
# The attribution a lead keeps from its first touch (product.md, "Outreach channels").
ATTRIBUTION = ("channel", "agent_id", "session_id", "venue_id", "partner_id", "campaign")
_EMPTY: tuple[Any, ...] = (None, "", [])
# Rows outside the sync store that name the lead: they follow it to the survivor.
_FOLLOWERS = ("referral", "privacy_request", "push_outbox")
_audit = table_of(AuditEvent)
_conflict = table_of(SyncConflict)


def _labels() -> dict[str, str]:
    """Field names for the note of differing values (in the request's language)."""
    return {
        "first_name": _("First name"),
        "last_name": _("Last name"),
        "phone": _("Phone"),
        "email": _("E-mail"),
        "commune": _("Commune"),
        "postcode": _("Postcode"),
        "project_idea": _("Project idea"),
        "sector": _("Sector"),
    }


class MergeArgs(MergeIn):
    model_config = ConfigDict(extra="ignore")
    id: uuid.UUID  # the survivor


@dataclass(frozen=True)
class Merge:
    survivor: uuid.UUID
    other: uuid.UUID


def parse_merge(args: Mapping[str, Any]) -> Merge:
    a = validate(MergeArgs, args)
    return Merge(a.id, a.other_id)


def needs_merge(p: Merge, _hlc: str) -> Iterator[Key]:
    yield LEAD, p.survivor
    yield LEAD, p.other
    yield MARKER, p.survivor
    yield MARKER, p.other
    yield FOLLOWUP, first_followup_id(p.survivor)
    yield FOLLOWUP, first_followup_id(p.other)


def _child_ids(conn: Connection, entity: str, lead_id: uuid.UUID) -> list[uuid.UUID]:
    t = _TABLES[entity]
    return list(conn.execute(select(t.c.id).where(t.c.lead_id == lead_id)).scalars())


def then_merge(p: Merge, store: Store) -> Iterator[Key]:
    """The other's children (rows that exist only if it does)."""
    if store.get(LEAD, p.other) is None:
        return
    for entity in _MOVED:
        for key in _child_ids(store.connection, entity, p.other):
            yield entity, key


def apply_merge(ctx: Apply, p: Merge) -> None:
    permitted(ctx)
    if p.survivor == p.other:
        raise InvalidInput("A lead cannot be merged with itself.", code="same_lead")
    survivor = live_lead(ctx, p.survivor)
    other = ctx.store.get(LEAD, p.other)
    actor = ctx.actor
    if other is None or not (isinstance(actor, Actor) and can_see_lead_row(actor, other)):
        raise not_found()
    if other["merged_into"] == p.survivor:
        return  # merged already (a replay or a second click)
    check_not_erased(other)
    if other["deleted_at"] is not None:
        raise not_found()
    moved = _move_children(ctx, p)
    _one_first_call(ctx, p)
    _merge_markers(ctx, p)
    differing = _merge_fields(ctx, survivor, other)
    if differing:
        _note(ctx, p, differing)
    tombstone = {**blank(_TABLES[LEAD]), "deleted_at": ctx.now, "merged_into": p.survivor}
    ctx.store.update(LEAD, p.other, tombstone)
    # Rows outside the store, last: nothing after this may refuse the mutation.
    conn = ctx.store.connection
    for name in _FOLLOWERS:
        t = table(name)
        conn.execute(update(t).where(t.c.lead_id == p.other).values(lead_id=p.survivor))
    # Conflicts on the other's fields: the person's values a coordinator may still pick,
    # on the record that lives on (an open conflict must not point at a tombstone).
    conn.execute(
        update(_conflict)
        .where(_conflict.c.entity == LEAD, _conflict.c.entity_id == p.other)
        .values(entity_id=p.survivor)
    )
    for lead_id, action in ((p.survivor, "lead.merge"), (p.other, "lead.merged_away")):
        conn.execute(
            insert(_audit).values(
                at=ctx.now,
                actor_id=actor.id,
                action=action,
                object_type="person",
                object_ref=pseudonym(lead_id),
                row_count=moved,
            )
        )


def _move_children(ctx: Apply, p: Merge) -> int:
    moved = 0
    for entity in _MOVED:
        for row in list(ctx.store.loaded(entity)):
            if row["lead_id"] == p.other:
                ctx.store.update(entity, row["id"], {"lead_id": p.survivor})
                moved += 1
    return moved


def _one_first_call(ctx: Apply, p: Merge) -> None:
    """Each lead came with its "call within 48 h"; one person gets one call. The earlier due
    stays (the promise made first: the thank-you page named that day); the other, still
    open, is deleted in the merge's transaction (phones drop it at their next pull)."""
    calls = [ctx.store.get(FOLLOWUP, first_followup_id(lead)) for lead in (p.survivor, p.other)]
    waiting = [c for c in calls if c and c["done_at"] is None and c["deleted_at"] is None]
    if len(waiting) < 2:
        return
    keep = min(waiting, key=lambda c: c["due_on"])  # a tie keeps the survivor's
    for call in waiting:
        if call["id"] != keep["id"]:
            ctx.store.update(FOLLOWUP, call["id"], {"deleted_at": ctx.now})


def _merge_markers(ctx: Apply, p: Merge) -> None:
    """The survivor's answers win; the other's fill the gaps (migrant background only with
    the consent that allowed it, which moved to the survivor with the other consents)."""
    theirs = ctx.store.get(MARKER, p.other)
    if theirs is None:
        return
    ours = ctx.store.get(MARKER, p.survivor)
    ctx.store.delete(MARKER, p.other)
    if ours is None:
        ctx.store.insert(MARKER, {**theirs, "lead_id": p.survivor, "updated_at": ctx.now})
        return
    gaps = {
        name: value
        for name, value in theirs.items()
        if name not in ("lead_id", "consent_id", "sensitive_consent_id", "updated_at")
        and ours.get(name) is None
        and value is not None
    }
    if "migrant_background" in gaps:
        gaps["sensitive_consent_id"] = theirs["sensitive_consent_id"]
    if gaps:
        ctx.store.update(MARKER, p.survivor, {**gaps, "updated_at": ctx.now})


def _merge_fields(
    ctx: Apply, survivor: Mapping[str, Any], other: Mapping[str, Any]
) -> dict[str, Any]:
    """Attribution from the first touch, the survivor's gaps filled; returns the other's
    values that differ from the survivor's (for the note)."""
    changes: dict[str, Any] = {}
    if other["first_touch_at"] < survivor["first_touch_at"]:
        changes.update({name: other[name] for name in ATTRIBUTION})
        changes["first_touch_at"] = other["first_touch_at"]
    if other["last_touch_at"] > survivor["last_touch_at"]:
        changes["last_touch_at"] = other["last_touch_at"]
    differing: dict[str, Any] = {}
    for name in PATCHABLE_FIELDS:
        if name in changes or other[name] in _EMPTY:
            continue
        if survivor[name] in _EMPTY:
            changes[name] = other[name]
        elif survivor[name] != other[name] and name not in ATTRIBUTION:
            differing[name] = other[name]
    if survivor["assigned_to"] is None and other["assigned_to"] is not None:
        changes["assigned_to"] = other["assigned_to"]
    stamps = dict(survivor["field_hlc"] or {})
    stamps.update({name: ctx.hlc for name in changes if name in (*PATCHABLE_FIELDS, "assigned_to")})
    ctx.store.update(LEAD, survivor["id"], {**changes, "field_hlc": stamps})
    return differing


def _text(value: Any) -> str:
    return ", ".join(map(str, value)) if isinstance(value, list) else str(value)


def _note(ctx: Apply, p: Merge, differing: Mapping[str, Any]) -> None:
    """The other's differing values, kept on the survivor's timeline."""
    labels = _labels()
    lines = [f"{labels.get(name, name)}: {_text(value)}" for name, value in differing.items()]
    body = "\n".join([_("Merged with a duplicate. Its other details:"), *lines])
    note_id = derived_id(_MERGE_NS, f"merge:{p.survivor}:{p.other}")
    add_system_note(ctx, note_id, p.survivor, body, ctx.now)


MUTATORS: tuple[Mutator[Any], ...] = (
    Mutator("lead.merge", parse_merge, needs_merge, apply_merge, then=then_merge),
)
