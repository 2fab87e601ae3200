"""T1 over a real server process: any batch replayed 5 times, one after another or all at
once, creates 0 duplicates — no row, conflict or rejection twice, same answer each time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from tests.support.databases import FreshDatabase, Seed
from tests.support.model import Sent, Snapshot, field_writes, merge_problems, snapshot
from tests.support.server import ServerProcess
from tests.support.sync_client import AGENT_CONSENT, SyncClient
from tests.sync_stress.workload import Effects, phone_number, unique

COPIES = 5


@pytest.fixture
def engine(fresh_db: FreshDatabase) -> Iterator[Engine]:
    eng = fresh_db.engine()
    yield eng
    eng.dispose()


def _batch(client: SyncClient, shared: list[str], session: str) -> list[int]:
    """100 mutations: creates, interactions, tallies, patches racing another agent on
    shared leads, and 5 the server must refuse. Returns the ids meant to be refused."""
    refused: list[int] = []
    mine: list[str] = []
    for n in range(100):
        kind = n % 10
        if kind in (0, 1):
            fields = {
                "first_name": unique("Rp"),
                "phone": phone_number(),
                "language": "ar",
                "channel": "coffee_stand",
            }
            mine.append(client.create_lead(fields, consent=AGENT_CONSENT).args["id"])
        elif kind in (2, 3, 4):
            client.add_interaction((mine or shared)[-1], body=unique("talk "))
        elif kind == 5:
            client.add_tally(session, delta=3)
        elif kind in (6, 7, 8):
            lead = shared[n % len(shared)]
            client.patch_lead(lead, {"commune": unique("Com"), "sector": unique("Sec")})
        elif n % 20 == 9:
            refused.append(client.mutate("lead.frobnicate", {"id": shared[0]}).id)
        else:
            bad = {"id": shared[0], "set": {"email": "not an e-mail"}, "base": {}}
            refused.append(client.mutate("lead.patch", bad).id)
    return refused


def _state(engine: Engine, clients: list[SyncClient]) -> Snapshot:
    every = [m for c in clients for m in c.history]
    effects = Effects.of(every)
    return snapshot(
        engine,
        lead_ids=effects.leads,
        interaction_ids=effects.interactions,
        tally_ids=list(effects.tallies),
        client_ids=[c.client_id for c in clients],
    )


def _statuses(body: dict[str, Any]) -> dict[int, str]:
    return {r["id"]: r["status"] for r in body["results"]}


def _send_concurrently(base_url: str, body: dict[str, Any], headers: dict[str, str]) -> list[Any]:
    barrier = threading.Barrier(COPIES)
    answers: list[Any] = []
    lock = threading.Lock()

    def send() -> None:
        with httpx.Client(base_url=base_url, timeout=60) as http:
            barrier.wait()
            response = http.post("/api/sync/push", json=body, headers=headers)
        with lock:
            answers.append((response.status_code, response.json()))

    threads = [threading.Thread(target=send) for _ in range(COPIES)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return answers


def test_replayed_batches_change_nothing(
    server: ServerProcess, seeded: Seed, engine: Engine
) -> None:
    http = httpx.Client(base_url=server.base_url, timeout=60)
    other = SyncClient(http, seeded["agent_b"].headers())
    phone = SyncClient(http, seeded["agent"].headers())
    try:
        # Shared leads, known to both; then the other agent edits them while the phone is
        # offline, so the phone's patches race (conflicts that must be recorded once).
        shared = [
            other.create_lead(
                {
                    "first_name": unique("Sh"),
                    "phone": phone_number(),
                    "language": "fr",
                    "channel": "shop_visit",
                },
                consent=AGENT_CONSENT,
            ).args["id"]
            for _ in range(5)
        ]
        session = phone.create_session({"title": unique("Stand ")}).args["id"]
        other.sync()
        phone.sync()
        for lead in shared:
            other.patch_lead(lead, {"commune": unique("Oc"), "sector": unique("Os")})
        other.sync()

        # Sequentially: the first application, then 4 replays of the very same request.
        refused = _batch(phone, shared, session)
        body = phone.push_body(phone.next_batch())
        answers = [phone.post_push(body) for _ in range(COPIES)]
        first = _state(engine, [phone, other])
        _check_first_application(first, phone, refused)
        for response in answers:
            assert response.status_code == 200, response.text
            assert response.json()["lastMutationID"] == phone.next_id - 1
            assert _statuses(response.json()) == _statuses(answers[0].json())
        phone.acknowledge(answers[0].json()["lastMutationID"])
        assert _state(engine, [phone, other]) == first

        # Concurrently: a new batch sent 5 times at once, then the first one again.
        refused += _batch(phone, shared, session)
        body2 = phone.push_body(phone.next_batch())
        concurrent = _send_concurrently(server.base_url, body2, phone.headers)
        assert {status for status, _ in concurrent} == {200}, concurrent
        top = phone.next_id - 1
        assert {a["lastMutationID"] for _, a in concurrent} == {top}
        assert len({tuple(sorted(_statuses(a).items())) for _, a in concurrent}) == 1
        second = _state(engine, [phone, other])
        _check_first_application(second, phone, refused)
        for _status, answer in _send_concurrently(server.base_url, body, phone.headers):
            assert answer["lastMutationID"] == top
        for _status, answer in _send_concurrently(server.base_url, body2, phone.headers):
            assert answer["lastMutationID"] == top
        assert _state(engine, [phone, other]) == second
        phone.acknowledge(top)
        assert phone.outbox == []
    finally:
        http.close()


def _check_first_application(snap: Snapshot, phone: SyncClient, refused: list[int]) -> None:
    last = snap.last_ids[phone.client_id]
    assert last == phone.next_id - 1
    assert sorted(snap.rejected) == [(phone.client_id, n) for n in sorted(refused)]
    assert set(snap.rejected.values()) == {1}
    effects = Effects.of(phone.history)
    assert set(effects.leads) <= set(snap.leads)
    assert set(snap.interactions) == set(effects.interactions)
    assert snap.tallies == effects.tallies
    assert all(snap.followups[lead] == 1 for lead in snap.leads)
    applied = [m for m in phone.history if m.id not in refused]
    assert snap.conflicts, "the racing patches must have left conflicts"
    problems = merge_problems(field_writes([Sent(phone.client_id, m) for m in applied]), snap)
    # Only the phone's writes are modelled here; the other agent's values are fine too.
    assert all("lost" not in p and "twice" not in p and "times" not in p for p in problems), (
        problems
    )
