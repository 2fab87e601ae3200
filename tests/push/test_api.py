"""The push API: subscriptions (allow-list, keys, one per device, forgotten on sign-out),
the public key, preferences. Each test in a rolled-back transaction (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlmodel import Session, col, select

from api.config import Settings, get_settings
from api.push.keys import b64url, pem_of, public_key_of
from api.push.models import PushPreference, PushSubscription
from api.users import service as user_service
from tests.conftest import World
from tests.support.push_receiver import BrowserKeys, b64u

RECEIVER = "127.0.0.1:9"  # the loopback host:port the tests allow (nothing listens)


def browser_subscription(endpoint: str) -> dict[str, Any]:
    keys = BrowserKeys()
    return {
        "endpoint": endpoint,
        "expirationTime": None,
        "keys": {"p256dh": keys.p256dh, "auth": b64u(keys.auth)},
    }


@pytest.fixture
def push_settings(app: FastAPI, settings: Settings) -> Iterator[Settings]:
    key = ec.generate_private_key(ec.SECP256R1())
    configured = settings.model_copy(
        update={
            "push_allowed_hosts": f"{settings.push_allowed_hosts},{RECEIVER}",
            "vapid_private_key": SecretStr(pem_of(key).decode()),
        }
    )
    app.dependency_overrides[get_settings] = lambda: configured
    yield configured
    app.dependency_overrides.pop(get_settings)


def subscriptions(db: Session) -> list[PushSubscription]:
    return list(db.execute(select(PushSubscription)).scalars())


FCM = "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91bH"


@pytest.mark.usefixtures("push_settings")
def test_a_browser_subscription_is_bound_to_user_and_device(
    client: TestClient, world: World, db: Session
) -> None:
    sub = browser_subscription(FCM)
    r = client.post("/api/push/subscriptions", json=sub, headers=world.auth("agent"))
    assert r.status_code == 201, r.text
    assert r.json()["created"] is True
    assert FCM not in r.text  # never echoed
    [row] = subscriptions(db)
    assert row.user_id == world.agent.id
    assert row.endpoint == FCM and row.p256dh == sub["keys"]["p256dh"]

    again = client.post("/api/push/subscriptions", json=sub, headers=world.auth("agent"))
    assert again.status_code == 200 and again.json()["id"] == r.json()["id"]

    # A new subscription on the same device replaces the old one.
    other = browser_subscription(FCM + "-renewed")
    assert (
        client.post("/api/push/subscriptions", json=other, headers=world.auth("agent")).status_code
        == 201
    )
    assert [s.endpoint for s in subscriptions(db)] == [FCM + "-renewed"]

    assert client.delete("/api/push/subscriptions", headers=world.auth("agent")).status_code == 204
    assert subscriptions(db) == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
        "https://169.254.169.254/push/1",
        "http://127.0.0.1:8000/api/auth/token",  # loopback, but not the listed port
        "http://localhost:5432/",
        "http://fcm.googleapis.com/fcm/send/x",  # a push host, but plain http
        "https://fcm.googleapis.com.attacker.example/fcm/send/x",
        "https://attacker.example/?fcm.googleapis.com",
        "https://fcm.googleapis.com@10.0.0.1/fcm/send/x",
        "https://fcm.googleapis.com:8443/fcm/send/x",
        "https://push.services.mozilla.com.evil/wpush/v2/x",
        "ftp://fcm.googleapis.com/x",
        "file:///etc/passwd",
        "https://[::1]/push",
        "not a url at all",
    ],
)
@pytest.mark.usefixtures("push_settings")
def test_endpoints_outside_the_allow_list_are_refused(
    client: TestClient, world: World, db: Session, endpoint: str
) -> None:
    r = client.post(
        "/api/push/subscriptions",
        json=browser_subscription(endpoint),
        headers=world.auth("agent"),
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "push_endpoint_not_allowed"
    assert endpoint not in r.text
    assert subscriptions(db) == []


@pytest.mark.parametrize(
    "endpoint",
    [
        "https://fcm.googleapis.com/fcm/send/abc:def",
        "https://updates.push.services.mozilla.com/wpush/v2/gAAAAA",
        "https://web.push.apple.com/QGuQyavXutnMH3fQfZK",
        "https://wns2-db5p.notify.windows.com/w/?token=BQYAAAB",
        f"http://{RECEIVER}/push/abc",
    ],
)
@pytest.mark.usefixtures("push_settings")
def test_the_push_services_are_allowed(client: TestClient, world: World, endpoint: str) -> None:
    r = client.post(
        "/api/push/subscriptions",
        json=browser_subscription(endpoint),
        headers=world.auth("agent"),
    )
    assert r.status_code == 201, r.text


@pytest.mark.usefixtures("push_settings")
def test_bad_keys_are_refused(client: TestClient, world: World, db: Session) -> None:
    good = browser_subscription(FCM)
    off_curve = b64url(b"\x04" + b"\x01" * 64)
    for keys in (
        {"p256dh": off_curve, "auth": good["keys"]["auth"]},
        {"p256dh": good["keys"]["p256dh"], "auth": b64url(b"short")},
        {"p256dh": good["keys"]["p256dh"]},
    ):
        r = client.post(
            "/api/push/subscriptions",
            json={"endpoint": FCM, "keys": keys},
            headers=world.auth("agent"),
        )
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "validation_error"
    assert subscriptions(db) == []
    assert (
        client.post("/api/push/subscriptions", json=good).status_code == 401
    )  # and only for someone logged in


def test_the_allow_list_setting_decides(client: TestClient, world: World, db: Session) -> None:
    """Without the test's loopback entry (the default setting) the receiver is refused."""
    r = client.post(
        "/api/push/subscriptions",
        json=browser_subscription(f"http://{RECEIVER}/push/abc"),
        headers=world.auth("agent"),
    )
    assert r.status_code == 422 and r.json()["error"] == "push_endpoint_not_allowed"


def test_the_public_key_and_never_the_private_one(
    app: FastAPI, client: TestClient, world: World, settings: Settings
) -> None:
    r = client.get("/api/push/key", headers=world.auth("agent"))
    assert r.status_code == 503 and r.json()["error"] == "push_not_configured"

    key = ec.generate_private_key(ec.SECP256R1())
    secret = pem_of(key).decode()
    raw = b64url(key.private_numbers().private_value.to_bytes(32, "big"))
    for configured in (secret, raw):
        app.dependency_overrides[get_settings] = lambda c=configured: settings.model_copy(
            update={"vapid_private_key": SecretStr(c)}
        )
        r = client.get("/api/push/key", headers=world.auth("agent"))
        assert r.status_code == 200
        assert r.json() == {"public_key": public_key_of(key)}
        assert raw not in r.text and "PRIVATE" not in r.text
    assert client.get("/api/push/key").status_code == 401


@pytest.mark.usefixtures("push_settings")
def test_sign_out_revocation_and_disabling_forget_subscriptions(
    client: TestClient, world: World, db: Session
) -> None:
    for who in ("agent", "agent2", "coordinator"):
        r = client.post(
            "/api/push/subscriptions",
            json=browser_subscription(f"{FCM}-{who}"),
            headers=world.auth(who),
        )
        assert r.status_code == 201

    assert client.post("/api/auth/logout", headers=world.auth("agent")).status_code == 204
    left = {s.user_id for s in subscriptions(db)}
    assert left == {world.agent2.id, world.coordinator.id}

    [device] = [s.device_id for s in subscriptions(db) if s.user_id == world.agent2.id]
    r = client.post(f"/api/admin/devices/{device}/revoke", json={}, headers=world.auth("admin"))
    assert r.status_code in (200, 204), r.text
    assert {s.user_id for s in subscriptions(db)} == {world.coordinator.id}

    user_service.set_user_active(db, user_id=world.coordinator.id, active=False)
    assert subscriptions(db) == []


def test_preferences_default_then_replace(client: TestClient, world: World, db: Session) -> None:
    r = client.get("/api/push/preferences", headers=world.auth("agent"))
    assert r.status_code == 200
    assert r.json() == {
        "assigned": True,
        "intake": True,
        "sent_back": True,
        "digest": True,
        "quiet_start": None,
        "quiet_end": None,
        "digest_time": "07:30",
    }
    wanted = {
        "assigned": True,
        "intake": False,
        "sent_back": True,
        "digest": True,
        "quiet_start": "21:30",
        "quiet_end": "07:00",
        "digest_time": "08:15",
    }
    r = client.put("/api/push/preferences", json=wanted, headers=world.auth("agent"))
    assert r.status_code == 200 and r.json() == wanted
    assert client.get("/api/push/preferences", headers=world.auth("agent")).json() == wanted
    row = db.get(PushPreference, world.agent.id)
    assert row is not None and row.intake is False
    # Someone else's are untouched.
    assert client.get("/api/push/preferences", headers=world.auth("agent2")).json()["intake"]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"quiet_start": "22:00"}, "quiet_hours_incomplete"),
        ({"quiet_start": "22:00", "quiet_end": "22:00"}, "quiet_hours_empty"),
        ({"digest_time": "25:00"}, "time_parsing"),
        ({"assigned": "sometimes"}, "bool_parsing"),
    ],
)
def test_bad_preferences_are_refused(
    client: TestClient, world: World, db: Session, body: dict[str, Any], code: str
) -> None:
    r = client.put("/api/push/preferences", json=body, headers=world.auth("agent"))
    assert r.status_code == 422, r.text
    assert code in [f["code"] for f in r.json()["fields"]]
    assert (
        db.execute(
            select(PushPreference).where(col(PushPreference.user_id) == world.agent.id)
        ).first()
        is None
    )
