"""What every mutator shares: argument validation, rejections, per-field merge."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import Enum
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from api.errors import AppError
from api.references import UNKNOWN, may_refer
from api.syncapi.entities import INTERACTION
from api.users.actor import Actor, PublicForm
from api.validation import field_errors
from api.vocab import InteractionKind
from sync.merge import merge_patch
from sync.push import Apply, Rejected

M = TypeVar("M", bound=BaseModel)

_ARGS = ConfigDict(extra="ignore", populate_by_name=True)


class IdArgs(BaseModel):
    model_config = _ARGS
    id: uuid.UUID


class PatchArgs(BaseModel):
    """`{id, set: {field: value}, base: {field: hlc or null}}`."""

    model_config = _ARGS
    id: uuid.UUID
    set_: dict[str, Any] = Field(alias="set")
    base: dict[str, str | None] = Field(default_factory=dict)


class CreateArgs(BaseModel):
    """`{id, fields}`: an upsert; an existing id is a patch of every given field."""

    model_config = _ARGS
    id: uuid.UUID
    fields: dict[str, Any]


def actor_of(ctx: Apply) -> Actor:
    actor = ctx.actor
    assert isinstance(actor, Actor)
    return actor


def validate(model: type[M], data: Any, *, at: str = "") -> M:
    """Validate with the REST API's own models; a failure rejects the mutation. `at` is
    where `data` sits in the mutation's args (for the problem locations)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc, at) from exc


def invalid(exc: ValidationError, at: str = "") -> Rejected:
    # Locations and codes only: the detail is stored and must not echo personal data.
    prefix = [at] if at else []
    problems = [
        f"{'.'.join(str(p) for p in [*prefix, *e['loc']]) or 'args'}: {e['code']}"
        for e in field_errors(exc.errors())
    ]
    return Rejected("invalid_input", "; ".join(problems)[:500])


def translate(exc: Exception) -> Rejected | None:
    """Rule violations raised by shared API code (rules.py, scope) become rejections."""
    if isinstance(exc, AppError):
        return Rejected(exc.code, exc.msgid)
    if isinstance(exc, ValidationError):
        return invalid(exc)
    return None


def check_references(
    ctx: Apply,
    references: Iterable[tuple[str, str, uuid.UUID]],
    current: Mapping[str, Any] | None = None,
) -> None:
    """Each (column, entity, id) a mutation points at must be a record the caller may point
    at (api/references.py, the REST rule): missing, invisible and deleted get the same
    rejection, on both paths. A reference `current` (the row written to) already holds is
    not judged again: REST leaves unchanged values out, and a replayed create must not be
    refused because a session it named was deleted since."""
    for column, entity, key in references:
        if current is not None and current.get(column) == key:
            continue
        if not _may_refer(ctx.actor, column, ctx.store.get(entity, key)):
            raise Rejected(*UNKNOWN[column])  # the REST answer: unknown_venue, …


def _may_refer(actor: Any, column: str, row: Mapping[str, Any] | None) -> bool:
    if isinstance(actor, PublicForm):
        # The attribution code's own references, chosen by a coordinator and checked when
        # the code was made (the form's answers never name one): they must still exist,
        # and a session deleted since still gets the credit (the person is not refused).
        return row is not None
    assert isinstance(actor, Actor)
    return may_refer(actor, column, row, organisation_id=actor.user.organisation_id)


def not_found() -> Rejected:
    # Out of scope and missing look the same (no existence oracle), as in the REST API.
    return Rejected("not_found", "Not found.")


def erased() -> Rejected:
    """A change to an erased person: refused, and stored without its args (they would bring
    back what was erased; a phone offline during the erasure still holds them)."""
    return Rejected("erased", "This person's data was erased.", keep_args=False)


def check_not_erased(row: Mapping[str, Any]) -> None:
    if row.get("erased_at") is not None:
        raise erased()


def aware(value: datetime | None) -> datetime | None:
    """Times without a zone are taken as UTC (the database refuses naive times)."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def merge_fields(
    ctx: Apply,
    entity: str,
    row: Mapping[str, Any],
    updates: Mapping[str, Any],
    base: Mapping[str, str | None],
) -> dict[str, Any]:
    """Per-field last-writer-wins into `row`; conflicts are recorded, the winners stored.
    Returns the fields actually written."""
    result = merge_patch(
        row,
        row["field_hlc"] or {},
        updates,
        base,
        ctx.hlc,
        deleted=row.get("deleted_at") is not None,
    )
    ctx.conflict(entity, row["id"], result.conflicts)
    if result.changes:
        ctx.store.update(entity, row["id"], {**result.changes, "field_hlc": result.field_hlc})
    return result.changes


def stored(value: Any) -> Any:
    """A validated value as the database holds it (enums as their text, aware times)."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [stored(v) for v in value]
    if isinstance(value, datetime):
        return aware(value)
    return value


def field_values(model: BaseModel, fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields a client actually gave (explicit nulls included), as stored."""
    given = model.model_fields_set
    return {name: stored(getattr(model, name)) for name in fields if name in given}


def require_fields(values: Mapping[str, Any], required: tuple[str, ...]) -> None:
    for name in required:
        if name in values and values[name] is None:
            raise Rejected("invalid_input", f"{name}: missing")


def add_system_note(
    ctx: Apply, note_id: uuid.UUID, lead_id: uuid.UUID, body: str, occurred_at: datetime
) -> None:
    """A note the server writes on a lead's timeline (a merge's leftovers, a send-back
    round), once: its id is derived from what it records, so a replay adds nothing. Not a
    contact with the person: the lead's last touch does not move."""
    if ctx.store.get(INTERACTION, note_id) is not None:
        return
    ctx.store.insert(
        INTERACTION,
        {
            "id": note_id,
            "lead_id": lead_id,
            "kind": InteractionKind.note.value,
            "occurred_at": occurred_at,
            "body": body[:4000],
            "channel": None,
            "from_status": None,
            "to_status": None,
            "author_id": ctx.actor.id,
            "voided_at": None,
            "voided_by": None,
            "void_reason": None,
        },
    )
