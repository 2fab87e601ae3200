"""Administration of users, teams and devices: roles, scope, password policy, access epoch,
mass assignment, revocation."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.users.models import User
from tests.conftest import PASSWORD, World

NEW_PASSWORD = "mint tea at the corner shop"


def _login(client: TestClient, email: str, password: str, device: str = "phone") -> Any:
    return client.post(
        "/api/auth/token", data={"username": email, "password": password, "device_name": device}
    )


def _endpoints(world: World) -> list[tuple[str, str, dict[str, Any] | None]]:
    uid, tid = world.agent2.id, world.antwerp.id
    return [
        ("GET", "/api/admin/users", None),
        ("GET", f"/api/admin/users/{uid}", None),
        (
            "POST",
            "/api/admin/users",
            {"email": "x@test.terrain", "name": "X", "role": "admin", "password": NEW_PASSWORD},
        ),
        ("PATCH", f"/api/admin/users/{uid}", {"role": "admin"}),
        ("POST", f"/api/admin/users/{uid}/disable", None),
        ("POST", f"/api/admin/users/{uid}/enable", None),
        ("POST", f"/api/admin/users/{uid}/password", {"password": NEW_PASSWORD}),
        ("GET", "/api/admin/teams", None),
        ("POST", "/api/admin/teams", {"name": "Ghent"}),
        ("PATCH", f"/api/admin/teams/{tid}", {"name": "Mine"}),
        ("GET", "/api/admin/devices", None),
        ("POST", f"/api/admin/devices/{uuid.uuid4()}/revoke", {"wipe": True}),
    ]


def test_agents_get_403_on_every_admin_endpoint(client: TestClient, world: World) -> None:
    for method, url, body in _endpoints(world):
        r = client.request(method, url, json=body, headers=world.auth("agent"))
        assert r.status_code == 403, (method, url, r.text)
        assert r.json()["error"] == "permission_denied"
        assert client.request(method, url, json=body).status_code == 401
    assert client.get("/api/me", headers=world.auth("agent2")).json()["role"] == "agent"


def test_coordinators_only_read_users_and_teams(client: TestClient, world: World) -> None:
    reads = {"/api/admin/users", f"/api/admin/users/{world.agent2.id}", "/api/admin/teams"}
    for method, url, body in _endpoints(world):
        r = client.request(method, url, json=body, headers=world.auth("coordinator"))
        if method == "GET" and url in reads:
            assert r.status_code in (200, 404), (method, url)
        else:
            assert r.status_code == 403, (method, url, r.text)


def test_coordinator_reads_the_users_of_their_teams_only(client: TestClient, world: World) -> None:
    h = world.auth("coordinator")
    listed = client.get("/api/admin/users", headers=h).json()
    assert {u["email"] for u in listed["items"]} == {
        "agent@test.terrain",
        "coordinator@test.terrain",
    }
    assert listed["total"] == 2
    assert all("password_hash" not in u and "access_epoch" not in u for u in listed["items"])
    assert client.get(f"/api/admin/users/{world.agent.id}", headers=h).status_code == 200
    r = client.get(f"/api/admin/users/{world.agent2.id}", headers=h)
    assert r.status_code == 404 and "agent2" not in r.text
    assert client.get(f"/api/admin/users/{world.admin.id}", headers=h).status_code == 404
    teams = client.get("/api/admin/teams", headers=h).json()
    assert [(t["name"], t["member_count"]) for t in teams["items"]] == [("Brussels", 2)]


def test_admin_lists_and_filters_users(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    everyone = client.get("/api/admin/users", headers=h).json()
    assert everyone["total"] == 5
    agents = client.get("/api/admin/users", params={"role": "agent"}, headers=h).json()
    assert {u["email"] for u in agents["items"]} == {"agent@test.terrain", "agent2@test.terrain"}
    antwerp = client.get(
        "/api/admin/users", params={"team_id": str(world.antwerp.id)}, headers=h
    ).json()
    assert {u["email"] for u in antwerp["items"]} == {
        "agent2@test.terrain",
        "coordinator2@test.terrain",
    }
    assert antwerp["items"][0]["teams"] == [{"id": str(world.antwerp.id), "name": "Antwerp"}]
    found = client.get("/api/admin/users", params={"q": "COORD"}, headers=h).json()
    assert found["total"] == 2
    page = client.get("/api/admin/users", params={"limit": 2, "offset": 4}, headers=h).json()
    assert page["total"] == 5 and len(page["items"]) == 1


def test_create_user_then_log_in(client: TestClient, world: World, db: Session) -> None:
    r = client.post(
        "/api/admin/users",
        json={
            "email": " New.Agent@Test.Terrain ",
            "name": "New Agent",
            "role": "agent",
            "password": NEW_PASSWORD,
            "language": "nl",
            "team_ids": [str(world.antwerp.id)],
        },
        headers=world.auth("admin"),
    )
    assert r.status_code == 201, r.text
    user = r.json()
    assert user["email"] == "new.agent@test.terrain" and user["language"] == "nl"
    assert user["teams"] == [{"id": str(world.antwerp.id), "name": "Antwerp"}]
    assert "password" not in r.text and "argon2" not in r.text
    stored = db.get(User, uuid.UUID(user["id"]))
    assert stored is not None and stored.password_hash.startswith("$argon2id$")
    login = _login(client, "new.agent@test.terrain", NEW_PASSWORD)
    assert login.status_code == 200
    me = client.get("/api/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"})
    assert me.json()["teams"] == user["teams"]


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short1!", False),  # 7 characters
        ("password123", False),  # common
        ("Password123", False),  # common, whatever the case
        ("bruxelles123", False),  # common here
        ("qwertyuiop", False),
        ("eight ch", True),  # 8 characters, no composition rules
        ("a long passphrase of more than sixty four characters is welcome here!", True),
        ("x" * 128, True),
        ("y" * 129, False),  # only a guard against hashing abuse
    ],
)
def test_password_policy(client: TestClient, world: World, password: str, accepted: bool) -> None:
    r = client.post(
        "/api/admin/users",
        json={"email": "p@test.terrain", "name": "P", "role": "agent", "password": password},
        headers=world.auth("admin"),
    )
    if accepted:
        assert r.status_code == 201, r.text
        assert _login(client, "p@test.terrain", password).status_code == 200
    else:
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "weak_password" and r.json()["detail"]
        assert password not in r.text
        listed = client.get("/api/admin/users", params={"q": "p@test"}, headers=world.auth("admin"))
        assert listed.json()["total"] == 0


def test_create_user_rejects_bad_input(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    base = {"email": "q@test.terrain", "name": "Q", "role": "agent", "password": NEW_PASSWORD}
    r = client.post("/api/admin/users", json=base | {"email": "AGENT@test.terrain"}, headers=h)
    assert r.status_code == 422 and r.json()["error"] == "email_taken"
    r = client.post("/api/admin/users", json=base | {"team_ids": [str(uuid.uuid4())]}, headers=h)
    assert r.status_code == 422 and r.json()["error"] == "unknown_team"
    for body, loc, code in (
        (base | {"role": "superuser"}, ["role"], "enum"),
        (base | {"email": "not an email"}, ["email"], "invalid_email"),
        (base | {"language": "xx"}, ["language"], "enum"),
        ({k: v for k, v in base.items() if k != "name"}, ["name"], "missing"),
    ):
        r = client.post("/api/admin/users", json=body, headers=h)
        assert r.status_code == 422, body
        err = r.json()
        assert err["error"] == "validation_error"
        assert [(f["loc"], f["code"]) for f in err["fields"]] == [(loc, code)], err
    assert client.get("/api/admin/users", params={"q": "q@"}, headers=h).json()["total"] == 0


def test_create_user_ignores_mass_assignment(client: TestClient, world: World, db: Session) -> None:
    r = client.post(
        "/api/admin/users",
        json={
            "email": "m@test.terrain",
            "name": "M",
            "role": "agent",
            "password": NEW_PASSWORD,
            "is_active": False,
            "access_epoch": 41,
            "password_hash": "$argon2id$forged",
            "organisation_id": str(uuid.uuid4()),
            "created_at": "2001-01-01T00:00:00Z",
        },
        headers=world.auth("admin"),
    )
    assert r.status_code == 201
    stored = db.get(User, uuid.UUID(r.json()["id"]))
    assert stored is not None
    assert stored.is_active and stored.access_epoch == 0 and stored.organisation_id == world.org.id
    assert stored.created_at.year != 2001
    assert _login(client, "m@test.terrain", NEW_PASSWORD).status_code == 200


def _epoch(db: Session, user_id: uuid.UUID) -> int:
    user = db.get(User, user_id, populate_existing=True)
    assert user is not None
    return user.access_epoch


def test_update_user_bumps_the_access_epoch_only_for_role_or_teams(
    client: TestClient, world: World, db: Session
) -> None:
    url = f"/api/admin/users/{world.agent.id}"
    h = world.auth("admin")
    r = client.patch(url, json={"name": "Renamed Agent", "language": "ar"}, headers=h)
    assert r.status_code == 200 and r.json()["name"] == "Renamed Agent"
    assert r.json()["language"] == "ar" and _epoch(db, world.agent.id) == 0
    r = client.patch(url, json={"team_ids": [str(world.brussels.id)]}, headers=h)
    assert r.status_code == 200 and _epoch(db, world.agent.id) == 0  # same teams
    r = client.patch(
        url, json={"team_ids": [str(world.brussels.id), str(world.antwerp.id)]}, headers=h
    )
    assert [t["name"] for t in r.json()["teams"]] == ["Antwerp", "Brussels"]
    assert _epoch(db, world.agent.id) == 1
    r = client.patch(url, json={"role": "coordinator"}, headers=h)
    assert r.json()["role"] == "coordinator" and _epoch(db, world.agent.id) == 2
    r = client.patch(url, json={"role": "coordinator"}, headers=h)
    assert _epoch(db, world.agent.id) == 2
    r = client.patch(url, json={"team_ids": []}, headers=h)
    assert r.json()["teams"] == [] and _epoch(db, world.agent.id) == 3


def test_update_user_ignores_mass_assignment_and_validates(
    client: TestClient, world: World, db: Session
) -> None:
    url = f"/api/admin/users/{world.agent.id}"
    h = world.auth("admin")
    r = client.patch(
        url,
        json={
            "email": "hijack@test.terrain",
            "is_active": False,
            "access_epoch": 99,
            "password_hash": "x",
            "organisation_id": str(uuid.uuid4()),
        },
        headers=h,
    )
    assert r.status_code == 200
    assert r.json()["email"] == "agent@test.terrain" and r.json()["is_active"] is True
    assert _epoch(db, world.agent.id) == 0
    assert _login(client, "agent@test.terrain", PASSWORD).status_code == 200
    for body, code in (
        ({"role": None}, "required"),
        ({"role": "root"}, "enum"),
        ({"team_ids": "x"}, "list_type"),
    ):
        r = client.patch(url, json=body, headers=h)
        assert r.status_code == 422 and r.json()["fields"][0]["code"] == code, r.json()
    r = client.patch(url, json={"team_ids": [str(uuid.uuid4())]}, headers=h)
    assert r.status_code == 422 and r.json()["error"] == "unknown_team"
    r = client.patch(f"/api/admin/users/{uuid.uuid4()}", json={"name": "Ghost"}, headers=h)
    assert r.status_code == 404


def test_team_change_moves_what_the_user_sees_at_once(client: TestClient, world: World) -> None:
    made = client.post(
        "/api/sessions", json={"channel": "coffee_stand"}, headers=world.auth("agent2")
    ).json()
    url = f"/api/sessions/{made['id']}"
    assert client.get(url, headers=world.auth("agent")).status_code == 404
    r = client.patch(
        f"/api/admin/users/{world.agent.id}",
        json={"team_ids": [str(world.antwerp.id)]},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200
    assert client.get(url, headers=world.auth("agent")).status_code == 200


def test_admin_cannot_demote_or_disable_themselves(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    r = client.patch(f"/api/admin/users/{world.admin.id}", json={"role": "agent"}, headers=h)
    assert r.status_code == 422 and r.json()["error"] == "cannot_change_self"
    r = client.post(f"/api/admin/users/{world.admin.id}/disable", headers=h)
    assert r.status_code == 422 and r.json()["error"] == "cannot_change_self"
    assert client.get("/api/me", headers=h).json()["role"] == "admin"
    r = client.patch(f"/api/admin/users/{world.admin.id}", json={"name": "Still Admin"}, headers=h)
    assert r.status_code == 200


def test_set_password_ends_old_tokens(client: TestClient, world: World) -> None:
    url = f"/api/admin/users/{world.agent.id}/password"
    h = world.auth("admin")
    r = client.post(url, json={"password": "12345678"}, headers=h)
    assert r.status_code == 422 and r.json()["error"] == "weak_password"
    assert client.get("/api/me", headers=world.auth("agent")).status_code == 200
    assert client.post(url, json={"password": NEW_PASSWORD}, headers=h).status_code == 204
    r = client.get("/api/me", headers=world.auth("agent"))
    assert r.status_code == 401 and r.json()["error"] == "not_authenticated"  # no wipe
    assert _login(client, "agent@test.terrain", PASSWORD).status_code == 401
    assert _login(client, "agent@test.terrain", NEW_PASSWORD).status_code == 200


def test_teams_list_create_update(client: TestClient, world: World) -> None:
    h = world.auth("admin")
    listed = client.get("/api/admin/teams", headers=h).json()
    assert [(t["name"], t["member_count"]) for t in listed["items"]] == [
        ("Antwerp", 2),
        ("Brussels", 2),
    ]
    r = client.post(
        "/api/admin/teams",
        json={"name": "Ghent", "city": "Gent", "id": str(uuid.uuid4())},
        headers=h,
    )
    assert r.status_code == 201 and r.json()["member_count"] == 0
    ghent = r.json()
    r = client.post("/api/admin/teams", json={"name": "ghent"}, headers=h)
    assert r.status_code == 409 and r.json()["error"] == "team_name_taken"
    r = client.post("/api/admin/teams", json={"name": ""}, headers=h)
    assert r.status_code == 422 and r.json()["fields"][0]["loc"] == ["name"]
    r = client.patch(
        f"/api/admin/teams/{ghent['id']}", json={"name": "Gent", "city": None}, headers=h
    )
    assert r.status_code == 200 and r.json()["name"] == "Gent" and r.json()["city"] is None
    r = client.patch(f"/api/admin/teams/{ghent['id']}", json={"name": "Brussels"}, headers=h)
    assert r.status_code == 409
    r = client.patch(f"/api/admin/teams/{world.brussels.id}", json={"city": "Bruxelles"}, headers=h)
    assert r.json()["member_count"] == 2 and r.json()["name"] == "Brussels"
    assert (
        client.patch(f"/api/admin/teams/{uuid.uuid4()}", json={"city": "x"}, headers=h).status_code
        == 404
    )
    assert client.get("/api/admin/teams", headers=h).json()["total"] == 3


def test_devices_listed_with_last_use_and_revoked_at_once(client: TestClient, world: World) -> None:
    phone = _login(client, "agent@test.terrain", PASSWORD, "phone").json()["access_token"]
    tablet = _login(client, "agent@test.terrain", PASSWORD, "tablet").json()["access_token"]
    h = world.auth("admin")
    listed = client.get(
        "/api/admin/devices", params={"user_id": str(world.agent.id)}, headers=h
    ).json()
    assert listed["total"] == 3  # the fixture's test device, the phone, the tablet
    by_name = {d["name"]: d for d in listed["items"]}
    assert set(by_name) == {"test", "phone", "tablet"}
    assert all(d["last_used_at"] and d["active"] for d in listed["items"])
    assert by_name["phone"]["user_email"] == "agent@test.terrain"
    assert "token" not in str(listed)
    # Revoke the phone: its very next request is refused, the tablet keeps working.
    r = client.post(f"/api/admin/devices/{by_name['phone']['id']}/revoke", headers=h)
    assert r.status_code == 200
    assert r.json()["revoked_at"] and not r.json()["active"] and not r.json()["wipe_requested"]
    r = client.get("/api/me", headers={"Authorization": f"Bearer {phone}"})
    assert r.status_code == 401 and r.json()["error"] == "not_authenticated"
    assert client.get("/api/me", headers={"Authorization": f"Bearer {tablet}"}).status_code == 200
    # Revoke with wipe: the tablet is told to delete its local data.
    r = client.post(
        f"/api/admin/devices/{by_name['tablet']['id']}/revoke", json={"wipe": True}, headers=h
    )
    assert r.json()["wipe_requested"] is True
    r = client.get("/api/me", headers={"Authorization": f"Bearer {tablet}"})
    assert r.status_code == 401 and r.json()["error"] == "wipe_requested"
    live = client.get(
        "/api/admin/devices",
        params={"user_id": str(world.agent.id), "include_revoked": False},
        headers=h,
    ).json()
    assert [d["name"] for d in live["items"]] == ["test"]
    everyone = client.get("/api/admin/devices", headers=h).json()
    assert everyone["total"] == 7
    r = client.post(f"/api/admin/devices/{uuid.uuid4()}/revoke", headers=h)
    assert r.status_code == 404
