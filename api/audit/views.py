"""Group commit of detail-view audit rows.

Every view of a person's detail writes one audit row (privacy-security.md, Audit). Written
by the request itself, each row was a write transaction of its own: on SQLite one fsync
each (synchronous=FULL) under the single write lock, so concurrent detail views queued
for it one by one (bench/api_reads.py, performance.md P4). Here the rows of concurrent
views wait in one queue and a writer thread per engine commits everything waiting in one
transaction: a view that arrives while a commit is under way goes into the next one, so
an idle server commits at once and a busy one shares each commit among many views.

The answer waits for its row: `write` returns only once the row is committed (durable,
as every commit here is: WAL with synchronous=FULL, synchronous_commit=on), and raises if
it could not be, so a detail is never shown without its audit row.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import Engine, insert

from api.audit.models import AuditEvent

# A row that fails makes its whole transaction fail: the rows of a failed batch are then
# written one by one, so one bad row fails its own view only.
_TABLE = AuditEvent.__table__  # type: ignore[attr-defined]


class _Ticket:
    __slots__ = ("done", "error")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None


class ViewAuditWriter:
    """Commits the audit rows given to `write`, many in one transaction, on its own thread."""

    def __init__(self, engine: Engine) -> None:
        # BEGIN IMMEDIATE on SQLite: the transaction is a writer from its start (api/db.py).
        self._engine = engine.execution_options(sqlite_begin="IMMEDIATE")
        self._ready = threading.Condition()
        self._pending: list[tuple[dict[str, Any], _Ticket]] = []
        self._thread = threading.Thread(target=self._run, name="view-audit", daemon=True)
        self._thread.start()

    def write(self, row: dict[str, Any]) -> None:
        """Commit one row (the audit_event columns); return once it is committed."""
        ticket = _Ticket()
        with self._ready:
            self._pending.append((row, ticket))
            self._ready.notify()
        ticket.done.wait()
        if ticket.error is not None:
            raise ticket.error

    def _run(self) -> None:
        while True:
            with self._ready:
                while not self._pending:
                    self._ready.wait()
                batch, self._pending = self._pending, []
            self._commit(batch)

    def _commit(self, batch: list[tuple[dict[str, Any], _Ticket]]) -> None:
        try:
            with self._engine.begin() as conn:
                conn.execute(insert(_TABLE), [row for row, _ticket in batch])
        except Exception as exc:  # every waiting view learns the outcome of its row
            if len(batch) > 1:
                for item in batch:
                    self._commit([item])
                return
            batch[0][1].error = exc
        for _row, ticket in batch:
            ticket.done.set()


# One writer per engine for the life of the process (a server has one engine).
_writers: dict[Engine, ViewAuditWriter] = {}
_writers_lock = threading.Lock()


def writer_for(engine: Engine) -> ViewAuditWriter:
    """The engine's writer, started at its first view."""
    with _writers_lock:
        found = _writers.get(engine)
        if found is None:
            found = _writers[engine] = ViewAuditWriter(engine)
        return found
