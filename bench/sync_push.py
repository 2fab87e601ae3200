"""P1 — sync push throughput (performance.md).

10,000 lead.create + 10,000 interaction.add over HTTP in batches of 100, one client, then
the same with 8 concurrent clients, against a real uvicorn (one worker) on a fresh
database; baseline in the same run: the same rows written through the bare driver in
100-row transactions with the same push bookkeeping (raw push model).

    .venv/bin/python -m bench.sync_push --db both --json push.json
    .venv/bin/python -m bench.sync_push --db sqlite --leads 1000 --interactions 1000  # quick
"""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func
from sqlmodel import Session, select

from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Consent, Lead
from bench.common import (
    INTERACTION_BODY,
    OCCURRED_AGO,
    Plan,
    RawWriter,
    Stage,
    backends,
    chunks,
    database_version,
    machine,
    parser,
    plan,
    print_table,
    stage,
    summary,
    write_json,
)
from tests.support.databases import Person
from tests.support.sync_client import AGENT_CONSENT, SyncClient


def _mutation_bodies(p: Plan, person: Person, http: httpx.Client, batch: int) -> list[bytes]:
    """The exact push requests a phone would send, serialised before the clock starts."""
    client = SyncClient(http, person.headers())
    occurred = (datetime.now(UTC) - OCCURRED_AGO).isoformat()
    for kind, index in p.order:
        if kind == "lead":
            lead_id, fields = p.leads[index]
            client.create_lead(fields, lead_id=str(lead_id), consent=AGENT_CONSENT)
        else:
            interaction_id, lead_id = p.interactions[index]
            client.mutate(
                "interaction.add",
                {
                    "id": str(interaction_id),
                    "lead_id": str(lead_id),
                    "kind": "conversation",
                    "occurred_at": occurred,
                    "body": INTERACTION_BODY,
                },
            )
    bodies = []
    for part in chunks(client.outbox, batch):
        body = client.push_body(list(part))
        body["pending"] = {"count": len(client.outbox), "oldestAgeS": 0}
        bodies.append(json.dumps(body).encode())
    return bodies


def _push_all(base_url: str, person: Person, bodies: list[bytes], latencies: list[float]) -> None:
    headers = {**person.headers(), "content-type": "application/json"}
    with httpx.Client(base_url=base_url, timeout=120) as http:
        last = 0
        for body in bodies:
            started = time.perf_counter()
            response = http.post("/api/sync/push", content=body, headers=headers)
            latencies.append(time.perf_counter() - started)
            answer = response.json()
            if response.status_code != 200 or answer["lastMutationID"] <= last:
                raise RuntimeError(f"push failed: {response.status_code} {response.text[:300]}")
            if any(r["status"] != "applied" for r in answer["results"]):
                raise RuntimeError(f"refused: {answer['results'][:3]}")
            last = answer["lastMutationID"]


def _plans(total_leads: int, total_interactions: int, clients: int) -> list[Plan]:
    per_leads, per_inter = total_leads // clients, total_interactions // clients
    return [plan(i * per_leads, per_leads, per_inter) for i in range(clients)]


def _in_threads(jobs: Sequence[Callable[[], None]]) -> float:
    errors: list[BaseException] = []

    def run(job: Callable[[], None]) -> None:
        try:
            job()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed


def _people(st: Stage, clients: int) -> list[Person]:
    return [st.seed[f"bench{i}"] for i in range(clients)]


def run_raw(backend: str, args: Any, clients: int) -> dict[str, Any]:
    plans = _plans(args.leads, args.interactions, clients)
    with stage(backend, args.pg_url, agents=clients) as st:
        writers = [RawWriter(st.engine, person) for person in _people(st, clients)]
        latencies: list[list[float]] = [[] for _ in plans]

        def job(i: int) -> Callable[[], None]:
            def write() -> None:
                for part in chunks(plans[i].order, args.batch):
                    started = time.perf_counter()
                    writers[i].write(plans[i], part)
                    latencies[i].append(time.perf_counter() - started)

            return write

        elapsed = _in_threads([job(i) for i in range(clients)])
        for w in writers:
            w.close()
        counts = _counts(st)
        version = database_version(st.engine)
    return _result(
        "raw driver",
        clients,
        plans,
        elapsed,
        [x for part in latencies for x in part],
        counts,
        version,
    )


def run_http(backend: str, args: Any, clients: int) -> dict[str, Any]:
    plans = _plans(args.leads, args.interactions, clients)
    with stage(backend, args.pg_url, agents=clients, serve=True) as st:
        assert st.server is not None
        people = _people(st, clients)
        with httpx.Client(base_url=st.server.base_url) as http:
            bodies = [
                _mutation_bodies(p, person, http, args.batch)
                for p, person in zip(plans, people, strict=True)
            ]
            http.get("/healthz")  # warm the server's first request path
        latencies: list[list[float]] = [[] for _ in plans]
        base = st.server.base_url
        elapsed = _in_threads(
            [
                functools.partial(_push_all, base, people[i], bodies[i], latencies[i])
                for i in range(clients)
            ]
        )
        counts = _counts(st)
        version = database_version(st.engine)
    return _result(
        "Terrain HTTP",
        clients,
        plans,
        elapsed,
        [x for part in latencies for x in part],
        counts,
        version,
    )


def _counts(st: Stage) -> dict[str, int]:
    with Session(st.engine) as session:
        return {
            str(model.__tablename__): session.exec(select(func.count()).select_from(model)).one()
            for model in (Lead, Consent, Followup, Interaction)
        }


def _result(
    mode: str,
    clients: int,
    plans: list[Plan],
    elapsed: float,
    latencies: list[float],
    counts: dict[str, int],
    version: str,
) -> dict[str, Any]:
    mutations = sum(len(p.order) for p in plans)
    leads = sum(len(p.leads) for p in plans)
    expected = {
        "lead": leads,
        "consent": leads,
        "followup": leads,
        "interaction": sum(len(p.interactions) for p in plans),
    }
    if counts != expected:
        raise RuntimeError(f"{mode}: wrote {counts}, expected {expected}")
    return {
        "mode": mode,
        "clients": clients,
        "mutations": mutations,
        "seconds": elapsed,
        "mutations_per_s": mutations / elapsed,
        **summary(latencies),
        "rows": counts,
        "database": version,
    }


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--leads", type=int, default=10_000)
    p.add_argument("--interactions", type=int, default=10_000)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--clients", type=int, default=8, help="concurrent clients, second round")
    args = p.parse_args()
    info = machine()
    print(
        f"P1 sync push — {info['date']} — {info['nproc']} x {info['cpu']}, Python {info['python']}"
    )
    results: list[dict[str, Any]] = []
    rows = []
    for backend in backends(args.db):
        for clients in (1, args.clients):
            raw = run_raw(backend, args, clients)
            http = run_http(backend, args, clients)
            http["ratio_to_raw"] = http["mutations_per_s"] / raw["mutations_per_s"]
            for r in (raw, http):
                r["backend"] = backend
                results.append(r)
                rows.append(
                    [
                        r["database"],
                        r["mode"],
                        r["clients"],
                        r["mutations"],
                        r["seconds"],
                        r["mutations_per_s"],
                        r["p50_ms"],
                        r["p95_ms"],
                        f"{r['ratio_to_raw']:.0%}" if "ratio_to_raw" in r else "—",
                    ]
                )
    print()
    print_table(
        [
            "database",
            "writer",
            "clients",
            "mutations",
            "s",
            "mutations/s",
            "p50 ms/push",
            "p95 ms/push",
            "vs raw",
        ],
        rows,
    )
    print(f"\nbatches of {args.batch}; target: ≥ 50 % of raw, p95 ≤ 50 ms per 100-mutation push")
    write_json(
        args.json_path,
        {"benchmark": "P1 sync push", "machine": info, "batch": args.batch, "results": results},
    )


if __name__ == "__main__":
    main()
