"""GET /healthz tells whether the database answers; GET /api/version what is running."""

from __future__ import annotations

from collections.abc import Iterator
from importlib.metadata import version
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.db import get_session, make_engine


def test_healthz_reports_the_database(client: TestClient, backend: str) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json() == {"status": "ok", "database": backend}


def test_healthz_fails_when_the_database_is_unreachable(app: FastAPI, tmp_path: Path) -> None:
    unreachable = make_engine(f"sqlite:///{tmp_path / 'missing-dir' / 'terrain.sqlite3'}")

    def broken_session() -> Iterator[Session]:
        with Session(unreachable) as session:
            yield session

    app.dependency_overrides[get_session] = broken_session
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = client.get("/healthz")
    assert answer.status_code >= 500
    assert "ok" not in answer.text
    unreachable.dispose()


def test_version(client: TestClient) -> None:
    answer = client.get("/api/version")
    assert answer.status_code == 200
    body = answer.json()
    assert body["version"] == version("terrain")
    assert isinstance(body["protocol"], int) and body["protocol"] >= 1
    assert isinstance(body["schema_version"], int)


def test_health_and_version_need_no_login(client: TestClient) -> None:
    for path in ("/healthz", "/api/version"):
        assert client.get(path, headers={"Authorization": "Bearer nonsense"}).status_code == 200
