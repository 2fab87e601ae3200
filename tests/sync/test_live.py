"""Against a real server with real commits: T8 (paging while another thread pushes), replay
of a batch 5 times one after another and all at once, pokes over Server-Sent Events."""

from __future__ import annotations

import asyncio
import os
import random
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, insert, select
from sqlmodel import col

from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Consent, Lead
from api.sessions.models import Tally
from api.syncapi import router as sync_router
from sync import cookie as cookies
from sync import events
from sync.models import SyncConflict, SyncRejected
from sync.space import bump_version
from sync.sqltypes import table_of, utcnow
from tests.sync.helpers import Phone, now_ms, stamp
from tests.sync.live import Live

# The protocol's figure; a smaller one makes a quicker local run.
T8_ROWS = int(os.environ.get("TERRAIN_T8_ROWS", "10000"))


def _seed_leads(live: Live, n: int) -> list[uuid.UUID]:
    """n Brussels leads written as a bulk import would: space bumped per chunk."""
    ids = [uuid.uuid4() for _ in range(n)]
    now = utcnow()
    with live.engine.begin() as conn:
        for start in range(0, n, 1000):
            version = bump_version(conn)
            rows = [
                {
                    "id": lead_id,
                    "team_id": live.teams["brussels"],
                    "first_name": "Seeded",
                    "phone": "+32470123456",
                    "language": "fr",
                    "needs": ["credit"],
                    "channel": "event",
                    "status": "new",
                    "first_touch_at": now,
                    "last_touch_at": now,
                    "status_changed_at": now,
                    "created_by": live.users["coordinator"],
                    "created_at": now,
                    "updated_at": now,
                    "version": version,
                    "field_hlc": {"first_name": stamp(now_ms(), 0, "server")},
                }
                for lead_id in ids[start : start + 1000]
            ]
            conn.execute(insert(table_of(Lead)), rows)
    return ids


def _server_versions(live: Live, upper: int) -> dict[str, int]:
    """Every lead the agent may see, with its version, among those at or below `upper`."""
    with live.engine.connect() as conn:
        rows = conn.execute(
            select(Lead.id, Lead.version).where(
                col(Lead.version) <= upper, col(Lead.deleted_at).is_(None)
            )
        )
        return {str(r.id): r.version for r in rows}


def test_t8_paging_while_another_thread_pushes_misses_nothing(live: Live) -> None:
    seeded = _seed_leads(live, T8_ROWS)
    stop = threading.Event()
    pushes: list[int] = []
    failures: list[BaseException] = []

    def pusher() -> None:
        try:
            with live.http() as http:
                writer = Phone(http, live.auth("coordinator"))
                rng = random.Random(8)
                while not stop.is_set():
                    batch = [
                        writer.mutation(
                            "lead.patch",
                            {"id": str(rng.choice(seeded)), "set": {"commune": f"C{len(pushes)}"}},
                        )
                        for _ in range(20)
                    ]
                    batch += [writer.create_lead() for _ in range(5)]
                    writer.push(batch)
                    pushes.append(len(batch))
        except BaseException as exc:
            failures.append(exc)

    thread = threading.Thread(target=pusher)
    with live.http() as http:
        reader = Phone(http, live.auth("agent"))
        thread.start()
        try:
            cycles = 0
            while cycles < 3 or not pushes:
                pushes_before = len(pushes)
                pages = reader.pull(limit=500)
                cycles += 1
                ops = [(op["type"], op["id"]) for page in pages for op in page["patch"]]
                assert len(ops) == len(set(ops)), "a row came twice in one pull cycle"
                assert all(len(page["patch"]) <= 500 for page in pages)
                state = cookies.decode(reader.cookie)
                assert state is not None and state.cursor is None
                # Every row at or below the cycle's bound is there, at its exact version.
                for lead_id, version in _server_versions(live, state.upper).items():
                    assert reader.records[("lead", lead_id)]["version"] == version
                if cycles == 1:
                    assert len(pushes) > pushes_before or len(pages) > 1
        finally:
            stop.set()
            thread.join(60)
        assert not failures, failures
        reader.pull()
        state = cookies.decode(reader.cookie)
        assert state is not None
        server = _server_versions(live, state.upper)
        replica = {i: v["version"] for (t, i), v in reader.records.items() if t == "lead"}
        assert replica == server
        assert len(replica) >= T8_ROWS
        # The commune written last for each lead is what the phone holds.
        with live.engine.connect() as conn:
            communes = {r.id: r.commune for r in conn.execute(select(Lead.id, Lead.commune))}
        assert all(
            reader.records[("lead", str(k))].get("commune") == c for k, c in communes.items()
        )


def _replay_batch(p: Phone) -> list[dict[str, Any]]:
    leads = [uuid.uuid4() for _ in range(5)]
    session_id = uuid.uuid4()
    batch: list[dict[str, Any]] = [p.create_lead(lead) for lead in leads]
    for lead in leads:
        batch.append(
            p.mutation(
                "interaction.add",
                {
                    "id": str(uuid.uuid4()),
                    "lead_id": str(lead),
                    "kind": "conversation",
                    "occurred_at": "2026-11-20T10:00:00Z",
                },
            )
        )
        batch.append(p.mutation("lead.patch", {"id": str(lead), "set": {"status": "contacted"}}))
    batch.append(
        p.mutation(
            "session.create",
            {
                "id": str(session_id),
                "fields": {"channel": "coffee_stand", "started_at": "2026-11-20T09:00:00Z"},
            },
        )
    )
    for _ in range(3):
        batch.append(
            p.mutation(
                "tally.add",
                {
                    "id": str(uuid.uuid4()),
                    "session_id": str(session_id),
                    "kind": "coffees",
                    "delta": 7,
                    "occurred_at": "2026-11-20T11:00:00Z",
                },
            )
        )
    older = stamp(now_ms() - 60_000, 0, p.client)
    batch.append(
        p.mutation("lead.patch", {"id": str(leads[0]), "set": {"commune": "Old"}}, hlc=older)
    )
    batch.append(p.mutation("lead.patch", {"id": str(leads[1]), "set": {"phone": "0"}}))
    return batch


def _effects(live: Live, p: Phone, batch: list[dict[str, Any]]) -> dict[str, int]:
    leads = [uuid.UUID(m["args"]["id"]) for m in batch if m["name"] == "lead.create"]
    session_id = next(m["args"]["id"] for m in batch if m["name"] == "session.create")
    with live.engine.connect() as conn:

        def n(model: Any, column: Any, values: list[Any]) -> int:
            stmt = select(func.count()).select_from(model).where(column.in_(values))
            return int(conn.execute(stmt).scalar_one())

        return {
            "leads": n(Lead, col(Lead.id), leads),
            "interactions": n(Interaction, col(Interaction.lead_id), leads),
            "followups": n(Followup, col(Followup.lead_id), leads),
            "consents": n(Consent, col(Consent.lead_id), leads),
            "conflicts": n(SyncConflict, col(SyncConflict.entity_id), leads),
            "rejected": n(SyncRejected, col(SyncRejected.client_id), [p.client]),
            "tally_sum": int(
                conn.execute(
                    select(func.coalesce(func.sum(Tally.delta), 0)).where(
                        col(Tally.session_id) == uuid.UUID(session_id)
                    )
                ).scalar_one()
            ),
        }


# Per batch: 5 leads, 5 conversations + 5 status changes, 5 first follow-ups, 5 consents,
# one lost same-field edit, one rejected mutation, 3 x 7 coffees.
EXPECTED = {
    "leads": 5,
    "interactions": 10,
    "followups": 5,
    "consents": 5,
    "conflicts": 1,
    "rejected": 1,
    "tally_sum": 21,
}


def test_replaying_a_batch_5_times_sequentially_creates_no_duplicates(live: Live) -> None:
    with live.http() as http:
        p = Phone(http, live.auth("agent"))
        batch = _replay_batch(p)
        bodies = [p.push(batch) for _ in range(5)]
    assert {b["lastMutationID"] for b in bodies} == {len(batch)}
    assert all(b["results"][-1]["code"] == "invalid_input" for b in bodies)
    assert _effects(live, p, batch) == EXPECTED


def test_replaying_a_batch_5_times_concurrently_creates_no_duplicates(live: Live) -> None:
    with live.http() as http:
        p = Phone(http, live.auth("agent"))
        batch = _replay_batch(p)
    body = p.body(batch)
    gate = threading.Barrier(5)
    answers: list[httpx.Response] = []

    def send() -> None:
        with live.http() as http:
            gate.wait()
            answers.append(http.post("/api/sync/push", json=body, headers=p.headers))

    threads = [threading.Thread(target=send) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [a.status_code for a in answers] == [200] * 5, [a.text for a in answers]
    assert {a.json()["lastMutationID"] for a in answers} == {len(batch)}
    assert _effects(live, p, batch) == EXPECTED


def _listen(
    live: Live, who: str, seen: list[str], connected: threading.Event, poked: threading.Event
) -> None:
    with httpx.stream(
        "GET", f"{live.url}/api/sync/events", headers=live.auth(who), timeout=30
    ) as r:
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/event-stream")
        for line in r.iter_lines():
            seen.append(line)
            if line == ": connected":
                connected.set()
            if line == "event: poke":
                poked.set()
                return


def test_push_pokes_event_streams_of_those_who_may_see_it(
    live: Live, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sync_router, "STREAM_MAX_S", 4.0)
    streams = {}
    for who in ("agent", "agent2"):
        seen: list[str] = []
        connected, poked = threading.Event(), threading.Event()
        thread = threading.Thread(target=_listen, args=(live, who, seen, connected, poked))
        thread.start()
        assert connected.wait(10), seen
        streams[who] = (thread, seen, poked)
    if live.engine.dialect.name == "postgresql":
        listener = events.ensure_listener(
            live.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        )
        assert listener.listening.wait(10)
    with live.http() as http:
        writer = Phone(http, live.auth("coordinator"))  # Brussels
        writer.push([writer.create_lead()])
    assert streams["agent"][2].wait(10), streams["agent"][1]
    for thread, _seen, _poked in streams.values():
        thread.join(10)
    assert not streams["agent2"][2].is_set()  # Antwerp may not see it: no poke


@contextmanager
def another_process(live: Live) -> Iterator[events.Broadcaster]:
    """The broadcaster of another app process: on PostgreSQL its own, fed by its own LISTEN
    connection; on SQLite (one process) this one's."""
    if live.engine.dialect.name != "postgresql":
        yield events.broadcaster
        return
    other = events.Broadcaster()
    dsn = live.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    listener = events.PgListener(dsn, other, poll_s=0.2)
    listener.start()
    try:
        assert listener.listening.wait(10)
        yield other
    finally:
        listener.stop()


def test_poke_crosses_processes(live: Live) -> None:
    """Another app process has its own broadcaster; on PostgreSQL the push's NOTIFY reaches
    it through that process's LISTEN connection (on SQLite there is one process)."""

    def push() -> None:
        with live.http() as http:
            writer = Phone(http, live.auth("agent"))
            writer.push([writer.create_lead()])

    async def scenario() -> tuple[bool, bool]:
        brussels = other.subscribe({f"team:{live.teams['brussels']}"})
        antwerp = other.subscribe({f"team:{live.teams['antwerp']}"})
        await asyncio.get_running_loop().run_in_executor(None, push)
        got = await brussels.wait(10)
        stray = await antwerp.wait(0.5)
        return got, stray

    with another_process(live) as other:
        got, stray = asyncio.run(scenario())
    assert got and not stray


def test_rest_lead_writes_poke_other_processes(live: Live) -> None:
    """A REST create and patch (the NOTIFY sent with the COMMIT in one round trip on
    PostgreSQL, api/syncapi/local.py) reach another process's LISTEN connection, and the
    connections they gave back serve the next requests."""
    consent = {
        "purposes": ["contact"],
        "text_version": "2026-01",
        "text_sha256": "0" * 64,
        "language": "fr",
        "channel": "agent",
    }

    def write(http: httpx.Client, n: int) -> None:
        body = {
            "first_name": f"Rest {n}",
            "phone": f"+3248000{n:04d}",
            "channel": "walk_in",
            "consent": consent,
        }
        created = http.post("/api/leads", json=body, headers=live.auth("coordinator"))
        assert created.status_code == 201, created.text
        lead_id = created.json()["id"]
        patched = http.patch(
            f"/api/leads/{lead_id}", json={"commune": "Ixelles"}, headers=live.auth("coordinator")
        )
        assert patched.status_code == 200, patched.text
        assert patched.json()["commune"] == "Ixelles"
        assert patched.json()["version"] > created.json()["version"]

    async def scenario() -> list[bool]:
        got = []
        with live.http() as http:
            for n in range(3):
                brussels = other.subscribe({f"team:{live.teams['brussels']}"})
                await asyncio.get_running_loop().run_in_executor(None, write, http, n)
                got.append(await brussels.wait(10))
            listed = http.get("/api/leads", headers=live.auth("coordinator"))
            assert listed.status_code == 200
        return got

    with another_process(live) as other:
        got = asyncio.run(scenario())
    assert got == [True, True, True]
