"""SY-6/PD-4 backups: a restore of a backup made before an erasure erases the person again
(from the ledger of the database it replaces and the ledger file), so nobody erased comes
back; the CLI exports, registers and purges like the admin API."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from api.cli import main
from api.db import make_engine
from api.demo import seed_demo
from api.leads.models import Lead
from tests.privacy.scan import text_traces
from tests.scratch import BACKENDS, scratch_database

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def _use(monkeypatch: pytest.MonkeyPatch, url: str, data_dir: Path) -> None:
    monkeypatch.setenv("TERRAIN_DATABASE_URL", url)
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(data_dir))


def _someone(url: str) -> tuple[uuid.UUID, str, str]:
    engine = make_engine(url)
    with Session(engine) as session:
        lead = (
            session.execute(
                select(Lead).where(col(Lead.last_name).is_not(None), col(Lead.phone).is_not(None))
            )
            .scalars()
            .first()
        )
        assert lead is not None and lead.phone and lead.last_name
        found = (lead.id, f"{lead.first_name} {lead.last_name}", lead.phone)
    engine.dispose()
    return found


def _traces(url: str, values: list[str]) -> list[tuple[str, str, int]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = text_traces(conn, values)
    engine.dispose()
    return found


@pytest.mark.parametrize("fresh_backend", BACKENDS)
def test_erased_people_do_not_come_back_with_a_restore(
    tmp_path: Path,
    fresh_backend: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with scratch_database(fresh_backend, tmp_path) as url:
        engine = make_engine(url)
        with Session(engine) as session:
            assert seed_demo(session, leads=60, now=NOW) is not None
        engine.dispose()
        _use(monkeypatch, url, tmp_path / "data")
        lead_id, full_name, phone = _someone(url)
        backup = tmp_path / "before-erasure.backup"
        assert main(["backup", "--output", str(backup)]) == 0

        assert main(["privacy", "erase", str(lead_id)]) == 1  # needs --yes
        assert main(["privacy", "erase", str(lead_id), "--yes"]) == 0
        assert _traces(url, [full_name, phone]) == []
        # The ledger file lives with the data, outside the database.
        log = (tmp_path / "data" / "erasures.jsonl").read_text().splitlines()
        assert len(log) == 1 and len(json.loads(log[0])["subject"]) == 64
        capsys.readouterr()

        # Disaster: the old backup goes back in, database and all.
        assert main(["restore", "--force", str(backup)]) == 0
        assert "Erased again 1" in capsys.readouterr().out
        assert _traces(url, [full_name, phone]) == []
        # Even with the ledger file gone, the replaced database's ledger was kept.
        (tmp_path / "data" / "erasures.jsonl").unlink()
        assert main(["restore", "--force", str(backup)]) == 0
        assert _traces(url, [full_name, phone]) == []


def test_the_cli_registers_exports_and_purges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with scratch_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        with Session(engine) as session:
            assert seed_demo(session, leads=40, now=NOW) is not None
        engine.dispose()
        _use(monkeypatch, url, tmp_path / "data")
        lead_id, full_name, _phone = _someone(url)
        assert main(["privacy", "request", "access", str(lead_id), "--channel", "mail"]) == 0
        assert main(["privacy", "requests", "--status", "open"]) == 0
        assert "access" in capsys.readouterr().out
        out = tmp_path / "export.html"
        assert main(["privacy", "export", str(lead_id), "--html", "--output", str(out)]) == 0
        assert full_name.split()[0] in out.read_text()
        assert main(["privacy", "export", str(uuid.uuid4())]) == 1
        capsys.readouterr()
        assert main(["purge", "--dry-run"]) == 0
        dry = capsys.readouterr().out
        assert dry.startswith("Would erase:") and "leads with no activity" in dry
        assert main(["purge"]) == 0
        assert main(["purge", "--dry-run"]) == 0
        assert "leads with no activity: 0" in capsys.readouterr().out
