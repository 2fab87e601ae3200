"""The morning digest: one push per user and day, "N follow-ups to do today", at the hour
the user chose (Europe/Brussels), instead of a push per follow-up.

Run by every push worker, set-wise (a few statements per 500 users, however many there
are): the users whose hour has come are found, their open follow-ups counted in one
grouped query, and their day claimed with one conditional UPDATE … RETURNING of
`push_preference.last_digest_on`, so with several instances exactly one enqueues each
user's digest (on PostgreSQL a second UPDATE waits for the first and then finds the day
taken; on SQLite the write lock orders them).
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time

from sqlalchemy import Connection, func, or_, select, true, update
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
CHUNK = 500


def _due_users(conn: Connection, today: date, at: time) -> list[uuid.UUID]:
    """Subscribed users with the digest on, whose hour has come and whose day is open."""
    not_yet = or_(_pref.c.last_digest_on.is_(None), _pref.c.last_digest_on < today)
    rows = conn.execute(
        select(_sub.c.user_id)
        .distinct()
        .select_from(
            _sub.join(_user, _user.c.id == _sub.c.user_id).outerjoin(
                _pref, _pref.c.user_id == _sub.c.user_id
            )
        )
        .where(
            _user.c.is_active,
            func.coalesce(_pref.c.digest, true()),
            func.coalesce(_pref.c.digest_time, DEFAULT_DIGEST_TIME) <= at,
            not_yet,
        )
    )
    return list(rows.scalars())


def _claim_days(
    conn: Connection, users: Sequence[uuid.UUID], today: date, now: datetime
) -> list[uuid.UUID]:
    """Mark today's digest as this worker's; the users it got (not those another had)."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    defaults = {
        "assigned": True,
        "intake": True,
        "sent_back": True,
        "digest": True,
        "digest_time": DEFAULT_DIGEST_TIME,
        "updated_at": now,
    }
    conn.execute(
        dialect.insert(_pref).on_conflict_do_nothing(index_elements=["user_id"]),
        [{"user_id": user_id, **defaults} for user_id in users],
    )
    claimed = conn.execute(
        update(_pref)
        .where(
            _pref.c.user_id.in_(users),
            or_(_pref.c.last_digest_on.is_(None), _pref.c.last_digest_on < today),
        )
        .values(last_digest_on=today)
        .returning(_pref.c.user_id)
    )
    return list(claimed.scalars())


def _open_followups(
    conn: Connection, users: Sequence[uuid.UUID], today: date
) -> dict[uuid.UUID, int]:
    rows = conn.execute(
        select(_followup.c.assigned_to, func.count())
        .where(
            _followup.c.assigned_to.in_(users),
            _followup.c.due_on <= today,
            _followup.c.done_at.is_(None),
            _followup.c.deleted_at.is_(None),
        )
        .group_by(_followup.c.assigned_to)
    )
    return {user_id: int(count) for user_id, count in rows}


def schedule_digests(conn: Connection, now: datetime) -> int:
    """Enqueue the digests whose hour has come (caller commits); how many users get one."""
    local = now.astimezone(BRUSSELS)
    today, at = local.date(), local.time().replace(tzinfo=None)
    due = _due_users(conn, today, at)
    enqueued = 0
    for start in range(0, len(due), CHUNK):
        claimed = _claim_days(conn, due[start : start + CHUNK], today, now)
        if not claimed:
            continue
        by_count: dict[int, list[uuid.UUID]] = defaultdict(list)
        for user_id, count in _open_followups(conn, claimed, today).items():
            by_count[count].append(user_id)
        for count, users in by_count.items():
            outbox.to_users(conn, Kind.digest, users, count=count, now=now)
            enqueued += len(users)
    return enqueued
