"""P1 — sync push throughput (performance.md).

10,000 lead.create + 10,000 interaction.add over HTTP in batches of 100, one client, then
the same with 8 concurrent clients, against a real uvicorn (one worker) on a fresh
database; baseline in the same run: the same rows written through the bare driver in
100-row transactions with the same push bookkeeping (raw push model). The two take turns
in rounds (see run_pair) so that the noise of a shared machine hits both alike.

    .venv/bin/python -m bench.sync_push --db both --json push.json
    .venv/bin/python -m bench.sync_push --db sqlite --leads 1000 --interactions 1000  # quick
"""

from __future__ import annotations

import functools
import json
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
    in_threads,
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
        last = -1
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


def _people(st: Stage, clients: int) -> list[Person]:
    return [st.seed[f"bench{i}"] for i in range(clients)]


def _slices(items: Sequence[Any], rounds: int) -> list[Sequence[Any]]:
    """`items` cut into `rounds` contiguous parts (the last ones may be shorter)."""
    size = -(-len(items) // rounds)
    return [items[i * size : (i + 1) * size] for i in range(rounds)]


def run_pair(backend: str, args: Any, clients: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The raw model and Terrain over HTTP on two fresh databases, interleaved.

    The machines are shared and noisy: run one after the other, a slow minute lands on one
    side only. Here the same mutations are cut into `--rounds` parts and the two writers
    take turns (raw, Terrain, Terrain, raw, …), each continuing where it left off, so
    both see the same conditions; the figures are the sums over the rounds."""
    plans = _plans(args.leads, args.interactions, clients)
    with (
        stage(backend, args.pg_url, agents=clients) as raw_st,
        stage(backend, args.pg_url, agents=clients, serve=True) as http_st,
    ):
        assert http_st.server is not None
        people = _people(http_st, clients)
        with httpx.Client(base_url=http_st.server.base_url) as http:
            bodies = [
                _mutation_bodies(p, person, http, args.batch)
                for p, person in zip(plans, people, strict=True)
            ]
            http.get("/healthz")  # warm the server's first request path
        writers = [
            RawWriter(raw_st.engine, person, copy=args.raw_copy)
            for person in _people(raw_st, clients)
        ]
        raw_parts = [_slices(list(chunks(p.order, args.batch)), args.rounds) for p in plans]
        http_parts = [_slices(b, args.rounds) for b in bodies]
        timing = {"raw": 0.0, "http": 0.0}
        latencies: dict[str, list[list[float]]] = {
            mode: [[] for _ in plans] for mode in ("raw", "http")
        }
        base = http_st.server.base_url

        def raw_job(i: int, part: Sequence[Sequence[tuple[str, int]]]) -> Callable[[], None]:
            def write() -> None:
                for batch in part:
                    started = time.perf_counter()
                    writers[i].write(plans[i], batch)
                    latencies["raw"][i].append(time.perf_counter() - started)

            return write

        for r in range(args.rounds):
            order = ("raw", "http") if r % 2 == 0 else ("http", "raw")
            for mode in order:
                if mode == "raw":
                    jobs = [raw_job(i, raw_parts[i][r]) for i in range(clients)]
                else:
                    jobs = [
                        functools.partial(
                            _push_all, base, people[i], http_parts[i][r], latencies["http"][i]
                        )
                        for i in range(clients)
                    ]
                timing[mode] += in_threads(jobs)
        for w in writers:
            w.close()
        raw = _result(
            "raw COPY" if args.raw_copy else "raw driver",
            clients,
            plans,
            timing["raw"],
            [x for part in latencies["raw"] for x in part],
            _counts(raw_st),
            database_version(raw_st.engine),
        )
        http_result = _result(
            "Terrain HTTP",
            clients,
            plans,
            timing["http"],
            [x for part in latencies["http"] for x in part],
            _counts(http_st),
            database_version(http_st.engine),
        )
    return raw, http_result


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
    p.add_argument(
        "--rounds", type=int, default=6, help="turns the raw model and Terrain take, alternating"
    )
    p.add_argument(
        "--raw-copy",
        action="store_true",
        help="PostgreSQL: the raw model writes with COPY too (as Terrain does), not executemany",
    )
    args = p.parse_args()
    info = machine()
    print(
        f"P1 sync push — {info['date']} — {info['nproc']} x {info['cpu']}, Python {info['python']}"
    )
    results: list[dict[str, Any]] = []
    rows = []
    for backend in backends(args.db):
        for clients in (1, args.clients):
            raw, http = run_pair(backend, args, clients)
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
