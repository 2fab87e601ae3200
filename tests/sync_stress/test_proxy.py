"""Syncs through a loopback proxy that cuts connections after a random number of bytes or
delays them past the client's timeout. The reference client retries; in the end the
server holds every mutation once and every client's copy equals the server.

TERRAIN_PROXY_SYNCS syncs (the specification's figure is 200; CI default 60).
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from tests.support.databases import FreshDatabase, Seed
from tests.support.model import Sent, field_writes, merge_problems, snapshot
from tests.support.proxy import Fault, TcpProxy
from tests.support.server import ServerProcess
from tests.support.sync_client import AGENT_CONSENT, SyncClient
from tests.sync_stress.conftest import env_int
from tests.sync_stress.workload import Effects, phone_number, unique

SYNCS = env_int("TERRAIN_PROXY_SYNCS", 60)
CLIENT_TIMEOUT_S = 1.0
PEOPLE = ("agent", "agent_b", "coordinator")


class FaultyNetwork:
    """Per connection: mostly fine, otherwise cut in the request, cut in the response
    (the push was applied: a lost acknowledgement), slow, or slower than the client waits."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.enabled = True
        self.kinds: Counter[str] = Counter()

    def __call__(self, _index: int) -> Fault:
        if not self.enabled:
            return Fault()
        roll = self.rng.random()
        kind, fault = "clean", Fault()
        if roll < 0.15:
            kind, fault = "cut_request", Fault(cut_request_after=self.rng.randint(0, 2000))
        elif roll < 0.30:
            kind, fault = "cut_response", Fault(cut_response_after=self.rng.randint(0, 600))
        elif roll < 0.36:
            kind = "cut_response_reset"
            fault = Fault(cut_response_fraction=self.rng.uniform(0.05, 0.95), reset=True)
        elif roll < 0.44:
            kind, fault = "slow", Fault(delay_s=self.rng.uniform(0.01, 0.2))
        elif roll < 0.47:
            # The answer comes after the client gave up: applied, never acknowledged.
            kind, fault = "late_response", Fault(response_delay_s=CLIENT_TIMEOUT_S * 1.3)
        elif roll < 0.48:
            kind, fault = "late_request", Fault(delay_s=CLIENT_TIMEOUT_S * 1.3)
        self.kinds[kind] += 1
        return fault


@pytest.fixture
def network(server: ServerProcess) -> Iterator[tuple[TcpProxy, FaultyNetwork]]:
    faults = FaultyNetwork(random.Random())
    with TcpProxy(server.port, policy=faults) as proxy:
        yield proxy, faults


def _local_writes(client: SyncClient, known: list[str], rng: random.Random) -> None:
    for _ in range(rng.randint(0, 12)):
        roll = rng.random()
        if not known or roll < 0.25:
            fields = {
                "first_name": unique("Px"),
                "phone": phone_number(),
                "language": "en",
                "channel": "community_meeting",
            }
            known.append(client.create_lead(fields, consent=AGENT_CONSENT).args["id"])
        elif roll < 0.6:
            name = rng.choice(("commune", "sector", "campaign", "project_idea"))
            client.patch_lead(rng.choice(known), {name: unique(name[:3])})
        else:
            client.add_interaction(rng.choice(known), body=unique("seen "))


def test_syncs_through_a_faulty_network_converge(
    network: tuple[TcpProxy, FaultyNetwork],
    server: ServerProcess,
    fresh_db: FreshDatabase,
    seeded: Seed,
) -> None:
    proxy, faults = network
    rng = random.Random()
    http = httpx.Client(
        base_url=proxy.base_url,
        timeout=CLIENT_TIMEOUT_S,
        limits=httpx.Limits(max_keepalive_connections=0),
    )
    clients = {
        who: SyncClient(http, seeded[who].headers(), backoff_s=(0.005, 0.05), max_attempts=200)
        for who in PEOPLE
    }
    known: list[str] = []
    engine = fresh_db.engine()
    try:
        for _ in range(SYNCS):
            client = clients[rng.choice(PEOPLE)]
            _local_writes(client, known, rng)
            client.push(chunk_size=rng.choice((3, 10, 100)))
            client.pull()

        # The network heals; everyone syncs twice (the second pull sees the others' pushes).
        faults.enabled = False
        for _round in range(2):
            for client in clients.values():
                client.sync()
        problems = _final_problems(clients, engine, http)
    finally:
        engine.dispose()
        http.close()
    assert not problems, problems
    cut = sum(n for kind, n in faults.kinds.items() if kind != "clean")
    print(f"proxy faults over {SYNCS} syncs: {dict(faults.kinds)}")
    assert cut >= max(1, SYNCS // 10), f"too few faults to prove anything: {dict(faults.kinds)}"


def _final_problems(
    clients: dict[str, SyncClient], engine: Engine, http: httpx.Client
) -> list[str]:
    problems: list[str] = []
    every = [m for c in clients.values() for m in c.history]
    effects = Effects.of(every)
    snap = snapshot(
        engine,
        lead_ids=effects.leads,
        interaction_ids=effects.interactions,
        client_ids=[c.client_id for c in clients.values()],
    )
    for who, client in clients.items():
        if client.outbox or snap.last_ids.get(client.client_id) != len(client.history):
            problems.append(f"{who}: {len(client.outbox)} left, server at {snap.last_ids}")
    if set(snap.leads) != set(effects.leads):
        problems.append(f"leads: {len(snap.leads)} stored, {len(effects.leads)} made")
    if set(snap.interactions) != set(effects.interactions) or any(
        n != 1 for n in snap.interactions.values()
    ):
        problems.append(f"interactions: {len(snap.interactions)} vs {len(effects.interactions)}")
    if any(snap.followups[lead] != 1 for lead in effects.leads):
        problems.append(f"first follow-ups: {Counter(snap.followups.values())}")
    if snap.rejected:
        problems.append(f"refused: {sorted(snap.rejected)}")
    sent = [Sent(c.client_id, m) for c in clients.values() for m in c.history]
    problems += merge_problems(field_writes(sent), snap)
    # Server state = client state: each copy equals a fresh full pull and the stored rows.
    for who, client in clients.items():
        fresh = SyncClient(http, client.headers)
        fresh.pull()
        if client.records != fresh.records:
            problems.append(f"{who}: local copy differs from a fresh pull")
        for lead_id, value in client.values("lead").items():
            row = snap.leads.get(lead_id)
            if row is None or any(
                value.get(name) != row[name] for name in ("commune", "sector", "campaign")
            ):
                problems.append(f"{who}: lead {lead_id} differs from the server")
    return problems
