"""Sync test fixtures: phones (sync clients) for the world's users, and row counts."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from api.config import Settings
from api.users import service as user_service
from api.users.models import TeamMember, User
from api.users.security import hash_password
from api.vocab import Role
from tests.conftest import PASSWORD, World
from tests.sync.helpers import Phone
from tests.sync.live import Live, serve

PhoneFactory = Callable[..., Phone]


@pytest.fixture
def phone(client: TestClient, world: World) -> PhoneFactory:
    def make(who: str = "agent") -> Phone:
        return Phone(client, world.auth(who))

    return make


@pytest.fixture
def peer_headers(db: Session, world: World, settings: Settings) -> dict[str, str]:
    """A second agent of the Brussels team."""
    user = User(
        organisation_id=world.org.id,
        email="peer@test.terrain",
        name="Peer",
        role=Role.agent.value,
        password_hash=hash_password(PASSWORD),
        language="en",
    )
    db.add(user)
    db.flush()
    db.add(TeamMember(team_id=world.brussels.id, user_id=user.id))
    token = user_service.create_device_token(db, user=user, device_name="t", settings=settings)
    db.commit()
    return {"Authorization": f"Bearer {token.token}"}


def count(db: Session, model: type[SQLModel]) -> int:
    return int(db.execute(select(func.count()).select_from(model)).scalar_one())


@pytest.fixture(scope="module")
def live(
    backend: str, settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Live]:
    """A uvicorn server in a thread on its own migrated database (real commits)."""
    yield from serve(backend, tmp_path_factory.mktemp("live"), settings)
