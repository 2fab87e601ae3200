"""Per-field HLC merge of a REST patch into a syncable row (outreach sessions and venues).

REST writes are stamped with the server clock and go through the same `merge_patch` as sync
pushes, so both paths agree on which value wins; a value that loses is kept in
`sync_conflict` rather than silently dropped.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Any, Protocol

from sqlalchemy import Connection, select
from sqlmodel import Session

from api.clock import server_clock
from api.errors import InvalidInput
from api.users.models import TeamMember, User
from sync.merge import merge_patch
from sync.models import SyncConflict
from sync.sqltypes import table_of, utcnow

# Phones' clocks drift; anything later than this past the server's now is refused.
FUTURE_SLACK = timedelta(minutes=5)


def check_not_future(at: datetime) -> None:
    if at > utcnow() + FUTURE_SLACK:
        raise InvalidInput("This time is in the future.", code="in_future")


def check_session_times(started_at: datetime | None, ended_at: datetime | None) -> None:
    """An outreach session ends after it starts (REST and sync: session.create/patch).
    A start in the future is fine: coordinators plan info sessions ahead."""
    if started_at is not None and ended_at is not None and ended_at < started_at:
        raise InvalidInput("The end is before the start.", code="ended_before_started")


class Patchable(Protocol):
    id: uuid.UUID
    field_hlc: dict[str, Any]
    updated_at: datetime


def jsonable(value: Any) -> Any:
    """A value in the form merge_patch compares and sync_conflict stores."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def merge_into(
    session: Session,
    row: Patchable,
    *,
    entity: str,
    updates: Mapping[str, Any],
    user_id: uuid.UUID,
    stamp: str | None = None,
) -> bool:
    """Merge `updates` (column values) into `row`; True when a column changed.

    Values equal to the stored ones are left out, so a replayed request changes nothing and
    moves no stamp. Losing values are added as conflicts. The caller sets the row's version
    and commits.
    """
    current = {name: jsonable(getattr(row, name)) for name in updates}
    wanted = {name: jsonable(v) for name, v in updates.items() if jsonable(v) != current[name]}
    if not wanted:
        return False
    hlc = dict(row.field_hlc)
    if stamp is None:
        # The editor saw the stored values: fold their stamps in so this edit is later than
        # each of them, even when a phone with a fast clock wrote them.
        for name in wanted:
            if hlc.get(name):
                server_clock.observe(hlc[name])
        stamp = server_clock.now()
    result = merge_patch(current, hlc, wanted, base=hlc, hlc=stamp)
    for c in result.conflicts:
        session.add(
            SyncConflict(
                entity=entity,
                entity_id=row.id,
                field=c.field,
                kind=c.kind,
                losing_value=c.losing_value,
                losing_hlc=c.losing_hlc,
                winning_value=c.winning_value,
                winning_hlc=c.winning_hlc,
                user_id=user_id,
            )
        )
    if not result.changes:
        return False
    for name in result.changes:
        setattr(row, name, updates[name])
    # A new dict, so the JSON column is seen as changed.
    row.field_hlc = dict(result.field_hlc)
    row.updated_at = utcnow()
    return True


def stamp_set(values: Mapping[str, Any], names: tuple[str, ...], stamp: str) -> dict[str, str]:
    """field_hlc of a newly created row: the patchable fields the create set carry its
    stamp, as a pushed create's do; a field left empty has no stamp, so a later edit of it
    is not taken for a concurrent one."""
    return {name: stamp for name in names if values.get(name) is not None}


_user = table_of(User)
_member = table_of(TeamMember)


def check_session_agent(conn: Connection, *, team_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Who a session may be credited to: an active member of its team (a 422, not an FK
    error; a missing and an invisible person get the same answer)."""
    found = conn.execute(
        select(_user.c.is_active)
        .join(_member, _member.c.user_id == _user.c.id)
        .where(_user.c.id == user_id, _member.c.team_id == team_id)
    ).first()
    if found is None or not found.is_active:
        raise InvalidInput("This person is not in the session's team.", code="unknown_agent")
