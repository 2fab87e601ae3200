"""The hot reads' threads (api/deps.py `OneHopRoute`): however many browsers ask at once,
at most HOT_READ_THREADS of their requests run on threads, the others wait their turn and
are all answered."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel

from api import deps
from api.leads import timeline
from api.users.actor import Actor
from tests.conftest import World


class _Answer(BaseModel):
    n: int


def test_at_most_hot_read_threads_answer_at_once(
    client: TestClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = threading.Lock()
    running, most, answered = 0, 0, 0

    def slow_detail(*_args: Any, **_kwargs: Any) -> _Answer:
        nonlocal running, most, answered
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)  # a slow read: the others pile up meanwhile
        with lock:
            running -= 1
            answered += 1
            return _Answer(n=answered)

    monkeypatch.setattr(timeline, "lead_detail", slow_detail)
    # No database work in the requests: the tests' requests share one session, which is
    # not for concurrent use (the real server opens one per request).
    coordinator = Actor(user=world.coordinator, device=None, team_ids=frozenset())  # type: ignore[arg-type]
    monkeypatch.setattr(deps, "request_actor", lambda _request, _session: coordinator)
    asked = 3 * deps.HOT_READ_THREADS

    def ask(_n: int) -> int:
        r = client.get(f"/api/leads/{uuid.uuid4()}", headers=world.auth("coordinator"))
        assert r.status_code == 200, r.text
        return int(r.json()["n"])

    with ThreadPoolExecutor(max_workers=asked) as pool:
        answers = list(pool.map(ask, range(asked)))

    assert sorted(answers) == list(range(1, asked + 1))
    # Bounded, and still parallel: a read waiting on its database does not hold up others.
    assert most == deps.HOT_READ_THREADS
