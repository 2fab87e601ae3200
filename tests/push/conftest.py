"""Push tests: a fresh migrated database per test (the worker commits for real, on its own
connections), the real app on it, and the loopback push receiver of
tests/support/push_receiver.py. The worker is driven by hand (`env.drain()`) with an
injected clock, so quiet hours, digests and Retry-After are tested without waiting."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session

from api.config import DEFAULT_PUSH_HOSTS, get_settings
from api.db import get_engine, reset_engine
from api.main import create_app
from api.push.keys import VapidKeys, pem_of, public_key_of
from api.push.webpush import Sender
from api.push.worker import PushWorker
from api.users import service as user_service
from api.users.models import Organisation, Team, TeamMember, User
from api.users.security import hash_password
from api.vocab import Role
from tests.scratch import BACKENDS, scratch_database
from tests.support.push_receiver import PushReceiver

_HASH = hash_password("correct horse battery")
CONSENT: dict[str, Any] = {
    "purposes": ["contact"],
    "text_version": "2026-01",
    "text_sha256": "ab" * 32,
    "language": "fr",
}


@pytest.fixture(scope="session")
def vapid() -> VapidKeys:
    key = ec.generate_private_key(ec.SECP256R1())
    return VapidKeys(key, public_key_of(key), "test")


@pytest.fixture
def receiver(vapid: VapidKeys) -> Iterator[PushReceiver]:
    r = PushReceiver(vapid.public_key).start()
    yield r
    r.stop()


@dataclass
class Person:
    id: uuid.UUID
    token: str
    device_id: uuid.UUID

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Clock:
    """The real time moved by the test: requests stamp what they queue with the real
    time, and the worker must see those stamps in its past."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    @property
    def now(self) -> datetime:
        return self()

    @now.setter
    def now(self, when: datetime) -> None:
        self.offset = when - datetime.now(UTC)

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@dataclass
class PushEnv:
    client: TestClient
    engine: Engine
    receiver: PushReceiver
    vapid: VapidKeys
    allowed_hosts: str
    org_id: uuid.UUID
    team_id: uuid.UUID
    other_team_id: uuid.UUID
    clock: Clock = field(default_factory=Clock)
    _worker: PushWorker | None = None

    def person(
        self, role: Role = Role.agent, *, team: uuid.UUID | None = None, language: str = "en"
    ) -> Person:
        with Session(self.engine, expire_on_commit=False) as session:
            user = User(
                organisation_id=self.org_id,
                email=f"{role.value}-{uuid.uuid4().hex[:10]}@push.test",
                name="Someone",
                role=role.value,
                password_hash=_HASH,
                language=language,
            )
            session.add(user)
            session.flush()
            if role != Role.admin:
                session.add(TeamMember(team_id=team or self.team_id, user_id=user.id))
            issued = user_service.create_device_token(
                session, user=user, device_name="phone", settings=get_settings()
            )
            session.commit()
            return Person(user.id, issued.token, issued.device.id)

    def another_device(self, person: Person) -> Person:
        with Session(self.engine, expire_on_commit=False) as session:
            user = session.get(User, person.id)
            assert user is not None
            issued = user_service.create_device_token(
                session, user=user, device_name="tablet", settings=get_settings()
            )
            session.commit()
            return Person(person.id, issued.token, issued.device.id)

    def subscribe(self, person: Person) -> str:
        """Subscribe the person's device as its browser would; the receiver's token."""
        sub = self.receiver.subscribe()
        r = self.client.post("/api/push/subscriptions", json=sub, headers=person.auth)
        assert r.status_code == 201, r.text
        return str(sub["endpoint"]).rsplit("/", 1)[-1]

    def lead(self, by: Person, **fields: Any) -> str:
        body = {
            "first_name": "Amina",
            "phone": "0470 12 34 56",
            "channel": "coffee_stand",
            "language": "fr",
            "consent": dict(CONSENT),
            **fields,
        }
        r = self.client.post("/api/leads", json=body, headers=by.auth)
        assert r.status_code == 201, r.text
        return str(r.json()["id"])

    def assign(self, lead_id: str, agent: Person, by: Person) -> None:
        r = self.client.post(
            f"/api/leads/{lead_id}/assign", json={"agent_id": str(agent.id)}, headers=by.auth
        )
        assert r.status_code == 200, r.text

    def worker(self) -> PushWorker:
        if self._worker is None:
            self._worker = PushWorker(
                self.engine,
                Sender(self.vapid, "mailto:push@localhost"),
                allowed_hosts=self.allowed_hosts,
                clock=self.clock,
                digest_every_s=0,
                threads=4,
            )
        return self._worker

    def drain(self) -> int:
        """Run the worker until nothing more is due now; the rows it handled."""
        total = 0
        while handled := self.worker().run_once():
            total += handled
        return total


@pytest.fixture(params=BACKENDS)
def push_env(
    request: pytest.FixtureRequest, tmp_path: Path, receiver: PushReceiver, vapid: VapidKeys
) -> Iterator[PushEnv]:
    allowed = f"{DEFAULT_PUSH_HOSTS},{receiver.host}"
    with scratch_database(request.param, tmp_path) as url:
        keys = {
            "TERRAIN_DATABASE_URL": url,
            "TERRAIN_DATA_DIR": str(tmp_path / "data"),
            "TERRAIN_PUSH_ALLOWED_HOSTS": allowed,
            "TERRAIN_VAPID_PRIVATE_KEY": pem_of(vapid.private_key).decode(),
            # The tests run the worker themselves, with their clock.
            "TERRAIN_PUSH_WORKER": "false",
        }
        saved = {k: os.environ.get(k) for k in keys}
        os.environ.update(keys)
        get_settings.cache_clear()
        reset_engine()
        try:
            engine = get_engine()
            with Session(engine) as session:
                org = Organisation(name="Push test")
                session.add(org)
                session.flush()
                teams = [Team(organisation_id=org.id, name=n) for n in ("Brussels", "Antwerp")]
                session.add_all(teams)
                session.commit()
                ids = (org.id, teams[0].id, teams[1].id)
            with TestClient(create_app()) as client:
                env = PushEnv(client, engine, receiver, vapid, allowed, *ids)
                yield env
                if env._worker is not None:
                    env._worker.stop()
            engine.dispose()
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            get_settings.cache_clear()
            reset_engine()
