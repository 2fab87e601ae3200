"""P4: the coordinators' queue (filters, 50 per page) and lead detail with 100,000 leads,
20 concurrent clients, against uvicorn answering static JSON of the same size in the same
run (bench/static_json.py).

    python -m bench.api_reads --db both [--leads 100000 --clients 20 --requests 40]

Each client alternates queue pages (a mix of the queue's filters and orders) and details
of leads its coordinator may see; the two servers take turns (Terrain, static, Terrain …)."""

from __future__ import annotations

import asyncio
import os
import random
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    backends,
    database_version,
    machine,
    parser,
    percentile,
    print_table,
    stage,
    write_json,
)
from bench.office_data import COMMUNES, populate, vacuum
from bench.static_json import JSON_ENV
from tests.support.server import ServerProcess

QUERIES: list[dict[str, Any]] = [
    {"sort": "queue"},
    {"status": "new", "sort": "queue"},
    {"channel": "coffee_stand"},
    {"commune": COMMUNES[3], "status": ["contacted", "qualified"]},
    {"overdue": "true"},
    {"min_days_in_stage": 30, "sort": "status_changed_at"},
    {"reached": "applied", "sort": "-last_touch_at"},
    {"sort": "queue", "offset": 500},
]


class StaticJson(ServerProcess):
    def _command(self) -> list[str]:
        command = super()._command()
        command[command.index("api.main:create_app")] = "bench.static_json:create_app"
        return command


async def _client(
    base: str,
    headers: dict[str, str],
    ids: list[str],
    n: int,
    seed: int,
    pace: float | None = None,
) -> list[tuple[str, float]]:
    """`n` requests one after the other; with `pace`, one every `pace` seconds (a person
    reading each answer before the next click), starting at a random moment of the first."""
    rng = random.Random(seed)
    out = []
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=60) as client:
        due = time.perf_counter() + (rng.random() * pace if pace else 0.0)
        for i in range(n):
            if pace:
                await asyncio.sleep(max(0.0, due - time.perf_counter()))
                due += pace
            if i % 2 == 0:
                params = {"limit": 50, **rng.choice(QUERIES)}
                kind, path = "queue", "/api/leads"
            else:
                params, kind, path = {}, "detail", f"/api/leads/{rng.choice(ids)}"
            start = time.perf_counter()
            r = await client.get(path, params=params)
            took = (time.perf_counter() - start) * 1000
            r.raise_for_status()
            out.append((kind, took))
    return out


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user + system) a process has used so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed_round(
    server: ServerProcess, headers: dict[str, str], ids: list[str], args: Any
) -> dict[str, Any]:
    """A round, with the server's own CPU time over it: what a request costs the server,
    whatever the load generator (in this process, on the same cores) manages."""
    before = _cpu_seconds(server.pid)
    result = _round(server.base_url, headers, ids, args)
    result["cpu_seconds"] = _cpu_seconds(server.pid) - before
    return result


def _round(
    base: str, headers: dict[str, str], ids: list[str], args: Any, pace: float | None = None
) -> dict[str, Any]:
    async def all_clients() -> list[list[tuple[str, float]]]:
        return await asyncio.gather(
            *(_client(base, headers, ids, args.requests, s, pace) for s in range(args.clients))
        )

    start = time.perf_counter()
    results = asyncio.run(all_clients())
    seconds = time.perf_counter() - start
    flat = [x for r in results for x in r]
    return {
        "seconds": seconds,
        "requests": len(flat),
        "ms": {k: [t for kind, t in flat if kind == k] for k in ("queue", "detail")},
    }


def run(backend: str, args: Any) -> dict[str, Any]:
    with stage(backend, args.pg_url, agents=8, serve=True) as st:
        assert st.server is not None
        teams = list(st.seed.teams.values())
        agents = [p.id for p in st.seed.people.values() if p.role.value == "agent"]
        ids = populate(st.engine, teams, agents, leads=args.leads, interactions=args.interactions)
        coordinator = st.seed["coordinator"]
        headers = coordinator.headers()
        mine = [str(i) for n, i in enumerate(ids) if teams[n % len(teams)] in coordinator.team_ids]
        vacuum(st.engine)
        # One real answer of each kind: the static server sends bodies of that size.
        folder = st.workdir / "json"
        folder.mkdir()
        with httpx.Client(base_url=st.server.base_url, headers=headers) as c:
            Path(folder / "list.json").write_bytes(
                c.get("/api/leads", params={"limit": 50, "sort": "queue"}).content
            )
            Path(folder / "detail.json").write_bytes(c.get(f"/api/leads/{mine[0]}").content)
        static = StaticJson(st.database.url, st.workdir / "static", env={JSON_ENV: str(folder)})
        static.start()
        terrain_runs, static_runs = [], []
        try:
            for _ in range(args.rounds):
                terrain_runs.append(_timed_round(st.server, headers, mine, args))
                static_runs.append(_timed_round(static, headers, mine, args))
        finally:
            static.stop()
        # Not P4's measure (its clients ask again the moment an answer arrives, to find the
        # throughput): the same 20 clients as people working, each asking every `--pace`
        # seconds. What a coordinator waits for when twenty of them use the office at once.
        paced = _round(st.server.base_url, headers, mine, args, pace=args.pace)
        version = database_version(st.engine)

    def figures(runs: list[dict[str, Any]]) -> dict[str, float]:
        queue = [t for r in runs for t in r["ms"]["queue"]]
        detail = [t for r in runs for t in r["ms"]["detail"]]
        seconds = sum(r["seconds"] for r in runs)
        requests = sum(r["requests"] for r in runs)
        return {
            "queue_p50": percentile(queue, 0.5),
            "queue_p95": percentile(queue, 0.95),
            "detail_p50": percentile(detail, 0.5),
            "detail_p95": percentile(detail, 0.95),
            "requests_per_s": requests / seconds,
            "server_cpu_ms": sum(r["cpu_seconds"] for r in runs) * 1000 / requests,
        }

    terrain, floor = figures(terrain_runs), figures(static_runs)
    return {
        "backend": backend,
        "database": version,
        "terrain": terrain,
        "static": floor,
        "paced": {
            "offered_per_s": args.clients / args.pace,
            **{
                f"{kind}_{name}": percentile(paced["ms"][kind], q)
                for kind in ("queue", "detail")
                for name, q in (("p50", 0.5), ("p95", 0.95))
            },
        },
        "throughput_ratio": terrain["requests_per_s"] / floor["requests_per_s"],
    }


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--leads", type=int, default=100_000)
    p.add_argument("--interactions", type=int, default=300_000)
    p.add_argument("--clients", type=int, default=20)
    p.add_argument("--requests", type=int, default=40, help="per client and round")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument(
        "--pace", type=float, default=1.0, help="seconds between a paced client's requests"
    )
    args = p.parse_args()
    rows = [run(backend, args) for backend in backends(args.db)]
    print_table(
        [
            "db",
            "server",
            "queue p50",
            "queue p95",
            "detail p50",
            "detail p95",
            "req/s",
            "server CPU ms/req",
        ],
        [
            [
                r["backend"],
                name,
                *(
                    r[name][k]
                    for k in (
                        "queue_p50",
                        "queue_p95",
                        "detail_p50",
                        "detail_p95",
                        "requests_per_s",
                        "server_cpu_ms",
                    )
                ),
            ]
            for r in rows
            for name in ("terrain", "static")
        ],
    )
    for r in rows:
        print(f"{r['backend']}: Terrain throughput = {r['throughput_ratio']:.0%} of static")
    for r in rows:
        q = r["paced"]
        print(
            f"{r['backend']}: {args.clients} clients each asking every {args.pace:g} s "
            f"({q['offered_per_s']:g} requests/s): queue p50 / p95 {q['queue_p50']:.0f} / "
            f"{q['queue_p95']:.0f} ms, detail {q['detail_p50']:.0f} / {q['detail_p95']:.0f} ms"
        )
    write_json(args.json_path, {"machine": machine(), "args": vars(args), "results": rows})


if __name__ == "__main__":
    main()
