"""Changes made on the server through the mutators: one or more mutations applied in one
write transaction by the same engine as a push (the store, a new space version, field
stamps, conflict records, pokes for phones), without a phone's client bookkeeping.

Office screens, the CLI and Terrain itself (erasure, consent withdrawal, rectification,
the retention purge) write a person's data this way, so there is one write path
(CONTRACTS.md C). A refused mutation is an error here and the transaction is rolled back:
nothing is written, not even a rejection record.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from pydantic import ValidationError
from sqlalchemy import Connection, insert
from sqlmodel import Session

from api.clock import observe, server_clock
from api.db import begin_write
from api.errors import AppError, Conflict, InvalidInput, NotFound, PermissionDenied
from api.syncapi.entities import ENTITIES
from api.syncapi.handlers import REGISTRY
from api.syncapi.handlers.common import invalid
from api.syncapi.visibility import topics_of
from api.syncapi.writers import writer_turn
from sync import events
from sync.models import SyncConflict
from sync.push import Apply, Mutator, Rejected, jsonable
from sync.space import bump_version
from sync.sqltypes import table_of, utcnow
from sync.store import Store

# Conflicts recorded by server-side changes name this client (no phone has this id).
SERVER_CLIENT = uuid.UUID("7e22a1f0-6c3b-4c55-9a53-2f0c1d5e9b10")
_NOBODY = uuid.UUID(int=0)
_conflict = table_of(SyncConflict)


# Refusals that are about the record's state rather than the request's content (409).
CONFLICT_CODES = frozenset({"id_taken", "status_change_immutable", "not_sent_back", "no_agent"})


def as_error(rejected: Rejected) -> AppError:
    """The REST answer to a refused mutation."""
    if rejected.code in ("not_found", "erased"):
        return NotFound(code=rejected.code)
    if rejected.code == "permission_denied":
        return PermissionDenied()
    if rejected.code in CONFLICT_CODES:
        return Conflict(rejected.detail or None, code=rejected.code)
    return InvalidInput(rejected.detail or None, code=rejected.code)


def _parse(name: str, args: Mapping[str, Any]) -> tuple[Mutator[Any], Any]:
    mutator = REGISTRY.get(name)
    if mutator is None:
        raise LookupError(f"no mutator {name}")
    try:
        return mutator, mutator.parse(args)
    except Rejected as exc:
        raise as_error(exc) from exc
    except ValidationError as exc:
        raise as_error(invalid(exc)) from exc


def apply(
    session: Session,
    *,
    actor: Any,
    mutations: Sequence[tuple[str, Mapping[str, Any]]],
    stored: Seen | None = None,
) -> int:
    """Apply the mutations in order, all or none; returns the space version written.
    `stored`: as for apply_with."""
    parsed = [_parse(name, args) for name, args in mutations]
    version = apply_with(session, actor=actor, prepare=lambda _conn: parsed, stored=stored)
    assert version is not None
    return version


@dataclass(frozen=True)
class Stored:
    """What the mutations stored, as the database holds it once they are flushed."""

    store: Store
    version: int
    now: datetime

    def row(self, entity: str, key: uuid.UUID) -> dict[str, Any] | None:
        """The row as stored (every column: the flush writes NULL for one a new row lacks,
        and stamps what it wrote with the version and time), or None if the change did not
        write it."""
        key_column = self.store.entities[entity].key
        if not any(row[key_column] == key for row in self.store.written(entity)):
            return None
        current = self.store.get(entity, key)
        assert current is not None
        table = self.store.entities[entity].table
        row = {column.name: None for column in table.c} | dict(current)
        if self.store.entities[entity].versioned:
            row["version"] = self.version
        new = self.store.is_new(entity, key)
        stamps = ("created_at", "updated_at") if new else ("updated_at",)
        row.update((name, self.now) for name in stamps if name in table.c)
        return row


Prepare = Callable[[Connection], Sequence[tuple[Mutator[Any], Any]]]
After = Callable[[Connection], None]
Seen = Callable[[Stored], None]


def apply_with(
    session: Session,
    *,
    actor: Any,
    prepare: Prepare,
    after: After | None = None,
    stored: Seen | None = None,
) -> int | None:
    """The same, for a change that must first read (or write) in the same transaction:
    `prepare(conn)` runs in the write transaction and returns the parsed mutations (see
    `parse`); none writes nothing more and takes no version (None). `after(conn)`, if
    given, runs once the mutations are stored, before the commit, and only if there were
    any: for a row that must refer to what they wrote (a push notification's outbox row).
    `stored(Stored)`, likewise: for an answer made of the rows as written, without a
    query (one would be a round trip while this write holds the space version's lock)."""
    with writer_turn(session):
        begin_write(session)
        topics: set[str] = set()
        try:
            conn = session.connection()
            parsed = prepare(conn)
            version = None
            if parsed:
                written, topics = _apply_parsed(conn, actor, parsed)
                version = written.version
                if after is not None:
                    after(conn)
                if stored is not None:
                    stored(written)
            _commit(session, conn, topics)
        except Rejected as exc:
            session.rollback()
            raise as_error(exc) from exc
        except BaseException:
            session.rollback()
            raise
    if topics:
        events.broadcaster.publish(topics)
    return version


def apply_edit(
    session: Session,
    *,
    actor: Any,
    name: str,
    row: Any,
    changes: Mapping[str, Any],
    stored: Seen | None = None,
) -> None:
    """A REST edit of a stored `row` (any model with `id` and `field_hlc`): the `name` patch
    mutation of the values in `changes` that differ from the stored ones (a replayed request
    writes nothing), based on the stamps the editor saw and ordered after each of them (a
    phone's stamp another instance took may be ahead of this clock). `row` is expired
    after a write (it was written around the ORM). `stored`: as for apply_with (called
    only if something was written)."""
    stamps = dict(row.field_hlc)
    row_id = row.id
    fields = {
        field: jsonable(value)
        for field, value in changes.items()
        if jsonable(value) != jsonable(getattr(row, field))
    }
    if fields:
        observe(stamps.values())
        base = {field: stamps.get(field) for field in fields}
        args = {"id": str(row_id), "set": fields, "base": base}
        # The read is not rolled back first: begin_write ends it on SQLite (a commit, which
        # expires nothing) and goes on with it on PostgreSQL. A rollback expired the actor
        # (one more SELECT of the user) and, on PostgreSQL, cost a ROLLBACK, a pool
        # return and a pre-ping: four round trips of the REST patch's latency.
        apply(session, actor=actor, mutations=[(name, args)], stored=stored)
        session.expire(row)


def parse(name: str, args: Mapping[str, Any]) -> tuple[Mutator[Any], Any]:
    """A mutation checked by its mutator's parser (a refusal is the REST error)."""
    return _parse(name, args)


def _commit(session: Session, conn: Connection, topics: set[str]) -> None:
    """Commit; on PostgreSQL the pokes for other processes' phones (a NOTIFY, delivered at
    the commit) are sent with the COMMIT in one round trip (a psycopg pipeline) instead of
    one each, since this write holds the space version's row lock until the COMMIT is
    answered and every other write waits for it."""
    if topics and conn.dialect.name == "postgresql":
        if conn.in_nested_transaction():
            # The session's commit releases a savepoint (a test's session inside its
            # rolled-back transaction): no COMMIT to ride on.
            events.notify(conn, topics)
        else:
            dbapi = conn.connection.dbapi_connection
            assert isinstance(dbapi, psycopg.Connection)
            with dbapi.pipeline(), dbapi.cursor() as cursor:
                cursor.execute(events.NOTIFY_SQL, events.notify_params(topics))
                dbapi.commit()
            # The session's transaction ends below (psycopg sends no second COMMIT for a
            # transaction already committed); the connection left the pipeline first, so
            # the pool never gets it back in pipeline mode.
    session.commit()


def _apply_parsed(
    conn: Connection, actor: Any, parsed: Sequence[tuple[Mutator[Any], Any]]
) -> tuple[Stored, set[str]]:
    """Apply parsed mutations on `conn` (inside a write transaction): what they stored and
    the topics phones are poked on."""
    version = bump_version(conn)
    store = Store(conn, ENTITIES)
    stamps = [server_clock.now() for _ in parsed]
    for (mutator, p), stamp in zip(parsed, stamps, strict=True):
        store.want(mutator.needs(p, stamp))
    store.load()
    for mutator, p in parsed:
        if mutator.then is not None:
            store.want(mutator.then(p, store))
    store.load()
    now = utcnow()
    conflicts: list[dict[str, Any]] = []
    for (mutator, p), stamp in zip(parsed, stamps, strict=True):
        ctx = Apply(store, actor, actor.id or _NOBODY, SERVER_CLIENT, 0, stamp, now)
        mutator.apply(ctx, p)
        conflicts.extend(_conflict_row(ctx, *c) for c in ctx.conflicts)
    store.flush(version=version, now=now)
    if conflicts:
        conn.execute(insert(_conflict), conflicts)
    return Stored(store, version, now), topics_of(store) if store.count_written() else set()


def _conflict_row(ctx: Apply, entity: str, entity_id: uuid.UUID, c: Any) -> dict[str, Any]:
    return {
        "entity": entity,
        "entity_id": entity_id,
        "field": c.field,
        "kind": c.kind,
        "losing_value": jsonable(c.losing_value),
        "losing_hlc": c.losing_hlc,
        "winning_value": jsonable(c.winning_value),
        "winning_hlc": c.winning_hlc,
        "client_id": None,
        "mutation_id": None,
        "user_id": ctx.actor.id,
        "created_at": ctx.now,
    }
