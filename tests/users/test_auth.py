from __future__ import annotations

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.config import Settings
from api.users import service as user_service
from api.users.models import TeamMember
from tests.conftest import PASSWORD, World


def test_login_returns_bearer_token_bound_to_a_device(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/auth/token",
        data={"username": "Agent@test.terrain", "password": PASSWORD, "device_name": "phone"},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    me = client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["email"] == "agent@test.terrain"
    assert me.json()["teams"] == [{"id": str(world.brussels.id), "name": "Brussels"}]


def test_wrong_password_is_401_with_error_shape(client: TestClient, world: World) -> None:
    r = client.post("/api/auth/token", data={"username": "agent@test.terrain", "password": "x" * 9})
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_credentials"


def test_logout_revokes_the_token(client: TestClient, world: World, db: Session) -> None:
    headers = world.auth("agent")
    assert client.post("/api/auth/logout", headers=headers).status_code == 204
    r = client.get("/api/me", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"] == "not_authenticated"


def test_the_actor_carries_every_team_of_the_user_and_none_for_none(
    db: Session, world: World, settings: Settings
) -> None:
    db.add(TeamMember(team_id=world.antwerp.id, user_id=world.coordinator.id))
    db.commit()
    both = user_service.authenticate(db, token=world.tokens["coordinator"], settings=settings)
    assert both.team_ids == {world.brussels.id, world.antwerp.id}
    admin = user_service.authenticate(db, token=world.tokens["admin"], settings=settings)
    assert admin.team_ids == frozenset() and admin.user.id == world.admin.id
