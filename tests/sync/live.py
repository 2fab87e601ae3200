"""A real server on a private database: for tests that need real commits and concurrency
(several connections, threads, Server-Sent Events)."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from sqlalchemy import Engine
from sqlmodel import Session

from api import migrate
from api.config import Settings
from api.db import get_session, make_engine
from api.main import create_app
from api.users import service as user_service
from api.users.models import Organisation, Team, TeamMember, User
from api.users.security import hash_password
from api.vocab import Role
from sync import events
from tests.conftest import PASSWORD, PG_URL, _create_pg_database, _drop_pg_database

USERS = {
    "agent": (Role.agent, "brussels"),
    "agent2": (Role.agent, "antwerp"),
    "coordinator": (Role.coordinator, "brussels"),
}


@dataclass
class Live:
    url: str
    engine: Engine
    tokens: dict[str, str] = field(default_factory=dict)
    users: dict[str, uuid.UUID] = field(default_factory=dict)
    teams: dict[str, uuid.UUID] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=60)


def _seed(live: Live, settings: Settings) -> None:
    with Session(live.engine, expire_on_commit=False) as s:
        org = Organisation(name="Live test")
        s.add(org)
        s.flush()
        for name in ("brussels", "antwerp"):
            team = Team(organisation_id=org.id, name=name.title())
            s.add(team)
            s.flush()
            live.teams[name] = team.id
        hashed = hash_password(PASSWORD)
        for who, (role, team_name) in USERS.items():
            user = User(
                organisation_id=org.id,
                email=f"{who}@live.terrain",
                name=who,
                role=role.value,
                password_hash=hashed,
            )
            s.add(user)
            s.flush()
            s.add(TeamMember(team_id=live.teams[team_name], user_id=user.id))
            token = user_service.create_device_token(
                s, user=user, device_name="t", settings=settings
            )
            live.tokens[who] = token.token
            live.users[who] = user.id
        s.commit()


def private_database(backend: str, tmp: Path) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp / 'live.sqlite3'}"
    assert PG_URL
    return _create_pg_database(PG_URL)


def serve(backend: str, tmp: Path, settings: Settings) -> Iterator[Live]:
    url = private_database(backend, tmp)
    engine = make_engine(url)
    migrate.upgrade(engine)
    app = create_app()

    def session() -> Iterator[Session]:
        with Session(engine, expire_on_commit=False) as s:
            yield s

    app.dependency_overrides[get_session] = session
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    live = Live(url=f"http://127.0.0.1:{port}", engine=engine)
    _seed(live, settings)
    try:
        yield live
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
        events.stop_listeners()
        engine.dispose()
        if backend == "postgresql":
            assert PG_URL
            _drop_pg_database(PG_URL, url)
