"""The push worker: drains the outbox in a background thread of every server process.

Each cycle: enqueue the digests whose hour has come; claim a batch of due messages (one
short transaction: `FOR UPDATE SKIP LOCKED` on PostgreSQL, the write lock on SQLite, and
a lease so that a crashed sender's messages go out again later); send them outside any
transaction, several at once; record the outcomes (one short transaction). Messages of a
kind waiting for the same phone go out as one push ("3 leads were assigned to you").

Outcomes: 2xx → done; 404/410 → the subscription is gone (deleted, and what was queued
for it); 429 → again after Retry-After; no answer or 5xx → again with exponential backoff,
dropped after MAX_ATTEMPTS or once older than its TTL; any other status (400, 401, 403,
413 …: our request or our key is wrong, retrying will not help) → dropped and logged as an
alert. Quiet hours move a message to their end. Logs name the push service's host and the
subscription id, never the endpoint (a capability) or the payload.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import uuid
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from email.utils import parsedate_to_datetime

from sqlalchemy import Connection, Engine, bindparam, delete, or_, select, update

from api.push import payload
from api.push.allowlist import EndpointRefused, check_endpoint
from api.push.digest import schedule_digests
from api.push.models import PushOutbox, PushPreference, PushSubscription
from api.push.outbox import Kind
from api.push.quiet import quiet_until
from api.push.webpush import Outcome, Sender, Target, host_of
from api.users.models import User
from sync.sqltypes import table_of, utcnow

log = logging.getLogger("terrain.push")

_outbox = table_of(PushOutbox)
_sub = table_of(PushSubscription)
_user = table_of(User)
_pref = table_of(PushPreference)

MAX_ATTEMPTS = 8
BACKOFF_BASE_S = 10.0
BACKOFF_MAX_S = 30 * 60.0
RETRY_AFTER_MAX_S = 24 * 3600.0
GONE = (404, 410)


@dataclass(frozen=True)
class Queued:
    """A claimed outbox row with what sending it needs."""

    id: int
    subscription_id: uuid.UUID
    kind: Kind
    lead_id: uuid.UUID | None
    count: int
    attempts: int
    created_at: datetime
    target: Target
    language: str
    quiet_start: time | None
    quiet_end: time | None


@dataclass
class Group:
    """The messages of one kind for one subscription: sent as one push."""

    rows: list[Queued]
    outcome: Outcome | None = None

    @property
    def first(self) -> Queued:
        return self.rows[0]

    def payload(self) -> bytes:
        kind = self.first.kind
        if kind is Kind.digest:
            count = max(r.count for r in self.rows)
        else:
            count = sum(r.count for r in self.rows)
        lead_id = self.first.lead_id if len(self.rows) == 1 else None
        return payload.render(kind, count, lead_id, self.first.language)


@dataclass
class Plan:
    """What to write back after a cycle."""

    done: list[int] = field(default_factory=list)
    sent_to: set[uuid.UUID] = field(default_factory=set)
    gone: set[uuid.UUID] = field(default_factory=set)
    later: list[tuple[int, datetime, int]] = field(default_factory=list)  # id, when, +attempts


def retry_after_s(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


def backoff_s(attempts: int) -> float:
    delay = min(BACKOFF_MAX_S, BACKOFF_BASE_S * 2.0**attempts)
    return delay * random.uniform(0.8, 1.2)


class PushWorker:
    def __init__(
        self,
        engine: Engine,
        sender: Sender,
        *,
        allowed_hosts: str,
        lease_s: float = 60.0,
        threads: int = 8,
        batch: int = 64,
        clock: Callable[[], datetime] = utcnow,
        poll_s: float = 1.0,
        digest_every_s: float = 30.0,
    ) -> None:
        self.engine = engine
        self.sender = sender
        self.allowed_hosts = allowed_hosts
        self.lease = timedelta(seconds=lease_s)
        self.batch = batch
        self.clock = clock
        self.poll_s = poll_s
        self.digest_every_s = digest_every_s
        # Who holds a claim: this process and this worker (40 characters at most).
        self.name = f"{os.getpid()}-{uuid.uuid4().hex[:16]}"
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="terrain-push")
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._digests_at: datetime | None = None

    # -- the loop ------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="terrain-push", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the cycle in progress (its outcomes are recorded), then stop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _loop(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                handled = self.run_once()
                failures = 0
            except Exception as exc:
                # The type only: a database error's text can quote parameters (endpoints).
                failures += 1
                log.error("push worker cycle failed: %s", type(exc).__name__)
                self._stop.wait(min(60.0, self.poll_s * 2**failures))
                continue
            if handled < self.batch:
                self._stop.wait(self.poll_s)

    def run_once(self) -> int:
        """One cycle; the number of outbox rows it handled."""
        now = self.clock()
        if self._digests_at is None or (now - self._digests_at).total_seconds() >= (
            self.digest_every_s
        ):
            self._digests_at = now
            with self._transaction() as conn:
                schedule_digests(conn, now)
        claimed = self._claim(now)
        if not claimed:
            return 0
        plan = Plan()
        groups = self._sort(claimed, now, plan)
        for group, outcome in zip(groups, self._pool.map(self._send, groups), strict=True):
            group.outcome = outcome
            self._judge(group, self.clock(), plan)
        self._record(plan, self.clock())
        return len(claimed)

    # -- claim ---------------------------------------------------------------------------

    def _transaction(self) -> _Tx:
        return _Tx(self.engine)

    def _claim(self, now: datetime) -> list[Queued]:
        due = (
            select(_outbox.c.id)
            .where(
                _outbox.c.not_before <= now,
                or_(_outbox.c.claimed_until.is_(None), _outbox.c.claimed_until < now),
            )
            .order_by(_outbox.c.not_before, _outbox.c.id)
            .limit(self.batch)
            # PostgreSQL: rows another instance is claiming right now are skipped, not
            # waited for. SQLite has no row locks: the write lock makes the claim atomic.
            .with_for_update(skip_locked=True)
        )
        with self._transaction() as conn:
            ids = list(
                conn.execute(
                    update(_outbox)
                    .where(_outbox.c.id.in_(due.scalar_subquery()))
                    .values(claimed_by=self.name, claimed_until=now + self.lease)
                    .returning(_outbox.c.id)
                ).scalars()
            )
            if not ids:
                return []
            rows = conn.execute(
                select(
                    _outbox.c.id,
                    _outbox.c.subscription_id,
                    _outbox.c.kind,
                    _outbox.c.lead_id,
                    _outbox.c.count,
                    _outbox.c.attempts,
                    _outbox.c.created_at,
                    _sub.c.endpoint,
                    _sub.c.p256dh,
                    _sub.c.auth,
                    _user.c.language,
                    _pref.c.quiet_start,
                    _pref.c.quiet_end,
                )
                .select_from(
                    _outbox.join(_sub, _sub.c.id == _outbox.c.subscription_id)
                    .join(_user, _user.c.id == _outbox.c.user_id)
                    .outerjoin(_pref, _pref.c.user_id == _outbox.c.user_id)
                )
                .where(_outbox.c.id.in_(ids))
                .order_by(_outbox.c.id)
            ).all()
        return [
            Queued(
                id=r.id,
                subscription_id=r.subscription_id,
                kind=Kind(r.kind),
                lead_id=r.lead_id,
                count=r[4],  # `r.count` is the tuple's own count()
                attempts=r.attempts,
                created_at=r.created_at,
                target=Target(r.endpoint, r.p256dh, r.auth),
                language=r.language,
                quiet_start=r.quiet_start,
                quiet_end=r.quiet_end,
            )
            for r in rows
        ]

    def _sort(self, claimed: Iterable[Queued], now: datetime, plan: Plan) -> list[Group]:
        """Group what may go now; plan the rest (quiet hours, too old, not allowed)."""
        groups: dict[tuple[uuid.UUID, Kind], Group] = {}
        for row in claimed:
            ttl = payload.DELIVERY[row.kind].ttl
            if (now - row.created_at).total_seconds() > ttl:
                plan.done.append(row.id)  # too old to matter any more
                continue
            try:
                check_endpoint(row.target.endpoint, self.allowed_hosts)
            except EndpointRefused:
                # The allow-list changed since it was stored: never call it.
                log.warning("push subscription %s no longer allowed: dropped", row.subscription_id)
                plan.gone.add(row.subscription_id)
                continue
            until = quiet_until(now, row.quiet_start, row.quiet_end)
            if until is not None:
                plan.later.append((row.id, until, 0))
                continue
            key = (row.subscription_id, row.kind)
            groups.setdefault(key, Group([])).rows.append(row)
        return list(groups.values())

    # -- send and judge ------------------------------------------------------------------

    def _send(self, group: Group) -> Outcome:
        delivery = payload.DELIVERY[group.first.kind]
        return self.sender.send(
            group.first.target, group.payload(), ttl=delivery.ttl, urgency=delivery.urgency
        )

    def _judge(self, group: Group, now: datetime, plan: Plan) -> None:
        outcome = group.outcome
        assert outcome is not None
        first = group.first
        ids = [r.id for r in group.rows]
        if outcome.delivered:
            plan.done.extend(ids)
            plan.sent_to.add(first.subscription_id)
        elif outcome.status in GONE:
            plan.gone.add(first.subscription_id)
        elif outcome.status == 429:
            wait = retry_after_s(outcome.retry_after, now)
            delay = min(RETRY_AFTER_MAX_S, wait) if wait is not None else backoff_s(0)
            plan.later.extend((i, now + timedelta(seconds=delay), 1) for i in ids)
        elif outcome.status == 0 or outcome.status >= 500:
            attempts = max(r.attempts for r in group.rows) + 1
            if attempts >= MAX_ATTEMPTS:
                log.warning(
                    "push to %s failed %d times (last: %s): dropped",
                    host_of(first.target.endpoint),
                    attempts,
                    outcome.status or "no answer",
                )
                plan.done.extend(ids)
            else:
                when = now + timedelta(seconds=backoff_s(attempts))
                plan.later.extend((i, when, 1) for i in ids)
        else:
            log.error(
                "push alert: %s answered %d for subscription %s (message dropped)",
                host_of(first.target.endpoint),
                outcome.status,
                first.subscription_id,
            )
            plan.done.extend(ids)

    # -- record --------------------------------------------------------------------------

    def _record(self, plan: Plan, now: datetime) -> None:
        mine = _outbox.c.claimed_by == self.name
        with self._transaction() as conn:
            if plan.gone:
                # Its queued messages go with it (ON DELETE CASCADE).
                conn.execute(delete(_sub).where(_sub.c.id.in_(plan.gone)))
            if plan.done:
                conn.execute(delete(_outbox).where(_outbox.c.id.in_(plan.done), mine))
            if plan.sent_to:
                conn.execute(
                    update(_sub).where(_sub.c.id.in_(plan.sent_to)).values(last_sent_at=now)
                )
            if plan.later:
                conn.execute(
                    update(_outbox)
                    .where(_outbox.c.id == bindparam("row_id"), mine)
                    .values(
                        not_before=bindparam("when"),
                        attempts=_outbox.c.attempts + bindparam("more"),
                        claimed_by=None,
                        claimed_until=None,
                    ),
                    [{"row_id": i, "when": w, "more": m} for i, w, m in plan.later],
                )


class _Tx:
    """A short write transaction (BEGIN IMMEDIATE on SQLite: no upgrade deadlocks)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __enter__(self) -> Connection:
        self._conn = self._engine.connect()
        self._conn.execution_options(sqlite_begin="IMMEDIATE")
        self._conn.begin()
        return self._conn

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                self._conn.commit()
            else:
                self._conn.rollback()
        finally:
            self._conn.close()
