"""Lead use cases: list, read, create, patch, status, assign, delete and restore.

Every write opens with `begin_write` and takes the next sync-space version before anything
else, so REST writes serialise with sync pushes and phones pull every change. Field edits
are stamped with the server's HLC and merged by the same rule as sync patches.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, Row, func, literal_column
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.clock import observe, server_clock, stamp_after
from api.db import begin_write
from api.errors import Conflict, NotFound, PermissionDenied
from api.followups.models import Followup
from api.leads import markers, rules, totals
from api.leads.filters import LeadFilters, visible_where
from api.leads.models import Consent, Lead
from api.leads.schemas import (
    PATCHABLE_FIELDS,
    LeadCreate,
    LeadPublic,
    LeadSort,
    LeadUpdate,
    StatusChange,
    lead_changes,
)
from api.partners.models import Partner
from api.push import triggers as push_triggers
from api.references import check_reference
from api.references import unknown as unknown_reference
from api.scope import Viewer, can_see_lead
from api.sessions.models import OutreachSession
from api.syncapi import local
from api.users.actor import Actor
from api.users.models import User
from api.venues.models import Venue
from sync.merge import FieldConflict
from sync.models import SyncConflict
from sync.push import jsonable
from sync.space import bump_version
from sync.sqltypes import utcnow

MAX_PAGE = 200


# ---------------------------------------------------------------- shared helpers


@contextmanager
def writing(session: Session) -> Iterator[int]:
    """A write transaction holding the next sync-space version; rolled back on any error,
    so a refused request leaves nothing behind (not even the version bump)."""
    begin_write(session)
    try:
        yield bump_version(session.connection())
    except BaseException:
        session.rollback()
        raise


def visible_lead(
    session: Session, *, actor: Actor, lead_id: uuid.UUID, include_deleted: bool = False
) -> Lead:
    """The lead if the actor may see it; otherwise 404 whether or not it exists."""
    lead = session.get(Lead, lead_id, populate_existing=True)
    # An erased person's tombstone is gone for everyone (it cannot be restored either).
    if lead is None or lead.erased_at is not None or not can_see_lead(actor, lead):
        raise NotFound()
    if lead.deleted_at is not None and not include_deleted:
        raise NotFound()
    return lead


def record_conflicts(
    session: Session,
    *,
    entity: str,
    entity_id: uuid.UUID,
    conflicts: Iterable[FieldConflict],
    actor: Actor,
) -> None:
    for c in conflicts:
        session.add(
            SyncConflict(
                entity=entity,
                entity_id=entity_id,
                field=c.field,
                kind=c.kind,
                losing_value=c.losing_value,
                losing_hlc=c.losing_hlc,
                winning_value=c.winning_value,
                winning_hlc=c.winning_hlc,
                user_id=actor.id,
            )
        )


def check_assignee(
    session: Session, *, actor: Actor, team_id: uuid.UUID, user_id: uuid.UUID
) -> User:
    """An active agent of the lead's team (an admin may pick any active agent)."""
    rules.check_assignee(session.connection(), actor=actor, team_id=team_id, user_id=user_id)
    user = session.get(User, user_id)
    assert user is not None
    return user


def fold_in(stamps: Iterable[str | None]) -> str:
    """A server stamp later than every stamp given: for writes the actor made after seeing
    the current state (status, assignment), which must not lose to a skewed phone clock."""
    return stamp_after(stamps)


# ---------------------------------------------------------------- reads


_SORT_COLUMNS: dict[str, Any] = {
    "created_at": col(Lead.created_at),
    "last_touch_at": col(Lead.last_touch_at),
    "first_name": func.lower(col(Lead.first_name)),
    "status": col(Lead.status),
    "status_changed_at": col(Lead.status_changed_at),
}


# The queue's priority: new and unassigned leads (2), the other new ones (1), the rest (0).
# Written with literals exactly as the index ix_lead_queue holds it (migration "lead list
# indexes"): a database uses an index on an expression only for that same expression.
_QUEUE_PRIORITY: ColumnClause[int] = literal_column(
    "CASE WHEN (lead.status = 'new' AND lead.assigned_to IS NULL) THEN 2 "
    "WHEN (lead.status = 'new') THEN 1 ELSE 0 END"
)


def _queue_order() -> list[Any]:
    """New and unassigned leads first, then the other new ones, then the rest; newest first
    within each."""
    return [_QUEUE_PRIORITY.desc(), col(Lead.created_at).desc(), col(Lead.id).desc()]


_LIST_COLUMNS = [Lead.__table__.c[name] for name in LeadPublic.model_fields]  # type: ignore[attr-defined]


def page_query(
    actor: Viewer, filters: LeadFilters, sort: LeadSort, *, now: datetime
) -> SelectOfScalar[Lead]:
    """The leads of a list in their order, before paging."""
    if sort == LeadSort.queue:
        order = _queue_order()
    else:
        key = _SORT_COLUMNS[sort.value.lstrip("-")]
        descending = sort.value.startswith("-")
        order = [key.desc(), col(Lead.id).desc()] if descending else [key.asc(), col(Lead.id).asc()]
    return select(Lead).where(*visible_where(actor, filters, now=now)).order_by(*order)


def list_leads(
    session: Session,
    *,
    actor: Actor,
    filters: LeadFilters,
    sort: LeadSort = LeadSort.created_at_desc,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[Row[Any]], int]:
    """One page of the leads the actor may see (tombstones excluded), as rows of the
    columns LeadPublic shows, and the total."""
    now = utcnow()
    limit = min(limit, MAX_PAGE)
    query = page_query(actor, filters, sort, now=now).limit(limit).offset(offset)
    # Only what the list shows: no field stamps to parse, no progress columns.
    rows = list(session.execute(query.with_only_columns(*_LIST_COLUMNS)).all())
    if 0 < len(rows) < limit or (offset == 0 and not rows):
        # The last page: the total is known without counting.
        return rows, offset + len(rows)

    def count() -> int:
        where = visible_where(actor, filters, now=now)
        counted = session.execute(select(func.count()).select_from(Lead).where(*where))
        return int(counted.scalar_one())

    return rows, totals.total(session, actor=actor, filters=filters, now=now, count=count)


def latest_consent(session: Session, lead_id: uuid.UUID) -> Consent | None:
    return session.execute(
        select(Consent)
        .where(col(Consent.lead_id) == lead_id)
        .order_by(col(Consent.given_at).desc(), col(Consent.id).desc())
        .limit(1)
    ).scalar_one_or_none()


# ---------------------------------------------------------------- writes


def _stamp_new(lead: Lead, stamp: str) -> None:
    lead.field_hlc = {
        # The fields the request set, as a pushed create stamps them: not the status the
        # server gives every new lead (a phone that changes it offline knows no stamp for
        # it, and its change must not look concurrent).
        name: stamp
        for name in PATCHABLE_FIELDS
        if getattr(lead, name) is not None
    }


def create_lead(session: Session, *, actor: Actor, data: LeadCreate) -> tuple[Lead, bool]:
    """Create a lead with its consent, markers and first follow-up: the lead.create
    mutation, applied by the server; (lead, created).

    A replayed create (same client id) answers the stored lead instead of a duplicate.
    """
    rules.team_for_new_lead(actor)
    markers.check_consent(data.consent, data.markers)
    if data.id is not None and (existing := session.get(Lead, data.id)) is not None:
        replay = existing.deleted_at is None and can_see_lead(actor, existing)
        session.rollback()
        if replay:
            return visible_lead(session, actor=actor, lead_id=data.id), False
        raise Conflict("This identifier is already in use.", code="id_taken")
    if data.consent.id is not None and session.get(Consent, data.consent.id) is not None:
        session.rollback()
        raise Conflict("This identifier is already in use.", code="id_taken")
    session.rollback()  # end the reads before the write transaction
    lead_id = data.id or uuid.uuid4()
    fields = data.model_dump(mode="json", exclude_unset=True, exclude={"id"})
    fields.setdefault("language", data.language.value)
    local.apply(
        session, actor=actor, mutations=[("lead.create", {"id": str(lead_id), "fields": fields})]
    )
    return visible_lead(session, actor=actor, lead_id=lead_id), True


@dataclass(frozen=True)
class Credit:
    """Whose queue a new lead joins and who is credited: the creator for an agent's lead;
    for the public form the attribution code's agent, if any, and no creator."""

    team_id: uuid.UUID
    agent_id: uuid.UUID | None
    creator_id: uuid.UUID | None


def create_self_intake_lead(
    session: Session, *, data: LeadCreate, credit: Credit
) -> tuple[Lead, bool]:
    """A lead from the public form: `new`, unassigned, in the credited team's queue.

    The id comes from the submission's client token, so a resent form answers the lead
    already made (created False); the sender learns nothing about it.
    """
    markers.check_consent(data.consent, data.markers)
    with writing(session) as version:
        if data.id is not None and (existing := session.get(Lead, data.id)) is not None:
            session.rollback()
            return existing, False
        lead = _insert_new_lead(session, data=data, credit=credit, version=version, actor=None)
        # The team's coordinators hear of it in this transaction (a refused one: nothing).
        push_triggers.self_intake_received(
            session.connection(), lead_id=lead.id, team_id=credit.team_id
        )
        session.commit()
    return lead, True


def _insert_new_lead(
    session: Session, *, data: LeadCreate, credit: Credit, version: int, actor: Actor | None
) -> Lead:
    """The lead, its consent, markers and first follow-up, inside the caller's write."""
    if data.consent.id is not None and session.get(Consent, data.consent.id) is not None:
        raise Conflict("This identifier is already in use.", code="id_taken")
    values = column_values(session, actor, lead_changes(data) | {"language": data.language.value})
    values["needs"] = values.get("needs") or []
    now = utcnow()
    lead = Lead(
        id=data.id or uuid.uuid4(),
        team_id=credit.team_id,
        **values,
        agent_id=credit.agent_id,
        created_by=credit.creator_id,
        status="new",
        first_touch_at=now,
        last_touch_at=now,
        status_changed_at=now,
        created_at=now,
        updated_at=now,
        version=version,
    )
    stamp = server_clock.now()
    _stamp_new(lead, stamp)
    session.add(lead)
    session.flush()  # the consent and marker rows refer to the lead
    consent = markers.consent_row(
        data.consent, lead_id=lead.id, agent_id=credit.creator_id, now=now
    )
    session.add(consent)
    session.flush()
    if data.markers is not None:
        session.add(markers.marker_row(data.markers, lead_id=lead.id, consent=consent, now=now))
    session.add(_first_followup(lead, assignee=credit.creator_id, stamp=stamp, version=version))
    return lead


_REFERENCES: dict[str, type[Any]] = {
    "session_id": OutreachSession,
    "venue_id": Venue,
    "partner_id": Partner,
}


def column_values(
    session: Session, actor: Actor | None, changes: Mapping[str, Any]
) -> dict[str, Any]:
    """JSON-form field values as the columns take them; references must be records the
    actor may point at (api/references.py: a bad or invisible id is the same 422, not a
    foreign-key error). No actor: Terrain's own attribution (the public form's code)."""
    values = dict(changes)
    for name, model in _REFERENCES.items():
        if values.get(name) is None:
            continue
        ref = uuid.UUID(str(values[name]))
        row = session.get(model, ref)
        if actor is None:
            if row is None:
                raise unknown_reference(name)
        else:
            organisation = actor.user.organisation_id
            check_reference(actor, name, row, organisation_id=organisation)
        values[name] = ref
    return values


def _first_followup(
    lead: Lead, *, assignee: uuid.UUID | None, stamp: str, version: int
) -> Followup:
    # A self-intake's first call has no assignee: the coordinators' queue gives it one.
    return Followup(
        id=rules.first_followup_id(lead.id),
        lead_id=lead.id,
        due_on=rules.first_followup_due(lead.created_at),
        kind="call",
        assigned_to=assignee,
        created_by=assignee,
        created_at=lead.created_at,
        updated_at=lead.created_at,
        version=version,
        field_hlc={"due_on": stamp, "kind": stamp},
    )


def current_values(row: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: jsonable(getattr(row, name)) for name in names}


def _touch(lead: Lead, version: int, field_hlc: Mapping[str, Any] | None = None) -> None:
    lead.version = version
    lead.updated_at = utcnow()
    if field_hlc is not None:
        # A new dict, so the JSON column is seen as changed.
        lead.field_hlc = dict(field_hlc)


def update_lead(session: Session, *, actor: Actor, lead_id: uuid.UUID, data: LeadUpdate) -> Lead:
    """Patch the given fields: the lead.patch mutation, applied by the server, based on the
    stored values the editor saw (ordered after each of their stamps, never a conflict);
    unchanged values are left out, so a replayed request changes nothing."""
    lead = visible_lead(session, actor=actor, lead_id=lead_id)
    local.apply_edit(session, actor=actor, name="lead.patch", row=lead, changes=lead_changes(data))
    return visible_lead(session, actor=actor, lead_id=lead_id)


def change_status(
    session: Session, *, actor: Actor, lead_id: uuid.UUID, data: StatusChange
) -> Lead:
    """Move the lead along the funnel: the lead.patch mutation of its status, logged as an
    interaction with the comment; ordered after the status the actor saw."""
    lead = visible_lead(session, actor=actor, lead_id=lead_id)
    old, new = lead.status, data.status.value
    rules.check_transition(old, new)
    stamp = lead.field_hlc.get("status")
    session.rollback()  # end the read before the write transaction
    if old != new:
        observe([stamp])
        args = {"id": str(lead_id), "set": {"status": new}, "base": {"status": stamp}}
        local.apply(
            session, actor=actor, mutations=[("lead.patch", {**args, "comment": data.comment})]
        )
    return visible_lead(session, actor=actor, lead_id=lead_id)


def delete_lead(session: Session, *, actor: Actor, lead_id: uuid.UUID) -> None:
    """Tombstone the lead (phones drop it at their next pull); deleting twice is harmless:
    the lead.delete mutation, applied by the server."""
    local.apply(session, actor=actor, mutations=[("lead.delete", {"id": str(lead_id)})])


def restore_lead(session: Session, *, actor: Actor, lead_id: uuid.UUID) -> Lead:
    """Undo a delete (coordinators and admins): the lead.restore mutation."""
    if not rules.may_assign(actor):
        raise PermissionDenied()
    local.apply(session, actor=actor, mutations=[("lead.restore", {"id": str(lead_id)})])
    return visible_lead(session, actor=actor, lead_id=lead_id)


def touch_lead(lead: Lead, *, at: datetime, version: int) -> None:
    """Record a contact at `at` (caller commits): last_touch_at only moves forward, and
    never past the server's now (a time a few minutes ahead is clock drift)."""
    at = min(at, utcnow())
    if at > lead.last_touch_at:
        lead.last_touch_at = at
    _touch(lead, version)
