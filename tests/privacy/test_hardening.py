"""IO-4 headers, strict CORS, trusted-proxy client addresses, no API docs in production."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.config import Settings
from api.db import get_session, make_engine
from api.main import create_app
from tests.conftest import World

EVIL = "https://evil.example"


@pytest.fixture
def configured(monkeypatch: pytest.MonkeyPatch, db: Session, settings: Settings) -> Iterator[Any]:
    """A client for an app built with some TERRAIN_* settings changed."""
    made: list[TestClient] = []

    def make(**changes: str) -> TestClient:
        # The one Settings object every part of the app reads (get_settings is cached).
        for key, value in changes.items():
            monkeypatch.setattr(settings, key, value)
        app = create_app()
        app.dependency_overrides[get_session] = lambda: db
        client = TestClient(app)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_io_4_security_headers_on_api_and_pages(client: TestClient, world: World) -> None:
    api = client.get("/api/leads", headers=world.auth("agent"))
    page = client.get("/")
    for r in (api, page):
        assert "script-src 'self';" in r.headers["content-security-policy"]
        assert "unsafe-inline" not in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "camera=()" in r.headers["permissions-policy"]
        assert "geolocation=()" in r.headers["permissions-policy"]
        assert "strict-transport-security" not in r.headers  # plain HTTP here
    assert api.headers["cache-control"] == "no-store"
    error = client.get("/api/leads")
    assert error.status_code == 401 and error.headers["cache-control"] == "no-store"


def test_io_4_cors_never_echoes_an_arbitrary_origin(
    client: TestClient, world: World, configured: Any
) -> None:
    headers = {"Origin": EVIL, **world.auth("agent")}
    assert "access-control-allow-origin" not in client.get("/api/leads", headers=headers).headers
    preflight = client.options(
        "/api/leads",
        headers={"Origin": EVIL, "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    allowed = configured(cors_origins="https://office.example,*")
    ok = allowed.get("/api/version", headers={"Origin": "https://office.example"})
    assert ok.headers["access-control-allow-origin"] == "https://office.example"
    other = allowed.get("/api/version", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in other.headers
    pre = allowed.options(
        "/api/leads", headers={"Origin": EVIL, "Access-Control-Request-Method": "DELETE"}
    )
    assert "access-control-allow-origin" not in pre.headers


def test_io_4_api_docs_are_off_in_production(client: TestClient, configured: Any) -> None:
    assert client.get("/api/docs").status_code == 200
    prod = configured(environment="production")
    assert prod.get("/api/docs").status_code == 404
    assert prod.get("/api/openapi.json").status_code == 404
    assert prod.get("/healthz").status_code == 200


def test_io_4_only_trusted_proxies_speak_for_the_client(configured: Any) -> None:
    # TestClient's peer is "testclient": make it the load balancer.
    behind = configured(trusted_proxies="testclient")
    r = behind.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "max-age" in r.headers["strict-transport-security"]
    direct = configured(trusted_proxies="10.0.0.9")
    r = direct.get("/healthz", headers={"X-Forwarded-Proto": "https"})
    assert "strict-transport-security" not in r.headers


def test_serve_forwarded_allow_ips_is_the_trusted_proxies_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    import uvicorn

    from api import cli

    class FreshSettings:
        """`serve` re-reads its settings after setting the environment (not the cache of
        the running test session's)."""

        @staticmethod
        def cache_clear() -> None:
            pass

        def __call__(self) -> Settings:
            return Settings()

    seen: dict[str, Any] = {}
    monkeypatch.setenv("TERRAIN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TERRAIN_DATABASE_URL", f"sqlite:///{tmp_path}/t.sqlite3")
    monkeypatch.setattr(cli, "get_settings", FreshSettings())
    monkeypatch.setattr(cli, "get_engine", lambda: make_engine(f"sqlite:///{tmp_path}/t.sqlite3"))
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    try:
        assert cli.main(["serve", "--forwarded-allow-ips", "10.0.0.5,10.0.0.6"]) == 0
        assert Settings().trusted_proxies == "10.0.0.5,10.0.0.6"
        assert Settings().run_jobs is True
    finally:
        monkeypatch.delenv("TERRAIN_TRUSTED_PROXIES", raising=False)
        monkeypatch.delenv("TERRAIN_RUN_JOBS", raising=False)
    assert seen["proxy_headers"] is False and seen["access_log"] is False
