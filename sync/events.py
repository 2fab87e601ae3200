"""Pokes: "something you may see changed, pull now" (no content).

A push commits, then publishes the topics it touched (teams, users). In one process the
broadcaster hands the poke to every subscribed Server-Sent-Events stream whose topics
match. Across processes the push also sends `NOTIFY` inside its transaction (PostgreSQL
delivers it only if the commit happens); one listener thread per process and database
relays those notifications to the local broadcaster.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Iterable

import orjson
import psycopg
from sqlalchemy import Connection, text

CHANNEL = "terrain_sync"
EVERYONE = "*"
_MAX_PAYLOAD = 7000  # PostgreSQL refuses NOTIFY payloads of 8000 bytes or more

log = logging.getLogger(__name__)


class Subscription:
    """One stream's mailbox: at most one pending poke (pokes coalesce)."""

    def __init__(self, topics: frozenset[str], loop: asyncio.AbstractEventLoop) -> None:
        self.topics = topics
        self._loop = loop
        self._event = asyncio.Event()

    def matches(self, topics: frozenset[str]) -> bool:
        return EVERYONE in self.topics or EVERYONE in topics or not self.topics.isdisjoint(topics)

    def poke(self) -> bool:
        """Thread-safe; False when the stream's event loop is gone."""
        try:
            self._loop.call_soon_threadsafe(self._event.set)
        except RuntimeError:
            return False
        return True

    async def wait(self, timeout: float) -> bool:
        """True if poked within `timeout` seconds."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        self._event.clear()
        return True


class Broadcaster:
    def __init__(self) -> None:
        self._subs: set[Subscription] = set()
        self._lock = threading.Lock()

    def subscribe(self, topics: Iterable[str]) -> Subscription:
        """Call from the stream's event loop."""
        sub = Subscription(frozenset(topics), asyncio.get_running_loop())
        with self._lock:
            self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.discard(sub)

    def publish(self, topics: Iterable[str]) -> int:
        """Poke every matching subscriber; returns how many were poked."""
        wanted = frozenset(topics)
        with self._lock:
            subs = [s for s in self._subs if s.matches(wanted)]
        gone = [s for s in subs if not s.poke()]
        if gone:
            with self._lock:
                self._subs.difference_update(gone)
        return len(subs) - len(gone)

    def __len__(self) -> int:
        return len(self._subs)


broadcaster = Broadcaster()


# The same statement for a DB-API cursor (psycopg's parameter style).
NOTIFY_SQL = "SELECT pg_notify(%(channel)s, %(payload)s)"


def notify_params(topics: Iterable[str]) -> dict[str, str]:
    payload = orjson.dumps(sorted(topics)).decode()
    if len(payload) > _MAX_PAYLOAD:
        payload = orjson.dumps([EVERYONE]).decode()
    return {"channel": CHANNEL, "payload": payload}


def notify(conn: Connection, topics: Iterable[str]) -> None:
    """Queue a cross-process poke in the caller's (PostgreSQL) transaction."""
    conn.execute(text("SELECT pg_notify(:channel, :payload)"), notify_params(topics))


def _topics(payload: str) -> list[str]:
    try:
        value = orjson.loads(payload)
    except orjson.JSONDecodeError:
        return [EVERYONE]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    return [EVERYONE]


class PgListener:
    """A daemon thread holding one LISTEN connection; never blocks shutdown."""

    def __init__(self, dsn: str, target: Broadcaster, *, poll_s: float = 1.0) -> None:
        self._dsn = dsn
        self._target = target
        self._poll_s = poll_s
        self._stop = threading.Event()
        self.listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="terrain-sync-listen", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        connected_before = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    if connected_before:
                        # Pokes may have been missed while reconnecting: everyone pulls once.
                        self._target.publish([EVERYONE])
                    connected_before = True
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=self._poll_s):
                            self._target.publish(_topics(note.payload))
            except psycopg.Error as exc:
                self.listening.clear()
                log.warning("sync listener lost its connection: %s", type(exc).__name__)
                self._stop.wait(1.0)


_listeners: dict[str, PgListener] = {}
_listeners_lock = threading.Lock()


def ensure_listener(dsn: str) -> PgListener:
    """The process's listener for this database, started on first use."""
    with _listeners_lock:
        listener = _listeners.get(dsn)
        if listener is None:
            listener = _listeners[dsn] = PgListener(dsn, broadcaster)
            listener.start()
        return listener


def stop_listeners() -> None:
    with _listeners_lock:
        items = list(_listeners.values())
        _listeners.clear()
    for listener in items:
        with contextlib.suppress(RuntimeError):
            listener.stop()
