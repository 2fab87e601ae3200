"""Database foundations: durability settings, migrations without drift both ways, the
append-only audit table."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, delete, event, inspect, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, SQLModel, col

import api.models  # noqa: F401  (the whole metadata)
from api import migrate
from api.audit.models import AuditEvent
from api.db import check_durability, make_engine
from tests.scratch import BACKENDS, BIN, PG_URL, REPO_ROOT, scratch_database, terrain_env


def test_durability_settings_hold_on_every_connection(engine: Engine, backend: str) -> None:
    found = check_durability(engine)
    if backend == "sqlite":
        assert found["journal_mode"].lower() == "wal"
        assert found["synchronous"] == "2"  # FULL
        assert found["foreign_keys"] == "1"
        assert int(found["busy_timeout"]) >= 5000
    else:
        assert found == {"synchronous_commit": "on"}
    # Not only the first connection: a second one, open at the same time, has them too.
    with engine.connect() as first, engine.connect() as second:
        for conn in (first, second):
            if backend == "sqlite":
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            else:
                assert conn.execute(text("SHOW synchronous_commit")).scalar() == "on"
                # Key lookups of a push use the primary key at any table size.
                assert conn.execute(text("SHOW random_page_cost")).scalar() == "1.1"


def test_durability_check_refuses_a_relaxed_database(tmp_path: Path, backend: str) -> None:
    """The start-up check fails loudly instead of running with relaxed settings."""
    with scratch_database(backend, tmp_path, migrated=False) as url:
        engine = make_engine(url)
        sql = "PRAGMA synchronous=OFF" if backend == "sqlite" else "SET synchronous_commit=off"

        def relax(dbapi_conn: Any, _record: object) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute(sql)
            cursor.close()

        event.listen(engine, "connect", relax)
        with pytest.raises(RuntimeError, match="durability"):
            check_durability(engine)
        engine.dispose()


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names())


@pytest.mark.parametrize("fresh_backend", BACKENDS)
def test_upgrade_on_empty_database_has_no_drift_and_downgrades(
    tmp_path: Path, fresh_backend: str
) -> None:
    with scratch_database(fresh_backend, tmp_path, migrated=False) as url:
        engine = make_engine(url)
        assert _tables(engine) == set()
        migrate.upgrade(engine)
        assert _tables(engine) == set(SQLModel.metadata.tables) | {"alembic_version"}
        heads = ScriptDirectory.from_config(migrate.alembic_config()).get_heads()
        with engine.connect() as conn:
            assert list(conn.scalars(text("SELECT version_num FROM alembic_version"))) == heads
        migrate.check(engine)  # raises on any difference between models and schema
        migrate.upgrade(engine)  # a second run is a no-op

        cfg = migrate.alembic_config()
        with engine.connect() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "base")
            conn.commit()
        assert _tables(engine) <= {"alembic_version"}
        migrate.upgrade(engine)
        migrate.check(engine)
        engine.dispose()


@pytest.mark.parametrize("fresh_backend", BACKENDS)
def test_alembic_command_line_upgrade_then_check(tmp_path: Path, fresh_backend: str) -> None:
    """What CI runs: `alembic upgrade head`, then `alembic check` reports no drift."""
    with scratch_database(fresh_backend, tmp_path, migrated=False) as url:
        env = terrain_env(tmp_path, url)
        for args in (["upgrade", "head"], ["check"]):
            done = subprocess.run(
                [str(BIN / "alembic"), *args],
                cwd=REPO_ROOT,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, done.stdout + done.stderr
        assert "No new upgrade operations detected" in done.stdout


def test_audit_events_cannot_be_changed_or_deleted(db: Session) -> None:
    row = AuditEvent(action="lead.view", object_type="lead", object_ref="x")
    db.add(row)
    db.flush()
    statements = (
        update(AuditEvent).where(col(AuditEvent.id) == row.id).values(action="tampered"),
        delete(AuditEvent).where(col(AuditEvent.id) == row.id),
    )
    for statement in statements:
        with pytest.raises(DBAPIError, match="append-only"), db.begin_nested():
            db.execute(statement)
    db.expire_all()
    stored = db.get(AuditEvent, row.id)
    assert stored is not None and stored.action == "lead.view"


@pytest.mark.parametrize("fresh_backend", BACKENDS)
def test_two_processes_migrating_at_once_both_succeed(tmp_path: Path, fresh_backend: str) -> None:
    """Several instances start together: one migrates, the others wait and find it done."""
    code = "from api.cli import main; raise SystemExit(main(['migrate']))"
    with scratch_database(fresh_backend, tmp_path, migrated=False) as url:
        env = terrain_env(tmp_path, url)
        procs = [
            subprocess.Popen(
                [str(BIN / "python"), "-c", code],
                cwd=REPO_ROOT,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(3)
        ]
        outputs = [p.communicate(timeout=120)[0] for p in procs]
        if [p.returncode for p in procs] != [0, 0, 0]:
            # In full: pytest shortens an assertion's message, and this one is the traceback.
            shown = (f"exit {p.returncode}:\n{o}" for p, o in zip(procs, outputs, strict=True))
            pytest.fail("\n\n".join(shown))
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        engine.dispose()


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL's pool (TERRAIN_TEST_DATABASE_URL)")
def test_a_pooled_connection_is_checked_only_after_waiting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No `SELECT 1` before a request's query on a connection given back moments ago; one
    that waited is checked, and a dead one is replaced before anyone uses it. Sessions are
    in UTC, whatever the server's default zone."""
    assert PG_URL is not None
    engine = make_engine(PG_URL)
    pings: list[object] = []
    dead: set[int] = set()
    real_ping = engine.dialect.do_ping

    def ping(dbapi_conn: Any) -> bool:
        pings.append(dbapi_conn)
        if id(dbapi_conn) in dead:
            raise engine.dialect.loaded_dbapi.OperationalError("server closed the connection")
        return bool(real_ping(dbapi_conn))

    monkeypatch.setattr(engine.dialect, "do_ping", ping)
    with engine.connect() as conn:
        assert conn.execute(text("SHOW TimeZone")).scalar() == "UTC"
        first = conn.connection.dbapi_connection
    with engine.connect() as conn:
        assert conn.connection.dbapi_connection is first
    assert pings == []  # fresh, then given back moments ago

    monkeypatch.setattr("api.db.PING_AFTER_IDLE_S", 0.0)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
    assert pings == [first]

    dead.add(id(first))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT 1")).scalar() == 1
        assert conn.connection.dbapi_connection is not first
    assert pings[1] is first and len(pings) == 3  # the dead one, then its replacement
    engine.dispose()


def test_an_upgrade_is_one_transaction_on_sqlite(tmp_path: Path) -> None:
    """From the first statement to head under one write lock: committed after each
    migration, a second instance starting at the same moment took the lock in between,
    read that revision and ran the next migration, which the first then ran again."""
    with scratch_database("sqlite", tmp_path, migrated=False) as url:
        engine = make_engine(url)
        commits: list[int] = []
        event.listen(engine, "commit", lambda _conn: commits.append(1))
        migrate.upgrade(engine)
        assert len(commits) == 1
        migrate.check(engine)
        engine.dispose()
