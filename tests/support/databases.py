"""Fresh, migrated databases with a small seeded organisation, for tests and benchmarks
that need real commits across processes (a server subprocess, concurrent writers)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, make_url, text
from sqlmodel import Session

from api import migrate
from api.config import Settings
from api.db import make_engine
from api.users import service as user_service
from api.users.models import Organisation, Team, TeamMember, User
from api.users.security import hash_password
from api.vocab import Role

PASSWORD = "correct horse battery"
DEFAULT_PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"


def pg_admin_url() -> str:
    """The PostgreSQL server to create scratch databases on."""
    return os.environ.get("TERRAIN_TEST_DATABASE_URL") or DEFAULT_PG_ADMIN_URL


@dataclass
class FreshDatabase:
    """A migrated database of one backend that nobody else uses; `drop()` removes it."""

    backend: str
    url: str
    admin_url: str | None = None

    def engine(self) -> Engine:
        return make_engine(self.url)

    def drop(self) -> None:
        if self.backend == "sqlite":
            path = Path(make_url(self.url).database or "")
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        assert self.admin_url
        name = make_url(self.url).database
        admin = make_engine(self.admin_url)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def create_database(backend: str, workdir: Path, admin_url: str | None = None) -> FreshDatabase:
    """Create and migrate a new database (an SQLite file in `workdir`, or a new PG database)."""
    if backend == "sqlite":
        url = f"sqlite:///{workdir / f'terrain-{uuid.uuid4().hex[:8]}.sqlite3'}"
        fresh = FreshDatabase(backend, url)
    else:
        admin_url = admin_url or pg_admin_url()
        name = f"terrain_stress_{uuid.uuid4().hex[:10]}"
        admin = make_engine(admin_url)
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        fresh = FreshDatabase(backend, url, admin_url)
    engine = make_engine(fresh.url)
    migrate.upgrade(engine)
    engine.dispose()
    return fresh


@dataclass(frozen=True)
class Person:
    name: str
    id: uuid.UUID
    role: Role
    team_ids: frozenset[uuid.UUID]
    token: str

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class Seed:
    """Teams and people of a seeded database, each person with a bearer token."""

    teams: dict[str, uuid.UUID]
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Person:
        return self.people[name]


# name → (role, team); "brussels"/"antwerp" are team keys, None is no team.
DEFAULT_PEOPLE: dict[str, tuple[Role, str | None]] = {
    "agent": (Role.agent, "brussels"),
    "agent_b": (Role.agent, "brussels"),
    "agent2": (Role.agent, "antwerp"),
    "coordinator": (Role.coordinator, "brussels"),
    "admin": (Role.admin, None),
}


def seed(
    url: str, people: dict[str, tuple[Role, str | None]] | None = None, *, extra_agents: int = 0
) -> Seed:
    """An organisation with teams Brussels and Antwerp and the given people (default:
    DEFAULT_PEOPLE plus `extra_agents` Brussels agents named bench0, bench1 …)."""
    wanted = dict(people or DEFAULT_PEOPLE)
    for n in range(extra_agents):
        wanted[f"bench{n}"] = (Role.agent, "brussels")
    settings = Settings()
    engine = make_engine(url)
    password_hash = hash_password(PASSWORD)
    with Session(engine, expire_on_commit=False) as session:
        org = Organisation(name="Stress microfinance")
        session.add(org)
        session.flush()
        teams = {
            key: Team(organisation_id=org.id, name=f"{key.title()} {uuid.uuid4().hex[:6]}")
            for key in ("brussels", "antwerp")
        }
        session.add_all(teams.values())
        session.flush()
        result = Seed(teams={key: team.id for key, team in teams.items()})
        for name, (role, team_key) in wanted.items():
            user = User(
                organisation_id=org.id,
                email=f"{name}.{uuid.uuid4().hex[:6]}@stress.terrain",
                name=name.title(),
                role=role.value,
                password_hash=password_hash,
                language="en",
            )
            session.add(user)
            session.flush()
            team_ids: frozenset[uuid.UUID] = frozenset()
            if team_key is not None:
                session.add(TeamMember(team_id=teams[team_key].id, user_id=user.id))
                team_ids = frozenset({teams[team_key].id})
            token = user_service.create_device_token(
                session, user=user, device_name="stress", settings=settings
            ).token
            result.people[name] = Person(name, user.id, role, team_ids, token)
        session.commit()
    engine.dispose()
    return result
