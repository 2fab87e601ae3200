"""The outbox against real `terrain serve` processes: a restart with messages queued sends
each once, and two instances on one PostgreSQL database send each once."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from sqlalchemy import Engine, func, select
from sqlmodel import Session

from api.config import DEFAULT_PUSH_HOSTS, Settings
from api.db import make_engine
from api.push import outbox
from api.push.keys import VapidKeys, b64url, pem_of
from api.push.models import PushOutbox, PushSubscription
from api.push.outbox import Kind
from api.users import service as user_service
from api.users.models import Organisation, Team, TeamMember, User
from api.vocab import Role
from tests.scratch import BACKENDS, PG_URL, scratch_database, terrain_env
from tests.support.push_receiver import PushReceiver, Received, unb64u
from tests.support.server import ServerProcess

F = TypeVar("F", bound=Callable[..., None])


def postgresql_only(test: F) -> F:
    test.__dict__["__test__"] = PG_URL is not None
    return test


def queue_messages(engine: Engine, receiver: PushReceiver, count: int) -> None:
    """`count` agents with one subscribed phone each, and one assignment push queued for
    each, written as a request would write them (the outbox's own insert)."""
    settings = Settings()
    with Session(engine, expire_on_commit=False) as session:
        org = Organisation(name="Instances")
        session.add(org)
        session.flush()
        team = Team(organisation_id=org.id, name="Team")
        session.add(team)
        session.flush()
        agents = []
        for _ in range(count):
            user = User(
                organisation_id=org.id,
                email=f"{uuid.uuid4().hex[:12]}@push.test",
                name="Agent",
                role=Role.agent.value,
                password_hash="-",
                language="fr",
            )
            session.add(user)
            session.flush()
            session.add(TeamMember(team_id=team.id, user_id=user.id))
            device = user_service.create_device_token(
                session, user=user, device_name="phone", settings=settings
            ).device
            sub = receiver.subscribe()
            session.add(
                PushSubscription(
                    user_id=user.id,
                    device_id=device.id,
                    endpoint=sub["endpoint"],
                    p256dh=sub["keys"]["p256dh"],
                    auth=sub["keys"]["auth"],
                )
            )
            agents.append(user.id)
        session.commit()
    with engine.begin() as conn:
        for agent in agents:
            outbox.to_users(conn, Kind.assigned, [agent])


def queued(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(PushOutbox)).scalar_one())


def server_env(workdir: Path, url: str, vapid: VapidKeys, receiver: PushReceiver) -> dict[str, str]:
    env = terrain_env(workdir, url)
    env["TERRAIN_VAPID_PRIVATE_KEY"] = pem_of(vapid.private_key).decode()
    env["TERRAIN_PUSH_ALLOWED_HOSTS"] = f"{DEFAULT_PUSH_HOSTS},{receiver.host}"
    env["TERRAIN_PUSH_LEASE_S"] = "10"
    return env


def wait_until(check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture(params=BACKENDS)
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Engine]]:
    with scratch_database(request.param, tmp_path) as url:
        engine = make_engine(url)
        yield url, engine
        engine.dispose()


def assert_each_once(receiver: PushReceiver, count: int) -> None:
    tokens = Counter(m.token for m in receiver.received)
    assert len(tokens) == count and set(tokens.values()) == {1}, tokens.most_common(3)
    assert receiver.refused == []


def test_a_restart_with_messages_queued_sends_each_once(
    database: tuple[str, Engine], tmp_path: Path, vapid: VapidKeys, receiver: PushReceiver
) -> None:
    url, engine = database
    total = 200  # more than one claim (64)
    queue_messages(engine, receiver, total)
    receiver.delay_s = 0.05  # a slow push service: the drain is still going when we stop
    env = server_env(tmp_path / "a", url, vapid, receiver)

    first = ServerProcess.terrain(env, tmp_path / "first.log").start()
    first.wait_ready()
    wait_until(lambda: len(receiver.received) >= 8)
    first.stop()  # SIGTERM: the batch in flight is finished and recorded
    assert "Application shutdown complete" in first.log
    sent_before = len(receiver.received)
    assert sent_before < total and queued(engine) == total - sent_before

    second = ServerProcess.terrain(env, tmp_path / "second.log").start()
    try:
        second.wait_ready()
        wait_until(lambda: queued(engine) == 0)
    finally:
        second.stop()
    assert_each_once(receiver, total)
    # The private key in any form: its PEM lines, the raw scalar in base64url.
    secrets = pem_of(vapid.private_key).decode().strip().splitlines()[1:-1]
    secrets.append(b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big")))
    for server in (first, second):
        assert "Traceback" not in server.log and "ERROR" not in server.log
        assert "/push/" not in server.log and "PRIVATE KEY" not in server.log
        assert not [s for s in secrets if s in server.log]


def sender_of(message: Received) -> str:
    """Which instance signed a push: the `sub` claim of its VAPID token."""
    token = dict(
        part.strip().split("=", 1)
        for part in message.headers["authorization"].partition(" ")[2].split(",")
    )["t"]
    return str(json.loads(unb64u(token.split(".")[1]))["sub"])


@postgresql_only
def test_two_instances_send_each_message_once(
    tmp_path: Path, vapid: VapidKeys, receiver: PushReceiver
) -> None:
    total = 240
    with scratch_database("postgresql", tmp_path) as url:
        engine = make_engine(url)
        try:
            receiver.delay_s = 0.05  # a slow push service: the drain spans both workers' polls
            servers = []
            for name in ("a", "b"):
                env = server_env(tmp_path / name, url, vapid, receiver)
                env["TERRAIN_VAPID_SUBJECT"] = f"mailto:{name}@push.test"  # who sent what
                servers.append(ServerProcess.terrain(env, tmp_path / f"{name}.log"))
            for server in servers:
                server.start(wait=False)
            try:
                for server in servers:
                    server.wait_ready()
                # Queued (in one transaction) once both are draining: both claim from it.
                queue_messages(engine, receiver, total)
                wait_until(lambda: queued(engine) == 0)
            finally:
                for server in servers:
                    server.stop()
            assert_each_once(receiver, total)
            by_sender = Counter(sender_of(m) for m in receiver.received)
            # Both really sent (else "once" would prove nothing about two instances).
            assert set(by_sender) == {"mailto:a@push.test", "mailto:b@push.test"}, by_sender
        finally:
            engine.dispose()
