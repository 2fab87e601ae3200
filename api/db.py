"""Engine, connection pragmas and the request session."""

from __future__ import annotations

import functools
import json
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
import orjson
from fastapi import Depends, Request
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry
from sqlmodel import Session

from api.config import get_settings

T = TypeVar("T")

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=15000",
)


def _sqlite_on_connect(dbapi_conn: Any, _record: ConnectionPoolEntry) -> None:
    # pysqlite opens its own transactions lazily and never for DDL; take control so that
    # BEGIN is emitted by us (see the "begin" hook) and savepoints work in tests.
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    # A read-then-write transaction must hold the write lock from its start, otherwise
    # SQLite answers "database is locked" when a second writer upgraded first.
    mode = conn.get_execution_options().get("sqlite_begin", "")
    conn.info["sqlite_writer"] = mode == "IMMEDIATE"
    conn.exec_driver_sql(f"BEGIN {mode}".strip())


_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class WriteOutsideWriter(RuntimeError):
    """A write in a transaction that did not start as a writer (see begin_write)."""


def _sqlite_guard(conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
    if statement.lstrip().upper().startswith(_WRITES) and not conn.info.get("sqlite_writer"):
        raise WriteOutsideWriter(statement.split("(", 1)[0][:60])


# Connections kept open: 20, of at most 30 (PostgreSQL allows 100 by default, shared by
# every instance). A connection given back while more than the kept number are out is
# closed, and the next request opens a new one: on PostgreSQL a backend process forked and
# authenticated, on SQLite a file opened with an empty page cache. With 10 kept, 20
# coordinators' browsers did that many times a second (bench/api_reads.py). The hot reads
# hold at most HOT_READ_THREADS of them (api/deps.py); the sync's requests take the rest.
POOL = {"pool_size": 20, "max_overflow": 10}


def _json_loads(text: str | bytes) -> Any:
    """JSON columns read by orjson (C), several times faster than the json module for the
    lead's lists and an interaction's fields; what orjson refuses (NaN and Infinity, which
    the json module writes) is read by the json module as before."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


# A pooled connection that waited longer than this is checked (a `SELECT 1`) before a
# request uses it: the database may have restarted meanwhile. One given back moments ago is
# used as it is. SQLAlchemy's pool_pre_ping checked every one, a round trip before each
# request's first query (bench/api_reads.py); a connection that died in the last seconds
# now fails its request's query once, and the pool then renews all of them.
PING_AFTER_IDLE_S = 10.0


def _ping_when_idle(engine: Engine) -> None:
    def stamp(_dbapi_conn: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def check(dbapi_conn: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        since = record.info.get("idle_since", 0.0)
        if time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise DisconnectionError() from exc  # the pool replaces it and tries again

    event.listen(engine, "connect", stamp)
    event.listen(engine, "checkin", stamp)
    event.listen(engine, "checkout", check)


def make_engine(url: str, *, echo: bool = False, write_guard: bool = False) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            echo=echo,
            # Database errors never carry the values (personal data) into logs.
            hide_parameters=not echo,
            connect_args={"check_same_thread": False, "timeout": 15},
            json_deserializer=_json_loads,
            **POOL,
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        event.listen(engine, "begin", _sqlite_on_begin)
        if write_guard:
            event.listen(engine, "before_cursor_execute", _sqlite_guard)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(
        url,
        echo=echo,
        hide_parameters=not echo,
        json_deserializer=_json_loads,
        **POOL,
        # Durable acknowledgement (sync invariant I2) even if the server default was relaxed.
        # random_page_cost: SSD storage (PostgreSQL's own advice for it, 1.1). With the
        # spinning-disk default a push's 50-key lookup scans a table of 10,000
        # interactions instead of using its primary key (1.4 ms against 0.1 ms).
        # timezone=UTC: timestamps come back in UTC whatever the server's default zone, as
        # psycopg's `timezone.utc` (sync/sqltypes.py returns those as they are).
        connect_args={
            "options": "-c synchronous_commit=on -c random_page_cost=1.1 -c timezone=UTC"
        },
    )
    _ping_when_idle(engine)
    return engine


def refresh_statistics(engine: Engine) -> None:
    """SQLite: gather the query planner's statistics (ANALYZE, about 0.2 s for 100,000
    leads). SQLite keeps none unless asked, and without them it cannot know that a late
    funnel stage holds few leads: a drill-down to it walked the team's leads in the list's
    order instead of reading that stage's index (api/leads/models.py `_reached_index`).
    `terrain serve` runs it at start and daily. PostgreSQL's autovacuum keeps its own."""
    if engine.dialect.name != "sqlite":
        return
    with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
        conn.exec_driver_sql("ANALYZE")


def check_durability(engine: Engine) -> dict[str, str]:
    """Read back the durability settings; raise if any is not what the contract requires."""
    found: dict[str, str] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"):
                found[name] = str(conn.exec_driver_sql(f"PRAGMA {name}").scalar())
            ok = (
                found["journal_mode"].lower() == "wal"
                and found["synchronous"] == "2"
                and found["foreign_keys"] == "1"
                and int(found["busy_timeout"]) >= 5000
            )
        else:
            found["synchronous_commit"] = str(
                conn.execute(text("SHOW synchronous_commit")).scalar()
            )
            ok = found["synchronous_commit"] == "on"
        conn.rollback()
    if not ok:
        raise RuntimeError(f"database durability settings are wrong: {found}")
    return found


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    settings.ensure_data_dir()
    return make_engine(
        settings.resolved_database_url(),
        echo=settings.sql_echo,
        write_guard=settings.sqlite_write_guard,
    )


def reset_engine() -> None:
    """Forget the process's engine after its settings changed (tests, CLI): dispose it first,
    so its pooled connections close now instead of whenever the garbage collector finds them."""
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    get_engine.cache_clear()


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (BEGIN IMMEDIATE on SQLite).

    Call first thing in a writing use case. On SQLite a read transaction the request
    already opened (authentication) is ended first, since SQLite cannot upgrade it safely;
    on PostgreSQL it simply goes on as the write transaction (a round trip less).
    """
    if session.in_transaction():
        if session.get_bind().dialect.name != "sqlite":
            return
        session.commit()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})


def end_read(session: Session) -> None:
    """End a read use case's transaction once it has read everything, so that its snapshot
    (a WAL read mark on SQLite) is not held while the request goes on waiting (for an audit
    row's commit, for instance). A commit, which writes nothing here, rather than a
    rollback: the objects it loaded stay usable."""
    session.commit()


def all_or_nothing(use_case: Callable[..., T]) -> Callable[..., T]:
    """A writing use case whose refusal (any exception) rolls its session back at once, so
    nothing it began (a version bump, half-set fields) is committed by a later write on
    the same session. Its first argument is the session."""

    @functools.wraps(use_case)
    def run(session: Session, *args: Any, **kwargs: Any) -> T:
        try:
            return use_case(session, *args, **kwargs)
        except BaseException:
            session.rollback()
            raise

    return run


def new_session() -> Session:
    """A session on the process's engine, as every request gets one."""
    return Session(get_engine(), expire_on_commit=False)


async def get_session() -> AsyncIterator[Session]:
    """The request's session. Opening one touches no database, so it is done on the event
    loop, not on a worker thread (performance.md P4: each hop costs the loop's time).
    Closing one that still holds a transaction (a rollback: a round trip on PostgreSQL) goes
    to a worker thread, shielded from cancellation and outside the thread limit as FastAPI
    exits a sync dependency (a full pool must not deadlock on the exits that give its
    connections back); one whose use case ended its transaction (end_read, a commit)
    closes on the loop at once."""
    session = new_session()
    try:
        yield session
    finally:
        if session.in_transaction():
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(session.close, limiter=anyio.CapacityLimiter(1))
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]


@contextmanager
def request_session(request: Request) -> Iterator[Session]:
    """A session for work a request does outside its `SessionDep` (on a worker thread), from
    the factory a `SessionDep` uses: a test's `dependency_overrides[get_session]` (a plain
    generator, or a function returning the session) is honoured."""
    override: Callable[[], Generator[Session] | Session] | None = (
        request.app.dependency_overrides.get(get_session)
    )
    if override is None:
        with new_session() as session:
            yield session
        return
    made = override()
    if isinstance(made, Session):
        yield made
        return
    try:
        yield next(made)
    finally:
        made.close()
