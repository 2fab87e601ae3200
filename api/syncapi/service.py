"""Sync use cases: push (one write transaction), pull (one read snapshot), then pokes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine
from sqlmodel import Session

from api.clock import server_clock
from api.config import Settings
from api.db import begin_write
from api.errors import AppError, PayloadTooLarge, PermissionDenied
from api.syncapi.entities import ENTITIES
from api.syncapi.handlers import REGISTRY
from api.syncapi.handlers.common import translate
from api.syncapi.visibility import feeds_for, topics_of
from api.syncapi.writers import writer_turn
from api.users.actor import Actor
from sync import events
from sync import protocol as p
from sync import pull as sync_pull
from sync import push as sync_push


class VersionNotSupported(AppError):
    status_code = 426
    code = "VersionNotSupported"
    message = "This version of the app is no longer supported. Please update it."


class ClientStateNotFound(AppError):
    status_code = 409
    code = "ClientStateNotFound"
    message = "The server has no record of this sync client. Send the pending changes again."


def _app_error(exc: p.SyncError) -> AppError:
    if isinstance(exc, p.VersionNotSupported):
        return VersionNotSupported()
    if isinstance(exc, p.ClientStateNotFound):
        return ClientStateNotFound()
    if isinstance(exc, p.TooLarge):
        return PayloadTooLarge("The request is too large.", code="payload_too_large")
    if isinstance(exc, p.WrongOwner):
        return PermissionDenied()
    return AppError()


def push(session: Session, *, actor: Actor, request: p.PushRequest) -> p.PushResponse:
    """Apply a batch of mutations in one transaction; poke listeners after the commit."""
    if len(request.mutations) > p.MAX_MUTATIONS:
        raise PayloadTooLarge("The request is too large.", code="payload_too_large")
    try:
        # Parsing and validating arguments needs no database: done before the write lock,
        # so concurrent pushes validate while another one writes and waits on its fsync.
        batch = sync_push.prepare(
            request, registry=REGISTRY, clock=server_clock, translate=translate
        )
    except p.SyncError as exc:
        raise _app_error(exc) from exc
    # Held from before BEGIN IMMEDIATE until the commit or rollback; released on any exit.
    with writer_turn(session):
        begin_write(session)
        try:
            conn = session.connection()
            outcome = sync_push.push(
                conn,
                batch,
                user_id=actor.id,
                actor=actor,
                entities=ENTITIES,
                clock=server_clock,
                translate=translate,
            )
            topics = topics_of(outcome.store) if outcome.store.count_written() else set()
            if topics and conn.dialect.name == "postgresql":
                events.notify(conn, topics)  # delivered by PostgreSQL only if we commit
            session.commit()
        except p.SyncError as exc:
            session.rollback()
            raise _app_error(exc) from exc
        except BaseException:
            session.rollback()
            raise
    if topics:
        events.broadcaster.publish(topics)
    return outcome.response


@contextmanager
def read_snapshot(session: Session) -> Iterator[Connection]:
    """One consistent snapshot for a whole pull page: REPEATABLE READ on PostgreSQL, a
    read transaction on SQLite (WAL keeps it stable while writers commit)."""
    bind = session.get_bind()
    if not isinstance(bind, Engine):
        # Bound to a connection already in a transaction (the test harness): it is one.
        yield session.connection()
        return
    session.commit()  # end the authentication's transaction; its connection goes back
    with bind.connect() as conn:
        if bind.dialect.name == "postgresql":
            conn = conn.execution_options(
                isolation_level="REPEATABLE READ", postgresql_readonly=True
            )
        with conn.begin():
            yield conn


def pull(
    session: Session, *, actor: Actor, request: p.PullRequest, settings: Settings
) -> dict[str, Any]:
    """One page of changes the caller may see, as a dict for `orjson.dumps` (its `patch` is
    an `orjson.Fragment`: the ops arrive from the database as JSON text)."""
    try:
        with read_snapshot(session) as conn:
            return sync_pull.pull(
                conn,
                request,
                user_id=actor.id,
                epoch=actor.user.access_epoch,
                feeds=feeds_for(actor),
                clock=server_clock,
                horizon_days=settings.tombstone_horizon_days,
            )
    except p.SyncError as exc:
        raise _app_error(exc) from exc
