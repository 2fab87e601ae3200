"""Authentication promises of privacy-security.md: same answer for unknown users, throttling
per account and per IP (never a permanent lock-out), tokens per device, revocation."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.config import Settings
from api.users.models import Device, LoginFailure, User
from tests.conftest import PASSWORD, World

TOKEN_URL = "/api/auth/token"


def _login(
    client: TestClient,
    email: str,
    password: str,
    *,
    device: str = "phone",
    forwarded_for: str | None = None,
) -> tuple[int, dict[str, object], dict[str, str]]:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    r = client.post(
        TOKEN_URL,
        data={"username": email, "password": password, "device_name": device},
        headers=headers,
    )
    return r.status_code, r.json(), dict(r.headers)


def _bearer(token: object) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _age_failures(db: Session, by: timedelta) -> None:
    """Pretend the failures happened `by` earlier (the throttle window passing)."""
    for failure in db.execute(select(LoginFailure)).scalars():
        failure.at -= by
        db.add(failure)
    db.commit()


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(
    client: TestClient, world: World
) -> None:
    wrong = _login(client, "agent@test.terrain", "not the password")
    unknown = _login(client, "nobody@test.terrain", "not the password")
    assert wrong[0] == unknown[0] == 401
    assert wrong[1] == unknown[1] == {"error": "invalid_credentials", "detail": wrong[1]["detail"]}


def test_five_failures_per_account_throttle_then_the_window_passes(
    client: TestClient,
    world: World,
    db: Session,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each failure from another IP (through a trusted proxy): only the account counter trips.
    monkeypatch.setattr(settings, "trusted_proxies", "testclient")
    for i in range(5):
        status, _, _ = _login(
            client, "agent@test.terrain", "wrong", forwarded_for=f"198.51.100.{i}"
        )
        assert status == 401
    status, body, headers = _login(
        client, "agent@test.terrain", PASSWORD, forwarded_for="198.51.100.99"
    )
    assert status == 429, body
    assert body["error"] == "too_many_requests"
    assert 0 < int(headers["retry-after"]) <= settings.login_window_s
    # Another account from the same place is not affected.
    assert (
        _login(client, "coordinator@test.terrain", PASSWORD, forwarded_for="198.51.100.99")[0]
        == 200
    )
    # Not a permanent lock-out: once the window has passed, the right password works again.
    _age_failures(db, timedelta(seconds=settings.login_window_s - 60))
    assert _login(client, "agent@test.terrain", PASSWORD, forwarded_for="198.51.100.99")[0] == 429
    _age_failures(db, timedelta(seconds=61))
    status, body, _ = _login(client, "agent@test.terrain", PASSWORD, forwarded_for="198.51.100.99")
    assert status == 200 and body["access_token"]


def test_five_failures_per_ip_throttle_every_account_from_it(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    for i in range(5):
        assert _login(client, f"guess{i}@test.terrain", "wrong")[0] == 401
    status, body, headers = _login(client, "agent@test.terrain", PASSWORD)
    assert status == 429 and body["error"] == "too_many_requests" and "retry-after" in headers
    _age_failures(db, timedelta(seconds=settings.login_window_s + 1))
    assert _login(client, "agent@test.terrain", PASSWORD)[0] == 200


def test_forged_forwarded_for_from_an_untrusted_peer_changes_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    for i in range(5):
        status, _, _ = _login(
            client, f"guess{i}@test.terrain", "wrong", forwarded_for=f"203.0.113.{i}"
        )
        assert status == 401
    status, _, _ = _login(client, "agent@test.terrain", PASSWORD, forwarded_for="203.0.113.200")
    assert status == 429
    ips = set(db.execute(select(LoginFailure.ip)).scalars())
    assert ips == {"testclient"}


def test_forwarded_for_is_believed_from_a_trusted_proxy(
    client: TestClient,
    world: World,
    db: Session,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(settings, "trusted_proxies", "testclient")
    for i in range(5):
        assert (
            _login(client, f"guess{i}@test.terrain", "wrong", forwarded_for="203.0.113.7")[0] == 401
        )
    assert _login(client, "agent@test.terrain", PASSWORD, forwarded_for="203.0.113.7")[0] == 429
    # The spoofed left-most hop is ignored: the proxy appended the real client on the right.
    assert (
        _login(client, "agent@test.terrain", PASSWORD, forwarded_for="203.0.113.8, 203.0.113.7")[0]
        == 429
    )
    assert _login(client, "agent@test.terrain", PASSWORD, forwarded_for="203.0.113.8")[0] == 200
    assert set(db.execute(select(LoginFailure.ip)).scalars()) == {"203.0.113.7"}


def test_failures_store_no_personal_data(client: TestClient, world: World, db: Session) -> None:
    _login(client, "Agent@Test.Terrain", "wrong")
    row = db.execute(select(LoginFailure)).scalar_one()
    assert row.account == hashlib.sha256(b"agent@test.terrain").hexdigest()
    assert "agent" not in row.account


def test_disabled_user_cannot_log_in_and_its_token_dies(
    client: TestClient, world: World, db: Session
) -> None:
    status, body, _ = _login(client, "agent@test.terrain", PASSWORD)
    assert status == 200
    token = body["access_token"]
    assert client.get("/api/me", headers=_bearer(token)).status_code == 200
    r = client.post(f"/api/admin/users/{world.agent.id}/disable", headers=world.auth("admin"))
    assert r.status_code == 200 and r.json()["is_active"] is False
    for headers in (_bearer(token), world.auth("agent")):
        r = client.get("/api/me", headers=headers)
        assert r.status_code == 401
        # The phone is told to delete what it holds (AC-4).
        assert r.json()["error"] == "wipe_requested"
    status, body, _ = _login(client, "agent@test.terrain", PASSWORD)
    assert status == 401 and body["error"] == "invalid_credentials"
    # Enabled again: a new login works, the old tokens stay dead.
    assert (
        client.post(
            f"/api/admin/users/{world.agent.id}/enable", headers=world.auth("admin")
        ).status_code
        == 200
    )
    assert _login(client, "agent@test.terrain", PASSWORD)[0] == 200
    assert client.get("/api/me", headers=_bearer(token)).status_code == 401


def test_token_is_bound_to_its_device(client: TestClient, world: World, db: Session) -> None:
    _, a, _ = _login(client, "agent@test.terrain", PASSWORD, device="phone A")
    _, b, _ = _login(client, "agent@test.terrain", PASSWORD, device="phone B")
    assert a["access_token"] != b["access_token"]
    assert client.post("/api/auth/logout", headers=_bearer(a["access_token"])).status_code == 204
    assert client.get("/api/me", headers=_bearer(a["access_token"])).status_code == 401
    assert client.get("/api/me", headers=_bearer(b["access_token"])).status_code == 200
    names = {
        d.name: d.revoked_at is not None
        for d in db.execute(select(Device).where(col(Device.user_id) == world.agent.id)).scalars()
    }
    assert names["phone A"] is True and names["phone B"] is False


def test_tokens_are_random_stored_hashed_and_never_read_from_the_url(
    client: TestClient, world: World, db: Session
) -> None:
    _, body, _ = _login(client, "agent@test.terrain", PASSWORD, device="phone")
    token = str(body["access_token"])
    assert len(token) >= 43  # ≥ 256 bits, URL-safe base64
    device = db.execute(select(Device).where(col(Device.name) == "phone")).scalar_one()
    assert device.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(device.model_dump())
    assert client.get("/api/me", params={"access_token": token}).status_code == 401
    assert client.get("/api/me", params={"token": token}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Bearer not-a-token"}).status_code == 401


def test_passwords_are_hashed_with_argon2id(world: World, db: Session) -> None:
    user = db.get(User, world.agent.id)
    assert user is not None and user.password_hash.startswith("$argon2id$")


def test_staff_sessions_expire_when_idle_agents_do_not(
    client: TestClient, world: World, db: Session, settings: Settings
) -> None:
    idle = timedelta(seconds=settings.staff_idle_timeout_s + 60)
    for device in db.execute(select(Device)).scalars():
        assert device.last_used_at is not None
        device.last_used_at -= idle
        db.add(device)
    db.commit()
    r = client.get("/api/me", headers=world.auth("coordinator"))
    assert r.status_code == 401 and r.json()["error"] == "session_expired"
    assert client.get("/api/me", headers=world.auth("agent")).status_code == 200
