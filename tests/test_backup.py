"""`terrain backup` makes a consistent copy; `terrain restore` brings it back identical:
same tables, same row counts, same checksum of every table."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect, text, update
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from api.audit.models import AuditEvent
from api.cli import main
from api.db import check_durability, make_engine
from api.demo import seed_demo
from tests.scratch import BACKENDS, scratch_database

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def fingerprint(engine: Engine) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of the content of every table."""
    result = {}
    with engine.connect() as conn:
        for table in sorted(inspect(engine).get_table_names()):
            rows = conn.execute(text(f'SELECT * FROM "{table}"')).all()
            digest = hashlib.sha256()
            for line in sorted(repr(tuple(row)) for row in rows):
                digest.update(line.encode())
            result[table] = (len(rows), digest.hexdigest())
    return result


def _use(monkeypatch: pytest.MonkeyPatch, url: str, data_dir: Path) -> None:
    monkeypatch.setenv("TERRAIN_DATABASE_URL", url)
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(data_dir))


@pytest.mark.parametrize("fresh_backend", BACKENDS)
def test_backup_then_restore_into_a_new_database_is_identical(
    tmp_path: Path,
    fresh_backend: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with (
        scratch_database(fresh_backend, tmp_path) as source_url,
        scratch_database(fresh_backend, tmp_path, migrated=False) as target_url,
    ):
        source = make_engine(source_url)
        with Session(source) as session:
            assert seed_demo(session, leads=250, now=NOW) is not None
            session.add(AuditEvent(action="export", object_type="lead", row_count=250))
            session.commit()
        before = fingerprint(source)
        assert before["lead"][0] == 250 and before["audit_event"][0] == 1

        backup = tmp_path / "backups" / "terrain.backup"
        _use(monkeypatch, source_url, tmp_path / "data-source")
        assert main(["backup", "--output", str(backup)]) == 0
        assert backup.stat().st_size > 0
        assert str(backup) in capsys.readouterr().out
        source.dispose()

        _use(monkeypatch, target_url, tmp_path / "data-target")
        assert main(["restore", str(backup)]) == 0
        target = make_engine(target_url)
        after = fingerprint(target)
        assert after == before
        check_durability(target)
        # The restored database still refuses to rewrite its audit trail.
        with target.connect() as conn, pytest.raises(DBAPIError, match="append-only"):
            conn.execute(update(AuditEvent).values(action="x").where(col(AuditEvent.id) > 0))

        # A database that already has data is not overwritten by accident …
        assert main(["restore", str(backup)]) == 1
        assert "not empty" in capsys.readouterr().err
        with Session(target) as session:
            session.add(AuditEvent(action="after-restore"))
            session.commit()
        assert fingerprint(target) != before
        target.dispose()
        # … but can be, on purpose.
        assert main(["restore", "--force", str(backup)]) == 0
        target = make_engine(target_url)
        assert fingerprint(target) == before
        target.dispose()


def test_backup_of_the_default_sqlite_database_goes_to_the_data_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("TERRAIN_DATABASE_URL", raising=False)
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(tmp_path))
    assert main(["migrate"]) == 0
    assert main(["backup"]) == 0
    out = capsys.readouterr().out
    [written] = list((tmp_path / "backups").glob("terrain-*.sqlite3"))
    assert str(written) in out
    engine = make_engine(f"sqlite:///{written}")
    assert fingerprint(engine) == fingerprint(make_engine(f"sqlite:///{tmp_path}/terrain.sqlite3"))
    engine.dispose()


def test_restore_refuses_a_missing_or_damaged_backup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, f"sqlite:///{tmp_path}/target.sqlite3", tmp_path)
    assert main(["restore", str(tmp_path / "nothing.sqlite3")]) == 1
    assert "no backup" in capsys.readouterr().err
    damaged = tmp_path / "damaged.sqlite3"
    damaged.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    assert main(["restore", str(damaged)]) != 0
