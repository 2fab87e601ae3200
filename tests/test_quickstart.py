"""The README's quick start, as a newcomer runs it: `terrain serve --demo` on a fresh data
directory, then log in as the demo agent and list leads."""

from __future__ import annotations

import re
import signal
import sqlite3
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import httpx
import pytest

from api.config import Settings
from api.demo import DEMO_LOGINS, DEMO_PASSWORD
from tests.scratch import (
    BACKENDS,
    REPO_ROOT,
    login,
    scratch_database,
    terrain_env,
)
from tests.support.server import ServerProcess


@pytest.mark.parametrize("fresh_backend", BACKENDS)
def test_serve_demo_then_agent_lists_leads(tmp_path: Path, fresh_backend: str) -> None:
    data_dir = tmp_path / "data"
    # SQLite: exactly the quick start (no TERRAIN_DATABASE_URL, the default file in the data
    # dir). PostgreSQL: the same against an empty database.
    database: AbstractContextManager[str | None] = (
        nullcontext(None)
        if fresh_backend == "sqlite"
        else scratch_database(fresh_backend, tmp_path, migrated=False)
    )
    with database as url:
        server = ServerProcess.terrain(terrain_env(data_dir, url), tmp_path / "serve.log", "--demo")
        with server, httpx.Client(timeout=30) as http:
            server.wait_ready()
            base = server.base_url
            for email, _ in DEMO_LOGINS:
                login(http, base, email, DEMO_PASSWORD)
            headers = login(http, base, "agent@demo.terrain", DEMO_PASSWORD)
            me = http.get(f"{base}/api/me", headers=headers).json()
            assert me["email"] == "agent@demo.terrain" and me["role"] == "agent"
            assert [t["name"] for t in me["teams"]] == ["Brussels"]

            leads = http.get(f"{base}/api/leads", headers=headers)
            assert leads.status_code == 200, leads.text
            body = leads.json()
            assert set(body) >= {"items", "total"}
            assert 0 < body["total"] < 2000  # the agent's scope, not everyone's leads
            assert body["items"]
            assert {item["team_id"] for item in body["items"]} == {me["teams"][0]["id"]}
            # Without TERRAIN_PUBLIC_BASE_URL a QR code's link is this server's address.
            office = login(http, base, "coordinator@demo.terrain", DEMO_PASSWORD)
            code = http.post(
                f"{base}/api/codes",
                json={"kind": "agent", "agent_id": me["id"]},
                headers=office,
            )
            assert code.status_code == 201, code.text
            assert code.json()["url"].startswith(f"{base}/q/"), code.json()["url"]
            # A search by name travels in the query string; the access log must not keep it.
            canary = body["items"][0]["first_name"]
            searched = http.get(f"{base}/api/leads", params={"q": canary}, headers=headers)
            assert searched.status_code == 200 and searched.json()["total"] >= 1
        # A graceful stop: uvicorn finishes, then re-raises SIGTERM as its exit status.
        assert server.stop() in (0, -signal.SIGTERM)
    log = server.log
    assert "Application shutdown complete" in log
    assert f"http://127.0.0.1:{server.port}" in log
    assert "agent@demo.terrain" in log and DEMO_PASSWORD in log
    assert "Traceback" not in log
    assert "GET /api/leads 200" in log  # access lines are there (api/logs.py) …
    assert canary not in log  # … without what was searched for
    if fresh_backend == "sqlite":
        assert (data_dir / "terrain.sqlite3").exists()
        assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
        # The query planner's statistics of the demo's leads (api/db.py refresh_statistics).
        with sqlite3.connect(data_dir / "terrain.sqlite3") as stats:
            found = stats.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = 'lead'").fetchall()
        assert ("ix_lead_reached_contacted",) in found, found


def test_readme_documents_the_quick_start_logins_and_every_setting() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    assert "scripts/start" in quick_start and "scripts/test" in quick_start
    assert "http://127.0.0.1:8000" in quick_start
    for email, _ in DEMO_LOGINS:
        assert f"`{email}`" in readme
    assert f"`{DEMO_PASSWORD}`" in readme
    undocumented = [
        f"TERRAIN_{name.upper()}"
        for name in Settings.model_fields
        if f"`TERRAIN_{name.upper()}`" not in readme
    ]
    assert undocumented == []


def test_the_image_installs_the_way_the_quick_start_does() -> None:
    """Docker cannot run here: the image must take the tested install path."""
    bootstrap = (REPO_ROOT / "scripts" / "_bootstrap.sh").read_text()
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    for step in ("-m venv .venv", ".venv/bin/pip install"):
        assert step in bootstrap and step in dockerfile
    assert re.search(r"pip install [^\n]*-e \.\n", dockerfile)
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", dockerfile, re.M)
    assert '"terrain", "serve"' in dockerfile  # migrations run at start
    compose = (REPO_ROOT / "compose.yaml").read_text()
    for service in ("app1:", "app2:", "postgres:", "redis:"):
        assert f"\n  {service}" in compose
    assert "TERRAIN_DATABASE_URL: postgresql://" in compose
