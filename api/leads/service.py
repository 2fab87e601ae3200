"""Lead use cases: list, read, create, patch, status, assign, delete and restore.

Reads are queries here; every write is a thin adapter over its sync mutator
(api/syncapi/local.py), so a REST write takes the same version, field stamps, conflict
records and pokes as a phone's push. The public form's lead is made the same way, from
api/intake/service.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnClause, Connection, Row, func, literal_column
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import SelectOfScalar

from api.clock import observe
from api.db import end_read
from api.errors import Conflict, NotFound, PermissionDenied
from api.leads import markers, rules, totals
from api.leads.access import visible_lead
from api.leads.filters import LeadFilters, visible_where
from api.leads.models import Consent, Lead
from api.leads.schemas import (
    LeadCreate,
    LeadPublic,
    LeadSort,
    LeadUpdate,
    StatusChange,
    lead_changes,
)
from api.scope import Viewer, can_see_lead
from api.syncapi import local
from api.users.actor import Actor
from sync.push import Mutator
from sync.sqltypes import table_of, utcnow

MAX_PAGE = 200


# ---------------------------------------------------------------- shared helpers


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
        found = offset + len(rows)
    else:

        def count() -> int:
            where = visible_where(actor, filters, now=now)
            counted = session.execute(select(func.count()).select_from(Lead).where(*where))
            return int(counted.scalar_one())

        found = totals.total(session, actor=actor, filters=filters, now=now, count=count)
    end_read(session)
    return rows, found


_CONSENTS = table_of(Consent)


def latest_consent(session: Session, lead_id: uuid.UUID) -> dict[str, Any] | None:
    """The lead's latest consent record as a plain row (read-only: the lead detail)."""
    t = _CONSENTS
    row = (
        session.execute(
            sa_select(t)
            .where(t.c.lead_id == lead_id)
            .order_by(t.c.given_at.desc(), t.c.id.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row is not None else None


# ---------------------------------------------------------------- writes


def create_lead(session: Session, *, actor: Actor, data: LeadCreate) -> tuple[Lead, bool]:
    """Create a lead with its consent, markers and first follow-up: the lead.create
    mutation, applied by the server; (lead, created).

    A replayed create (same client id) answers the stored lead instead of a duplicate.
    """
    rules.team_for_new_lead(actor)
    markers.check_consent(data.consent, data.markers)
    lead_id = data.id or uuid.uuid4()
    fields = data.model_dump(mode="json", exclude_unset=True, exclude={"id"})
    fields.setdefault("language", data.language.value)
    answer: list[Lead] = []

    # The identifier checks are read in the write transaction (on PostgreSQL the one the
    # request's authentication began) and the answer is the lead as written: a
    # transaction more per request costs a pool checkout with its pre-ping, a BEGIN and
    # a ROLLBACK (issue #11, speed).
    def prepare(_conn: Connection) -> list[tuple[Mutator[Any], Any]]:
        if data.id is not None and (existing := session.get(Lead, data.id)) is not None:
            if existing.deleted_at is None and can_see_lead(actor, existing):
                answer.append(_visible(actor, existing))
                return []
            raise Conflict("This identifier is already in use.", code="id_taken")
        if data.consent.id is not None and session.get(Consent, data.consent.id) is not None:
            raise Conflict("This identifier is already in use.", code="id_taken")
        return [local.parse("lead.create", {"id": str(lead_id), "fields": fields})]

    def stored(written: local.Stored) -> None:
        answer.append(_as_written(written, lead_id))

    version = local.apply_with(session, actor=actor, prepare=prepare, stored=stored)
    if version is None:
        return answer[0], False  # a replay
    return _visible(actor, answer[0]), True


def update_lead(session: Session, *, actor: Actor, lead_id: uuid.UUID, data: LeadUpdate) -> Lead:
    """Patch the given fields: the lead.patch mutation, applied by the server, based on the
    stored values the editor saw (ordered after each of their stamps, never a conflict);
    unchanged values are left out, so a replayed request changes nothing."""
    lead = visible_lead(session, actor=actor, lead_id=lead_id)
    written: list[Lead] = []
    local.apply_edit(
        session,
        actor=actor,
        name="lead.patch",
        row=lead,
        changes=lead_changes(data),
        stored=lambda stored: written.append(_as_written(stored, lead_id)),
    )
    if not written:
        end_read(session)  # nothing changed: the lead as read is the answer
        return lead
    return _visible(actor, written[0])


def _as_written(stored: local.Stored, lead_id: uuid.UUID) -> Lead:
    """The lead as the mutator stored it: the answer, made without reading it again (a
    round trip while the write holds the space version's lock, which every other write
    waits for)."""
    row = stored.row("lead", lead_id)
    assert row is not None
    return Lead(**row)


def _visible(actor: Actor, lead: Lead) -> Lead:
    """visible_lead's rule applied to a lead read in the write transaction, once it is
    committed: a lead the write put out of the actor's sight is a 404, as it was when the
    answer was read after the commit."""
    if lead.erased_at is not None or lead.deleted_at is not None or not can_see_lead(actor, lead):
        raise NotFound()
    return lead


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
