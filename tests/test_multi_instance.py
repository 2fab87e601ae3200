"""Several app instances on one PostgreSQL database (PostgreSQL only: that is how Terrain
scales out). Started at the same moment they migrate once and seed once; whatever one
instance writes, the other reads at once."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from api.cli import main
from api.db import make_engine
from api.demo import DEMO_PASSWORD
from api.migrate import alembic_config
from tests.scratch import PG_URL, login, scratch_database, terrain_env
from tests.support.server import ServerProcess

F = TypeVar("F", bound=Callable[..., None])


def postgresql_only(test: F) -> F:
    """Collected only when TERRAIN_TEST_DATABASE_URL names a PostgreSQL server (several
    instances need one), like the PostgreSQL half of every other test."""
    test.__dict__["__test__"] = PG_URL is not None
    return test


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[ServerProcess]]]:
    """Two `terrain serve --demo` processes started together on one empty database."""
    workdir = tmp_path_factory.mktemp("instances")
    with scratch_database("postgresql", workdir, migrated=False) as url:
        servers = [
            ServerProcess.terrain(
                terrain_env(workdir / name, url), workdir / f"{name}.log", "--demo"
            )
            for name in ("a", "b")
        ]
        for server in servers:
            server.start(wait=False)
        try:
            for server in servers:
                server.wait_ready()
            yield url, servers
        finally:
            for server in servers:
                server.stop()


@postgresql_only
def test_started_together_they_migrate_and_seed_once(pair: tuple[str, list[ServerProcess]]) -> None:
    url, servers = pair
    engine = make_engine(url)
    with engine.connect() as conn:
        versions = list(conn.scalars(text("SELECT version_num FROM alembic_version")))
        users = conn.scalar(text('SELECT count(*) FROM "user"'))
        leads = conn.scalar(text("SELECT count(*) FROM lead"))
    engine.dispose()
    assert versions == ScriptDirectory.from_config(alembic_config()).get_heads()
    assert users == 13 and leads == 2000
    seeded = [s for s in servers if "Seeded the demo organisation" in s.log]
    assert len(seeded) == 1, [s.log for s in servers]
    for server in servers:
        assert server.proc is not None and server.proc.poll() is None
        assert "Traceback" not in server.log and "ERROR" not in server.log


@postgresql_only
def test_a_user_created_by_the_cli_is_seen_by_both(
    pair: tuple[str, list[ServerProcess]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    url, servers = pair
    monkeypatch.setenv("TERRAIN_DATABASE_URL", url)
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(tmp_path))
    password = "new agent password"
    assert main(["users", "create", "late@demo.terrain", "--team", "Liège", "--password",
                 password]) == 0  # fmt: skip
    with httpx.Client(timeout=30) as http:
        for server in servers:
            headers = login(http, server.base_url, "late@demo.terrain", password)
            me = http.get(f"{server.base_url}/api/me", headers=headers)
            assert me.status_code == 200 and me.json()["teams"][0]["name"] == "Liège"


@postgresql_only
def test_what_one_instance_writes_the_other_reads(pair: tuple[str, list[ServerProcess]]) -> None:
    _, (a, b) = pair
    with httpx.Client(timeout=30) as http:
        # The device row (token) is written by A and read by B …
        headers = login(http, a.base_url, "coordinator@demo.terrain", DEMO_PASSWORD)
        me_b = http.get(f"{b.base_url}/api/me", headers=headers)
        assert me_b.status_code == 200 and me_b.json()["email"] == "coordinator@demo.terrain"
        # … the same lead is read through both …
        listed = http.get(f"{a.base_url}/api/leads?limit=5", headers=headers)
        assert listed.status_code == 200, listed.text
        lead = listed.json()["items"][0]
        detail = http.get(f"{b.base_url}/api/leads/{lead['id']}", headers=headers)
        assert detail.status_code == 200, detail.text
        assert detail.json()["id"] == lead["id"]
        assert detail.json()["first_name"] == lead["first_name"]
        # … a lead created through A is read through B …
        created = http.post(
            f"{a.base_url}/api/leads",
            headers=headers,
            json={
                "first_name": "Yasmina",
                "phone": "0486 12 34 56",
                "channel": "coffee_stand",
                "language": "ar",
                "consent": {
                    "purposes": ["contact"],
                    "text_version": "2026-01",
                    "text_sha256": "ab" * 32,
                    "language": "ar",
                },
            },
        )
        assert created.status_code == 201, created.text
        again = http.get(f"{b.base_url}/api/leads/{created.json()['id']}", headers=headers)
        assert again.status_code == 200, again.text
        assert again.json()["phone"] == "+32486123456"
        # … and a logout through B (a write) ends the token on A at once.
        assert http.post(f"{b.base_url}/api/auth/logout", headers=headers).status_code == 204
        assert http.get(f"{a.base_url}/api/me", headers=headers).status_code == 401
