"""Putting messages in the outbox, inside the transaction of the change that causes them.

One `INSERT … SELECT` per change: a message for every live subscription of every
recipient who has not turned that kind off. No round trip to read subscriptions first, no
network: the request that triggers a push pays one small insert (performance.md P10), and
the message exists exactly when the change was committed (a rolled-back change leaves none).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import (
    ColumnElement,
    Connection,
    Insert,
    Integer,
    Uuid,
    and_,
    bindparam,
    func,
    insert,
    literal,
    select,
    true,
)

from api.push.models import PushOutbox, PushPreference, PushSubscription
from api.users.models import Device, TeamMember, User
from api.vocab import Role
from sync.sqltypes import UTCDateTime, table_of, utcnow

_outbox = table_of(PushOutbox)
_sub = table_of(PushSubscription)
_pref = table_of(PushPreference)
_user = table_of(User)
_device = table_of(Device)
_member = table_of(TeamMember)


class Kind(StrEnum):
    """What a message is about; each is a preference the user can turn off."""

    assigned = "assigned"  # a lead was assigned to you
    intake = "intake"  # a new self-intake in your team (coordinators)
    sent_back = "sent_back"  # a coordinator sent a lead back to you
    digest = "digest"  # your follow-ups due today, once in the morning


def _recipients_by_id() -> ColumnElement[bool]:
    return _sub.c.user_id.in_(bindparam("user_ids", expanding=True))


def _team_coordinators() -> ColumnElement[bool]:
    members = select(_member.c.user_id).where(_member.c.team_id == bindparam("team_id"))
    return and_(_sub.c.user_id.in_(members), _user.c.role == Role.coordinator.value)


@lru_cache(maxsize=16)
def _statement(kind: Kind, recipients: str) -> Insert:
    """Built once per (kind, recipient rule): building a statement costs more than
    running it."""
    who = _recipients_by_id() if recipients == "ids" else _team_coordinators()
    wanted = func.coalesce(_pref.c[kind.value], true())
    rows = (
        select(
            _sub.c.id,
            _sub.c.user_id,
            literal(kind.value),
            bindparam("lead_id", type_=Uuid()),
            bindparam("count", type_=Integer()),
            bindparam("now", type_=UTCDateTime()),
            bindparam("now", type_=UTCDateTime()),
            literal(0),
        )
        .select_from(
            _sub.join(_user, _user.c.id == _sub.c.user_id)
            .join(_device, _device.c.id == _sub.c.device_id)
            .outerjoin(_pref, _pref.c.user_id == _sub.c.user_id)
        )
        # A disabled user or a revoked device gets nothing, even if a subscription
        # outlived them (they are deleted on the way, see service.forget_*).
        .where(who, _user.c.is_active, _device.c.revoked_at.is_(None), wanted)
    )
    columns = [
        "subscription_id",
        "user_id",
        "kind",
        "lead_id",
        "count",
        "created_at",
        "not_before",
        "attempts",
    ]
    return insert(_outbox).from_select(columns, rows)


def to_users(
    conn: Connection,
    kind: Kind,
    user_ids: Sequence[uuid.UUID],
    *,
    lead_id: uuid.UUID | None = None,
    count: int = 1,
    now: datetime | None = None,
) -> None:
    if not user_ids:
        return
    params = {"user_ids": list(user_ids), "lead_id": lead_id, "count": count}
    conn.execute(_statement(kind, "ids"), {**params, "now": now or utcnow()})


def to_team_coordinators(
    conn: Connection,
    kind: Kind,
    team_id: uuid.UUID,
    *,
    lead_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> None:
    params = {"team_id": team_id, "lead_id": lead_id, "count": 1, "now": now or utcnow()}
    conn.execute(_statement(kind, "team"), params)
