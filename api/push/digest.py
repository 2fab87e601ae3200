"""The morning digest: one push per user and day, "N follow-ups to do today", at the hour
the user chose (Europe/Brussels), instead of a push per follow-up.

Run by every push worker; each user's day is claimed with one conditional UPDATE of
`push_preference.last_digest_on`, so with several instances exactly one enqueues it.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, time

from sqlalchemy import Connection, and_, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite

from api.followups.models import Followup
from api.leads.rules import BRUSSELS
from api.push import outbox
from api.push.models import PushPreference, PushSubscription
from api.push.outbox import Kind
from api.users.models import User
from sync.sqltypes import table_of

_pref = table_of(PushPreference)
_sub = table_of(PushSubscription)
_user = table_of(User)
_followup = table_of(Followup)
DEFAULT_DIGEST_TIME = time(7, 30)


def _due_users(conn: Connection, today: date) -> list[tuple[uuid.UUID, time]]:
    """Users with a subscription, the digest on, and today's not yet claimed."""
    rows = conn.execute(
        select(_sub.c.user_id, _pref.c.digest_time)
        .distinct()
        .select_from(
            _sub.join(_user, _user.c.id == _sub.c.user_id).outerjoin(
                _pref, _pref.c.user_id == _sub.c.user_id
            )
        )
        .where(
            _user.c.is_active,
            func.coalesce(_pref.c.digest, true()),
            or_(_pref.c.last_digest_on.is_(None), _pref.c.last_digest_on < today),
        )
    )
    return [(row.user_id, row.digest_time or DEFAULT_DIGEST_TIME) for row in rows]


def _claim_day(conn: Connection, user_id: uuid.UUID, today: date, now: datetime) -> bool:
    """Mark today's digest as this worker's; False if another got there first."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(_pref)
        .values(
            user_id=user_id,
            assigned=True,
            intake=True,
            sent_back=True,
            digest=True,
            digest_time=DEFAULT_DIGEST_TIME,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["user_id"])
    )
    claimed = conn.execute(
        update(_pref)
        .where(
            and_(
                _pref.c.user_id == user_id,
                or_(_pref.c.last_digest_on.is_(None), _pref.c.last_digest_on < today),
            )
        )
        .values(last_digest_on=today)
    )
    return claimed.rowcount == 1


def _open_followups(conn: Connection, user_id: uuid.UUID, today: date) -> int:
    count = conn.execute(
        select(func.count())
        .select_from(_followup)
        .where(
            _followup.c.assigned_to == user_id,
            _followup.c.due_on <= today,
            _followup.c.done_at.is_(None),
            _followup.c.deleted_at.is_(None),
        )
    ).scalar_one()
    return int(count)


def schedule_digests(conn: Connection, now: datetime) -> int:
    """Enqueue the digests whose hour has come (caller commits); how many were enqueued."""
    local = now.astimezone(BRUSSELS)
    today = local.date()
    enqueued = 0
    for user_id, at in _due_users(conn, today):
        if local.time() < at or not _claim_day(conn, user_id, today, now):
            continue
        count = _open_followups(conn, user_id, today)
        if count:
            outbox.to_users(conn, Kind.digest, [user_id], count=count, now=now)
            enqueued += 1
    return enqueued
