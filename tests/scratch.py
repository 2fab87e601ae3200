"""Scratch databases (empty or migrated), a fresh install's environment and the app in a
thread, for the tests that need real commits across connections and processes (CLI, quick
start, backup, several instances); `terrain serve` as a process is
`tests.support.server.ServerProcess.terrain`."""

from __future__ import annotations

import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import make_url, text

from api import migrate
from api.config import get_settings
from api.db import make_engine, reset_engine
from api.main import create_app
from tests.support.server import free_port

PG_URL = os.environ.get("TERRAIN_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
REPO_ROOT = Path(__file__).resolve().parent.parent
# The console scripts installed next to the interpreter running the tests (the venv).
BIN = Path(sys.executable).parent


def _pg_admin(sql: str) -> None:
    assert PG_URL
    admin = make_engine(PG_URL)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(sql))
    admin.dispose()


@contextmanager
def scratch_database(backend: str, workdir: Path, *, migrated: bool = True) -> Iterator[str]:
    """A database nobody else uses: an SQLite file in `workdir` or a new PostgreSQL
    database on the TERRAIN_TEST_DATABASE_URL server; dropped afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'scratch-{uuid.uuid4().hex[:8]}.sqlite3'}"
    else:
        assert PG_URL, "PostgreSQL scratch databases need TERRAIN_TEST_DATABASE_URL"
        name = f"terrain_scratch_{uuid.uuid4().hex[:10]}"
        _pg_admin(f'CREATE DATABASE "{name}"')
        url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    if migrated:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
    try:
        yield url
    finally:
        if backend == "postgresql":
            _pg_admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def terrain_env(data_dir: Path, database_url: str | None) -> dict[str, str]:
    """The environment of a fresh install: no TERRAIN_* setting but the ones given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TERRAIN_")}
    env["TERRAIN_DATA_DIR"] = str(data_dir)
    if database_url is not None:
        env["TERRAIN_DATABASE_URL"] = database_url
    return env


def login(client: httpx.Client, base_url: str, email: str, password: str) -> dict[str, str]:
    """Bearer headers for a password login through the real API."""
    answer = client.post(
        f"{base_url}/api/auth/token",
        data={"username": email, "password": password, "device_name": "test"},
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


@contextmanager
def app_in_thread(
    database_url: str, data_dir: Path, *, prepare: Callable[[FastAPI], None] | None = None
) -> Iterator[str]:
    """The real app under uvicorn in a background thread, configured (settings, engine) for
    `database_url`; yields its base URL and puts the previous configuration back after."""
    keys = ("TERRAIN_DATABASE_URL", "TERRAIN_DATA_DIR")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ["TERRAIN_DATABASE_URL"] = database_url
    os.environ["TERRAIN_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    reset_engine()
    app = create_app()
    if prepare is not None:
        prepare(app)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", timeout_graceful_shutdown=2
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "server did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
        reset_engine()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()
        reset_engine()
