"""Outreach sessions, their tallies, and venues: team records created on the phone."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.errors import InvalidInput
from api.fields import (
    OptText40,
    OptText80,
    OptText120,
    OptText200,
    OptText2000,
    PastInstant,
    PlanDay,
    PlannedInstant,
    TallyDelta,
    Text120,
)
from api.leads.rules import team_for_new_lead
from api.sessions.patching import check_session_agent, check_session_times
from api.syncapi.entities import PARTNER, SESSION, TALLY, VENUE
from api.syncapi.handlers.common import (
    CreateArgs,
    PatchArgs,
    actor_of,
    aware,
    check_references,
    field_values,
    merge_fields,
    not_found,
    require_fields,
    validate,
)
from api.syncapi.visibility import can_see_team_row
from api.vocab import Channel, Role, TallyKind
from i18n import N_
from sync.push import Apply, Key, Mutator, Rejected

_LENIENT = ConfigDict(extra="ignore")


class SessionFields(BaseModel):
    model_config = _LENIENT
    channel: Channel | None = None
    title: OptText120 = None
    commune: OptText80 = None
    neighbourhood: OptText80 = None
    venue_id: uuid.UUID | None = None
    partner_id: uuid.UUID | None = None
    started_at: PlannedInstant | None = None
    ended_at: PlannedInstant | None = None
    notes: OptText2000 = None
    # Who ran it: the creator, unless a coordinator names an agent of the team.
    agent_id: uuid.UUID | None = None


class VenueFields(BaseModel):
    model_config = _LENIENT
    name: Text120 | None = Field(default=None, min_length=1)
    kind: OptText40 = None
    commune: OptText80 = None
    neighbourhood: OptText80 = None
    address: OptText200 = None
    last_visit_at: PastInstant | None = None
    next_visit_on: PlanDay | None = None
    notes: OptText2000 = None


class AddTally(BaseModel):
    id: uuid.UUID
    session_id: uuid.UUID
    kind: TallyKind
    delta: TallyDelta
    occurred_at: PastInstant


@dataclass(frozen=True)
class Kind:
    """One team-owned record type: its entity, fields, and what a new one needs."""

    entity: str
    model: type[BaseModel]
    required: tuple[str, ...]
    references: tuple[tuple[str, str], ...]  # (column, entity)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(self.model.model_fields)


SESSION_KIND = Kind(
    SESSION,
    SessionFields,
    ("channel", "started_at"),
    (("venue_id", VENUE), ("partner_id", PARTNER)),
)
VENUE_KIND = Kind(VENUE, VenueFields, ("name",), ())


@dataclass(frozen=True)
class Write:
    id: uuid.UUID
    values: dict[str, Any]
    base: dict[str, str | None]


def _references(kind: Kind, values: Mapping[str, Any]) -> Iterator[Key]:
    for column, entity in kind.references:
        if values.get(column) is not None:
            yield entity, values[column]


def _visible(ctx: Apply, entity: str, key: uuid.UUID) -> Mapping[str, Any] | None:
    row = ctx.store.get(entity, key)
    if row is not None and not can_see_team_row(actor_of(ctx), row):
        raise not_found()
    return row


def _parsers(kind: Kind) -> tuple[Callable[[Mapping[str, Any]], Write], ...]:
    def parse_create(args: Mapping[str, Any]) -> Write:
        a = validate(CreateArgs, args)
        values = field_values(validate(kind.model, a.fields, at="fields"), kind.fields)
        require_fields(values, kind.required)
        return Write(a.id, values, {})

    def parse_patch(args: Mapping[str, Any]) -> Write:
        a = validate(PatchArgs, args)
        values = field_values(validate(kind.model, a.set_, at="set"), kind.fields)
        require_fields(values, kind.required)
        return Write(a.id, values, a.base)

    return parse_create, parse_patch


def _needs(kind: Kind) -> Callable[[Write, str], Iterator[Key]]:
    def needs(p: Write, _hlc: str) -> Iterator[Key]:
        yield kind.entity, p.id
        yield from _references(kind, p.values)

    return needs


def check_kind_references(
    ctx: Apply, kind: Kind, values: Mapping[str, Any], row: Mapping[str, Any] | None
) -> None:
    check_references(
        ctx,
        (
            (column, entity, values[column])
            for column, entity in kind.references
            if values.get(column) is not None
        ),
        row,
    )


def _live(ctx: Apply, kind: Kind, key: uuid.UUID) -> Mapping[str, Any] | None:
    """The record a write changes, if the caller sees it. A deleted one takes no change on
    any path: REST answers 404 for it as for any record not there, and a phone's change of
    it is refused the same way (stored as a rejection, shown under "needs attention")
    rather than applied as after-delete conflicts nobody can act on (the coordinator's
    conflict list and its resolutions skip tombstones)."""
    row = _visible(ctx, kind.entity, key)
    if row is not None and row["deleted_at"] is not None:
        raise not_found()
    return row


def check_row(kind: Kind, row: Mapping[str, Any] | None) -> None:
    """The record's rules that span fields, on the row as written (the REST service's)."""
    if kind.entity == SESSION and row is not None:
        check_session_times(aware(row["started_at"]), aware(row["ended_at"]))


def _own_values(ctx: Apply, kind: Kind, team_id: uuid.UUID, p: Write) -> Write:
    """A session's agent: an agent records their own sessions (naming someone else is
    ignored, AC-3); a coordinator may name an active member of the session's team."""
    if kind.entity != SESSION or p.values.get("agent_id") is None:
        return p
    actor = actor_of(ctx)
    agent_id = p.values["agent_id"]
    if actor.role == Role.agent:
        values = {k: v for k, v in p.values.items() if k != "agent_id"}
        return Write(p.id, values, {k: v for k, v in p.base.items() if k != "agent_id"})
    if agent_id != actor.id:
        try:
            check_session_agent(ctx.store.connection, team_id=team_id, user_id=agent_id)
        except InvalidInput as exc:
            raise Rejected(exc.code, exc.msgid) from exc
    return p


def _create(kind: Kind) -> Callable[[Apply, Write], None]:
    def apply(ctx: Apply, p: Write) -> None:
        row = _visible(ctx, kind.entity, p.id)
        check_kind_references(ctx, kind, p.values, row)
        if row is not None:
            if row["deleted_at"] is not None:
                # The REST answer to a create under a deleted record's id.
                raise Rejected("id_taken", N_("This identifier is already in use."))
            p = _own_values(ctx, kind, row["team_id"], p)
            merge_fields(ctx, kind.entity, row, p.values, {})
            check_row(kind, ctx.store.get(kind.entity, p.id))
            return
        p = _own_values(ctx, kind, team_for_new_lead(actor_of(ctx)), p)
        missing = [name for name in kind.required if p.values.get(name) is None]
        if missing:
            raise Rejected("invalid_input", "; ".join(f"fields.{m}: missing" for m in missing))
        actor = actor_of(ctx)
        new: dict[str, Any] = dict.fromkeys(kind.fields)
        new.update(p.values)
        new.update(
            id=p.id,
            team_id=team_for_new_lead(actor),
            created_by=actor.id,
            field_hlc=dict.fromkeys(p.values, ctx.hlc),
            deleted_at=None,
        )
        if kind.entity == SESSION and new.get("agent_id") is None:
            new["agent_id"] = actor.id
        check_row(kind, new)
        ctx.store.insert(kind.entity, new)

    return apply


def _patch(kind: Kind) -> Callable[[Apply, Write], None]:
    def apply(ctx: Apply, p: Write) -> None:
        row = _live(ctx, kind, p.id)
        if row is None:
            raise not_found()
        check_kind_references(ctx, kind, p.values, row)
        p = _own_values(ctx, kind, row["team_id"], p)
        merge_fields(ctx, kind.entity, row, p.values, p.base)
        check_row(kind, ctx.store.get(kind.entity, p.id))

    return apply


def _mutators(prefix: str, kind: Kind) -> tuple[Mutator[Any], ...]:
    parse_create, parse_patch = _parsers(kind)
    return (
        Mutator(f"{prefix}.create", parse_create, _needs(kind), _create(kind)),
        Mutator(f"{prefix}.patch", parse_patch, _needs(kind), _patch(kind)),
    )


# -- tally.add: an increment with its own id, so a replay never counts twice -----------


def parse_tally(args: Mapping[str, Any]) -> AddTally:
    return validate(AddTally, args)


def needs_tally(p: AddTally, _hlc: str) -> Iterator[Key]:
    yield TALLY, p.id
    yield SESSION, p.session_id


def apply_tally(ctx: Apply, p: AddTally) -> None:
    session = _live(ctx, SESSION_KIND, p.session_id)  # a deleted session counts nothing
    existing = ctx.store.get(TALLY, p.id)
    if existing is not None:
        # A replay, answered only to whoever may see its session (else: as any unseen id).
        if existing["session_id"] != p.session_id or session is None:
            raise not_found()
        return
    if session is None:
        raise not_found()
    ctx.store.insert(
        TALLY,
        {
            "id": p.id,
            "session_id": p.session_id,
            "kind": p.kind.value,
            "delta": p.delta,
            "occurred_at": p.occurred_at,
            "created_by": actor_of(ctx).id,
        },
    )


MUTATORS: tuple[Mutator[Any], ...] = (
    *_mutators("session", SESSION_KIND),
    *_mutators("venue", VENUE_KIND),
    Mutator("tally.add", parse_tally, needs_tally, apply_tally),
)
