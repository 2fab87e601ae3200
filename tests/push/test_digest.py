"""The morning digest: one push per user and day at the user's hour, held in quiet hours,
enqueued once however many workers run (the clock is injected)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlmodel import Session

from api.leads.rules import BRUSSELS, first_followup_due
from api.push.models import PushPreference
from api.push.webpush import Sender
from api.push.worker import PushWorker
from tests.push.conftest import Person, PushEnv


def _at(day: datetime, hh: int, mm: int) -> datetime:
    return datetime.combine(day.date(), time(hh, mm), tzinfo=BRUSSELS).astimezone(UTC)


def _five_due(env: PushEnv) -> tuple[Person, datetime]:
    """An agent with five follow-ups due on the returned day (every new lead gets a first
    call due two days later, assigned to its creator)."""
    agent = env.person(language="en")
    env.subscribe(agent)
    for _ in range(5):
        env.lead(agent)
    created = datetime.now(UTC)
    due = first_followup_due(created)
    return agent, datetime.combine(due, time(12), tzinfo=BRUSSELS)


def test_five_followups_due_make_one_push_at_the_digest_time(push_env: PushEnv) -> None:
    env = push_env
    _, day = _five_due(env)
    idle = env.person()  # subscribed, nothing due: no digest
    env.subscribe(idle)

    env.clock.now = _at(day, 7, 29)
    env.drain()
    assert env.receiver.received == []

    env.clock.now = _at(day, 7, 30)
    env.drain()
    [digest] = env.receiver.received
    assert digest.payload == {
        "type": "digest",
        "count": 5,
        "url": "/#/today",
        "title": "Terrain",
        "body": "5 follow-ups to do today",
    }
    for minutes in (1, 15, 120):
        env.clock.now = _at(day, 7, 30) + timedelta(minutes=minutes)
        env.drain()
    assert len(env.receiver.received) == 1  # one per day

    env.clock.now = _at(day + timedelta(days=1), 7, 30)
    env.drain()
    assert [m.payload["count"] for m in env.receiver.received] == [5, 5]  # still not done


def test_no_digest_in_quiet_hours_it_comes_when_they_end(push_env: PushEnv) -> None:
    env = push_env
    agent, day = _five_due(env)
    with Session(env.engine) as session:
        session.add(
            PushPreference(
                user_id=agent.id,
                quiet_start=time(22),
                quiet_end=time(8),
                digest_time=time(6, 45),
            )
        )
        session.commit()
    for hh, mm in ((6, 45), (7, 0), (7, 59)):
        env.clock.now = _at(day, hh, mm)
        env.drain()
    assert env.receiver.received == []
    env.clock.now = _at(day, 8, 0)
    env.drain()
    assert [m.payload["count"] for m in env.receiver.received] == [5]


def test_the_users_hour_and_switch(push_env: PushEnv) -> None:
    env = push_env
    late, day = _five_due(env)
    off, _ = _five_due(env)
    for who, body in ((late, {"digest_time": "09:10"}), (off, {"digest": False})):
        r = env.client.put("/api/push/preferences", json=body, headers=who.auth)
        assert r.status_code == 200
    env.clock.now = _at(day, 9, 9)
    env.drain()
    assert env.receiver.received == []
    env.clock.now = _at(day, 9, 10)
    env.drain()
    assert len(env.receiver.received) == 1  # late's; off gets none


def test_several_workers_enqueue_the_day_once(push_env: PushEnv) -> None:
    env = push_env
    _five_due(env)
    _, day = _five_due(env)
    env.clock.now = _at(day, 7, 30)
    workers = [
        PushWorker(
            env.engine,
            Sender(env.vapid, "mailto:push@localhost"),
            allowed_hosts=env.allowed_hosts,
            clock=env.clock,
            digest_every_s=0,
        )
        for _ in range(3)
    ]
    for _ in range(2):
        for worker in workers:
            worker.run_once()
    assert sorted(m.token for m in env.receiver.received) == sorted(
        set(m.token for m in env.receiver.received)
    )
    assert len(env.receiver.received) == 2
