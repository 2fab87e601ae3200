"""The reference client's recovery paths against the real server: a batch over the
server's limit (413 → halve), a server that lost the client's state (409 → new clientID,
re-send pending, nothing doubles)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine, delete
from sqlmodel import Session, col

from sync.models import SyncClient as SyncClientRow
from sync.protocol import MAX_MUTATIONS
from tests.support.databases import FreshDatabase, Seed
from tests.support.server import ServerProcess
from tests.support.sync_client import AGENT_CONSENT, SyncClient
from tests.sync_stress.workload import client_snapshot, phone_number, unique


@pytest.fixture
def engine(fresh_db: FreshDatabase) -> Iterator[Engine]:
    eng = fresh_db.engine()
    yield eng
    eng.dispose()


@pytest.fixture
def http(server: ServerProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=60) as client:
        yield client


def _lead(client: SyncClient) -> str:
    fields = {
        "first_name": unique("Rc"),
        "phone": phone_number(),
        "language": "nl",
        "channel": "event",
    }
    lead_id: str = client.create_lead(fields, consent=AGENT_CONSENT).args["id"]
    return lead_id


def test_too_large_a_batch_is_halved(http: httpx.Client, seeded: Seed, engine: Engine) -> None:
    client = SyncClient(http, seeded["agent"].headers())
    lead = _lead(client)
    for n in range(MAX_MUTATIONS + 100):
        client.add_interaction(lead, body=f"tally {n}")
    client.push(chunk_size=MAX_MUTATIONS + 101)
    assert client.stats.halvings >= 1
    assert client.outbox == [] and client.acked_up_to == MAX_MUTATIONS + 101
    snap = client_snapshot(engine, client)
    assert len(snap.interactions) == MAX_MUTATIONS + 100
    assert snap.last_ids[client.client_id] == MAX_MUTATIONS + 101


def test_lost_client_state_is_resent_under_a_new_client_id(
    http: httpx.Client, seeded: Seed, engine: Engine
) -> None:
    client = SyncClient(http, seeded["agent"].headers())
    leads = [_lead(client) for _ in range(3)]
    client.push()
    # More work offline, part of it pushed but unacknowledged (the answer was lost)...
    for lead in leads:
        client.add_interaction(lead, body=unique("after "))
        client.patch_lead(lead, {"sector": unique("s")})
    body = client.push_body(client.next_batch(3))
    assert client.post_push(body).status_code == 200
    old_id = client.client_id
    # ...then the server is restored from a backup that predates this client.
    with Session(engine) as session:
        session.execute(delete(SyncClientRow).where(col(SyncClientRow.id) == uuid.UUID(old_id)))
        session.commit()
    client.push()
    assert client.stats.client_resets == 1 and client.client_id != old_id
    assert client.outbox == []
    snap = client_snapshot(engine, client)
    assert set(snap.leads) == set(leads)
    assert sorted(snap.interactions.values()) == [1, 1, 1]
    assert all(snap.followups[lead] == 1 for lead in leads)
    assert snap.last_ids[client.client_id] == 6
