"""Test harness: schema built once through Alembic per database, each test in a
rolled-back transaction, the real app with its session dependency overridden.

SQLite always; PostgreSQL too when TERRAIN_TEST_DATABASE_URL is set. Each run gets its
own PostgreSQL database, so parallel runs on one server never see each other.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, make_url, text
from sqlmodel import Session

from api import migrate
from api.config import Settings, get_settings
from api.db import get_engine, get_session, make_engine, reset_engine
from api.main import create_app
from api.users import service as user_service
from api.users.models import Organisation, Team, TeamMember, User
from api.users.security import hash_password
from api.vocab import Role
from tests.support.browser import CHROMIUM, CHROMIUM_ARGS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

# The log canaries watch every test (PD-7).
pytest_plugins = ["tests.support.logcanary"]

PG_URL = os.environ.get("TERRAIN_TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])
PASSWORD = "correct horse battery"


def _create_pg_database(admin_url: str) -> str:
    name = f"terrain_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def _drop_pg_database(admin_url: str, url: str) -> None:
    name = make_url(url).database
    admin = make_engine(admin_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A freshly migrated database of each backend, for the whole run."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("db") / "terrain.sqlite3"
        url = f"sqlite:///{path}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        yield url
        return
    assert PG_URL
    url = _create_pg_database(PG_URL)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    _drop_pg_database(PG_URL, url)


@pytest.fixture(scope="module", params=BACKENDS)
def live_database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A migrated database only one module's live server uses (real commits, seen across
    threads and processes), for tests that run the app under uvicorn."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('live-db') / 'terrain.sqlite3'}"
    else:
        assert PG_URL
        url = _create_pg_database(PG_URL)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    if request.param != "sqlite":
        assert PG_URL
        _drop_pg_database(PG_URL, url)


@pytest.fixture(scope="session")
def backend(database_url: str) -> str:
    return "sqlite" if database_url.startswith("sqlite") else "postgresql"


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    data_dir = tmp_path_factory.mktemp("data")
    saved = {k: os.environ.get(k) for k in ("TERRAIN_DATABASE_URL", "TERRAIN_DATA_DIR")}
    os.environ["TERRAIN_DATABASE_URL"] = database_url
    os.environ["TERRAIN_DATA_DIR"] = str(data_dir)
    get_settings.cache_clear()
    reset_engine()
    yield get_settings()
    get_engine().dispose()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    reset_engine()


@pytest.fixture(scope="session")
def engine(settings: Settings) -> Engine:
    return get_engine()


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test; the services'
    commits become savepoint releases."""
    with engine.connect() as conn:
        trans = conn.begin()
        session = Session(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            trans.rollback()


@pytest.fixture
def app(db: Session, settings: Settings) -> Iterator[FastAPI]:
    application = create_app()

    def _session() -> Iterator[Session]:
        yield db

    application.dependency_overrides[get_session] = _session
    yield application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


@dataclass
class World:
    """A small organisation: two teams, an agent in each, a coordinator, an admin."""

    org: Organisation
    brussels: Team
    antwerp: Team
    agent: User
    agent2: User
    coordinator: User
    coordinator2: User
    admin: User
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


_HASH = hash_password(PASSWORD)


def _user(db: Session, org: Organisation, email: str, role: Role, team: Team | None) -> User:
    user = User(
        organisation_id=org.id,
        email=email,
        name=email.split("@")[0].title(),
        role=role.value,
        password_hash=_HASH,
        language="en",
    )
    db.add(user)
    db.flush()
    if team is not None:
        db.add(TeamMember(team_id=team.id, user_id=user.id))
    return user


@pytest.fixture
def world(db: Session, settings: Settings) -> World:
    org = Organisation(name="Test microfinance")
    db.add(org)
    db.flush()
    brussels = Team(organisation_id=org.id, name="Brussels", city="Brussels")
    antwerp = Team(organisation_id=org.id, name="Antwerp", city="Antwerp")
    db.add_all([brussels, antwerp])
    db.flush()
    users = {
        "agent": _user(db, org, "agent@test.terrain", Role.agent, brussels),
        "agent2": _user(db, org, "agent2@test.terrain", Role.agent, antwerp),
        "coordinator": _user(db, org, "coordinator@test.terrain", Role.coordinator, brussels),
        "coordinator2": _user(db, org, "coordinator2@test.terrain", Role.coordinator, antwerp),
        "admin": _user(db, org, "admin@test.terrain", Role.admin, None),
    }
    tokens = {
        name: user_service.create_device_token(
            db, user=user, device_name="test", settings=settings
        ).token
        for name, user in users.items()
    }
    db.commit()
    return World(org=org, brussels=brussels, antwerp=antwerp, tokens=tokens, **users)


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return Path(__file__).resolve().parent.parent


# One Playwright driver for the whole session (the sync API allows only one at a time),
# shared by every browser test (tests/pwa, tests/web).
@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests run last: the session-wide Playwright driver keeps an event loop on
    the main thread, and a later `asyncio.run()` in another test would then fail."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
