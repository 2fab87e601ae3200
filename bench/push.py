"""P10 push: 10,000 queued messages to a local receiver, and the outbox's added cost on the
request that triggers a push.

    python -m bench.push --db both [--messages 10000] [--requests 300] [--json out.json]

1. **Sending.** `--messages` subscriptions (one phone each) with one assignment push queued
   for each, drained by the real worker (`api/push/worker.py`: claims, pywebpush's
   encryption and VAPID signing, 8 sends at a time, outcomes recorded) to a receiver in its
   own process that answers 201 like a push service (it does not decrypt: the tests do).
   Messages per second from the first claim until the outbox is empty.
2. **Triggering request.** `POST /api/leads/{id}/assign` over HTTP against the real app
   under uvicorn, alternating the lead between two agents who each have two subscribed
   devices, so every request writes two outbox rows. Baseline in the same run: the same
   requests with the push trigger replaced by a no-op (the request without push).
   Interleaved rounds; p50/p95 of each and the p95 difference (target ≤ 2 ms).
3. **Triggering transaction.** The same comparison without HTTP, so that less noise hides
   it: a write transaction (the space version bumped, as every write does) committed with
   and without the outbox insert for an agent with two subscribed devices.
"""

from __future__ import annotations

import multiprocessing
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import Engine, func, insert, select
from sqlmodel import Session

from api.config import DEFAULT_PUSH_HOSTS, Settings
from api.push import outbox, triggers
from api.push.keys import VapidKeys, b64url, public_key_of
from api.push.models import PushOutbox, PushSubscription
from api.push.outbox import Kind
from api.push.webpush import Sender
from api.push.worker import PushWorker
from api.users import service as user_service
from api.users.models import Device, Organisation, Team, TeamMember, User
from api.vocab import Role
from bench.common import (
    backends,
    database_version,
    machine,
    parser,
    percentile,
    print_table,
    write_json,
)
from sync.space import bump_version
from sync.sqltypes import table_of, utcnow
from tests.scratch import app_in_thread
from tests.support.databases import create_database

CONSENT = {"purposes": ["contact"], "text_version": "b", "text_sha256": "ab" * 32, "language": "fr"}


# ---- a push service in its own process ---------------------------------------------------


def _serve(port_out: Any, count: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", "0")))
            with count.get_lock():
                count.value += 1
            self.send_response(201)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_out.value = server.server_address[1]
    server.serve_forever()


@contextmanager
def receiver() -> Iterator[tuple[str, Any]]:
    ctx = multiprocessing.get_context("spawn")
    port, count = ctx.Value("i", 0), ctx.Value("i", 0)
    proc = ctx.Process(target=_serve, args=(port, count), daemon=True)
    proc.start()
    while port.value == 0:
        time.sleep(0.01)
    try:
        yield f"127.0.0.1:{port.value}", count
    finally:
        proc.terminate()
        proc.join()


# ---- people and subscriptions, written in bulk ------------------------------------------


def browser_keys() -> dict[str, str]:
    key = ec.generate_private_key(ec.SECP256R1())
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return {"p256dh": b64url(point), "auth": b64url(uuid.uuid4().bytes)}


def people(engine: Engine, host: str, count: int, *, devices: int = 1) -> list[uuid.UUID]:
    """`count` agents of one team, each with `devices` subscribed phones; their ids."""
    now = utcnow()
    with Session(engine) as session:
        org = Organisation(name="Bench")
        session.add(org)
        session.flush()
        team = Team(organisation_id=org.id, name=f"Team {uuid.uuid4().hex[:6]}")
        session.add(team)
        session.commit()
        org_id, team_id = org.id, team.id
    users, members, device_rows, subs = [], [], [], []
    keys = browser_keys()  # one key pair for all: key generation is not what is measured
    for _ in range(count):
        uid = uuid.uuid4()
        users.append(
            {
                "id": uid,
                "organisation_id": org_id,
                "email": f"{uid.hex}@bench.test",
                "name": "Agent",
                "role": Role.agent.value,
                "password_hash": "-",
                "language": "fr",
                "is_active": True,
                "access_epoch": 0,
                "created_at": now,
                "updated_at": now,
            }
        )
        members.append({"team_id": team_id, "user_id": uid})
        for _ in range(devices):
            did = uuid.uuid4()
            device_rows.append(
                {
                    "id": did,
                    "user_id": uid,
                    "name": "phone",
                    "token_hash": uuid.uuid4().hex + uuid.uuid4().hex,
                    "created_at": now,
                    "expires_at": now + timedelta(days=30),
                    "wipe_requested": False,
                }
            )
            subs.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": uid,
                    "device_id": did,
                    "endpoint": f"http://{host}/push/{uuid.uuid4().hex}",
                    "created_at": now,
                    **keys,
                }
            )
    with engine.begin() as conn:
        for model, rows in (
            (User, users),
            (TeamMember, members),
            (Device, device_rows),
            (PushSubscription, subs),
        ):
            conn.execute(insert(table_of(model)), rows)
    return [u["id"] for u in users]


def queued(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(PushOutbox)).scalar_one())


# ---- 1. sending -------------------------------------------------------------------------


def bench_sending(backend: str, pg_url: str, messages: int) -> dict[str, Any]:
    key = ec.generate_private_key(ec.SECP256R1())
    vapid = VapidKeys(key, public_key_of(key), "bench")
    with tempfile.TemporaryDirectory() as tmp, receiver() as (host, count):
        db = create_database(backend, Path(tmp), pg_url if backend == "postgresql" else None)
        engine = db.engine()
        try:
            agents = people(engine, host, messages)
            with engine.begin() as conn:
                for i in range(0, len(agents), 500):
                    outbox.to_users(conn, Kind.assigned, agents[i : i + 500])
            assert queued(engine) == messages
            worker = PushWorker(
                engine,
                Sender(vapid, "mailto:bench@localhost"),
                allowed_hosts=f"{DEFAULT_PUSH_HOSTS},{host}",
                digest_every_s=3600,
            )
            started = time.perf_counter()
            while worker.run_once():
                pass
            seconds = time.perf_counter() - started
            worker.stop()
            assert queued(engine) == 0 and count.value == messages, (queued(engine), count.value)
            version = database_version(engine)
        finally:
            engine.dispose()
            db.drop()
    return {
        "database": version,
        "messages": messages,
        "seconds": seconds,
        "messages_per_s": messages / seconds,
    }


# ---- 2. the triggering request ----------------------------------------------------------


def _noop(*_args: Any, **_kwargs: Any) -> None:
    return None


def bench_request(backend: str, pg_url: str, requests: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = create_database(backend, Path(tmp), pg_url if backend == "postgresql" else None)
        engine = db.engine()
        try:
            result = _request_rounds(db.url, Path(tmp), engine, requests, rounds)
            result["database"] = database_version(engine)
        finally:
            engine.dispose()
            db.drop()
    return result


def _request_rounds(
    url: str, tmp: Path, engine: Engine, requests: int, rounds: int
) -> dict[str, Any]:
    a, b = people(engine, "fcm.googleapis.com", 2, devices=2)
    with Session(engine, expire_on_commit=False) as session:
        team_id = session.execute(
            select(TeamMember.team_id).where(TeamMember.user_id == a)
        ).scalar_one()
        coordinator = User(
            organisation_id=session.execute(
                select(User.organisation_id).where(User.id == a)
            ).scalar_one(),
            email="coordinator@bench.test",
            name="Coordinator",
            role=Role.coordinator.value,
            password_hash="-",
        )
        session.add(coordinator)
        session.flush()
        session.add(TeamMember(team_id=team_id, user_id=coordinator.id))
        token = user_service.create_device_token(
            session, user=coordinator, device_name="laptop", settings=Settings()
        ).token
        session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    timings: dict[str, list[float]] = {"push": [], "no push": []}
    real = triggers.lead_assigned
    with (
        app_in_thread(url, tmp / "data") as base,
        httpx.Client(base_url=base, headers=headers) as http,
    ):
        lead_ids = []
        for n in range(20):
            body = {
                "first_name": f"P{n}",
                "phone": f"+3247000{n:04d}",
                "channel": "coffee_stand",
                "consent": CONSENT,
            }
            r = http.post("/api/leads", json=body)
            assert r.status_code == 201, r.text
            lead_ids.append(r.json()["id"])
        turn = 0
        for round_no in range(rounds):
            for variant in ("push", "no push") if round_no % 2 == 0 else ("no push", "push"):
                triggers.lead_assigned = real if variant == "push" else _noop
                for i in range(requests):
                    turn += 1
                    agent = a if turn % 2 else b
                    lead = lead_ids[i % len(lead_ids)]
                    t0 = time.perf_counter()
                    r = http.post(f"/api/leads/{lead}/assign", json={"agent_id": str(agent)})
                    timings[variant].append((time.perf_counter() - t0) * 1000)
                    assert r.status_code == 200, r.text
        triggers.lead_assigned = real
    rows_written = queued(engine)
    out: dict[str, Any] = {"outbox_rows": rows_written}
    for variant, values in timings.items():
        out[variant] = {
            "p50_ms": statistics.median(values),
            "p95_ms": percentile(values, 0.95),
            "n": len(values),
        }
    out["p95_added_ms"] = out["push"]["p95_ms"] - out["no push"]["p95_ms"]
    return out


# ---- 3. the triggering transaction --------------------------------------------------------


def bench_transaction(backend: str, pg_url: str, count: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        db = create_database(backend, Path(tmp), pg_url if backend == "postgresql" else None)
        engine = db.engine()
        try:
            [agent] = people(engine, "fcm.googleapis.com", 1, devices=2)
            timings: dict[str, list[float]] = {"push": [], "no push": []}
            for round_no in range(rounds):
                for variant in ("push", "no push") if round_no % 2 == 0 else ("no push", "push"):
                    for _ in range(count):
                        with engine.connect() as conn:
                            conn.execution_options(sqlite_begin="IMMEDIATE")
                            started = time.perf_counter()
                            conn.begin()
                            bump_version(conn)
                            if variant == "push":
                                outbox.to_users(conn, Kind.assigned, [agent])
                            conn.commit()
                            timings[variant].append((time.perf_counter() - started) * 1000)
            out: dict[str, Any] = {"database": database_version(engine)}
        finally:
            engine.dispose()
            db.drop()
    for variant, values in timings.items():
        out[variant] = {"p50_ms": statistics.median(values), "p95_ms": percentile(values, 0.95)}
    out["p95_added_ms"] = out["push"]["p95_ms"] - out["no push"]["p95_ms"]
    return out


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--messages", type=int, default=10_000)
    p.add_argument("--requests", type=int, default=300, help="per variant and round")
    p.add_argument("--rounds", type=int, default=6)
    args = p.parse_args()
    report: dict[str, Any] = {"machine": machine(), "results": {}}
    send_rows: list[list[Any]] = []
    request_rows: list[list[Any]] = []
    tx_rows: list[list[Any]] = []
    for backend in backends(args.db):
        found = report["results"].setdefault(backend, {})
        if args.messages:
            sent = found["sending"] = bench_sending(backend, args.pg_url, args.messages)
            send_rows.append(
                [sent["database"], sent["messages"], sent["seconds"], sent["messages_per_s"]]
            )
        for name, bench, rows in (
            ("request", bench_request, request_rows),
            ("transaction", bench_transaction, tx_rows),
        ):
            got = found[name] = bench(backend, args.pg_url, args.requests, args.rounds)
            rows.append(
                [
                    got["database"],
                    got["push"]["p50_ms"],
                    got["push"]["p95_ms"],
                    got["no push"]["p50_ms"],
                    got["no push"]["p95_ms"],
                    got["p95_added_ms"],
                ]
            )
    if send_rows:
        print("\nP10 sending: queued messages to a local push service (201 each)\n")
        print_table(["Database", "Messages", "Seconds", "Messages/s"], send_rows)
    columns = ["Database", "Push p50 ms", "Push p95 ms", "No push p50", "No push p95"]
    print("\nP10 triggering request: POST /api/leads/{id}/assign, 2 subscribed devices\n")
    print_table([*columns, "p95 added ms"], request_rows)
    print("\nP10 triggering transaction (no HTTP): version bump, outbox insert, commit\n")
    print_table([*columns, "p95 added ms"], tx_rows)
    write_json(args.json_path, report)


if __name__ == "__main__":
    main()
