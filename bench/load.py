"""P7/P8 held load: the mix of privacy-security.md against TWO `terrain serve` instances on
one PostgreSQL database, locust headless on loopback, the clients alternating between them.

    python -m bench.load --duration 600          # the spec run (10 minutes)
    python -m bench.load --duration 60           # a smoke run

Prints: errors (the flooder's 429s are its expected answer, not errors), lost and duplicated
records checked against the ids the server acknowledged, p50/p95/p99 per request type, and
the RSS of each server process over time (idle RSS as the baseline, then every 30 s).
Targets (performance.md P7, P8): 0 errors, 0 lost, 0 duplicated, sync p95 ≤ 1 s, RSS
≤ 250 MB per worker and flat over the last 5 minutes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import text

from api.vocab import Role
from bench.common import machine, print_table, write_json
from tests.scratch import BIN, REPO_ROOT, terrain_env
from tests.support.databases import create_database, seed
from tests.support.server import ServerProcess


def _args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--duration", type=int, default=600, help="seconds of held load")
    p.add_argument("--agents", type=int, default=60)
    p.add_argument("--coordinators", type=int, default=10)
    p.add_argument(
        "--pg-url",
        default=os.environ.get("TERRAIN_BENCH_PG_URL")
        or os.environ.get("TERRAIN_TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres",
    )
    p.add_argument("--json", dest="json_path", type=Path)
    return p.parse_args()


def _people(agents: int, coordinators: int) -> dict[str, tuple[Role, str | None]]:
    wanted: dict[str, tuple[Role, str | None]] = {"admin": (Role.admin, None)}
    for n in range(agents):
        wanted[f"agent{n}"] = (Role.agent, "brussels" if n % 2 else "antwerp")
    for n in range(coordinators):
        wanted[f"coordinator{n}"] = (Role.coordinator, "brussels" if n % 2 else "antwerp")
    return wanted


class RssSampler:
    """RSS of each server process (and its workers) every `every` seconds."""

    def __init__(self, pids: dict[str, int], every: float = 5.0) -> None:
        self.pids, self.every = pids, every
        self.samples: list[tuple[float, dict[str, float]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.start_at = time.monotonic()

    def sample(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, pid in self.pids.items():
            try:
                proc = psutil.Process(pid)
                procs = [proc, *proc.children(recursive=True)]
                out[name] = max(p.memory_info().rss for p in procs) / 2**20
            except psutil.Error:
                out[name] = float("nan")
        return out

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self.samples.append((time.monotonic() - self.start_at, self.sample()))

    def start(self) -> None:
        self.start_at = time.monotonic()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def _stats(prefix: Path) -> list[dict[str, str]]:
    with open(f"{prefix}_stats.csv") as fp:
        return [row for row in csv.DictReader(fp) if row["Name"] != "Aggregated"]


def _check(url: str, acked: dict[str, list[str]]) -> dict[str, int]:
    """Lost: acknowledged ids missing from the database. Duplicated: one generated record
    stored more than once (each lead carries its own name tag)."""
    from api.db import make_engine

    engine = make_engine(url)
    leads, interactions = set(acked["lead"]), set(acked["interaction"])
    with engine.connect() as conn:
        stored_leads = {str(r[0]) for r in conn.execute(text("SELECT id FROM lead"))}
        stored_int = {str(r[0]) for r in conn.execute(text("SELECT id FROM interaction"))}
        dup = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT first_name, last_name FROM lead "
                "WHERE first_name LIKE 'Load%' GROUP BY first_name, last_name "
                "HAVING count(*) > 1) d"
            )
        ).scalar_one()
    engine.dispose()
    return {
        "acknowledged leads": len(leads),
        "acknowledged interactions": len(interactions),
        "lost": len(leads - stored_leads) + len(interactions - stored_int),
        "duplicated": int(dup),
    }


def main() -> int:
    args = _args()
    workdir = Path(tempfile.mkdtemp(prefix="terrain-load-"))
    database = create_database("postgresql", workdir, args.pg_url)
    print(f"Seeding {args.agents} agents and {args.coordinators} coordinators …", flush=True)
    people = seed(database.url, _people(args.agents, args.coordinators))
    key = secrets.token_urlsafe(32)
    servers = []
    for name in ("a", "b"):
        env = terrain_env(workdir / name, database.url) | {"TERRAIN_SECRET_KEY": key}
        servers.append(
            ServerProcess.terrain(
                env,
                workdir / f"{name}.log",
                "--forwarded-allow-ips",
                "127.0.0.1",
                "--log-level",
                "warning",
            )
        )
    for server in servers:
        server.start(wait=False)
    try:
        for server in servers:
            server.wait_ready()
        assert all(s.proc is not None for s in servers)
        pids = {f"instance {n}": s.proc.pid for n, s in zip("ab", servers, strict=True)}  # type: ignore[union-attr]
        sampler = RssSampler(pids)
        idle = sampler.sample()
        acked_path = workdir / "acked.json"
        config = {
            "hosts": [s.base_url for s in servers],
            "agents": [people[f"agent{n}"].token for n in range(args.agents)],
            "coordinators": [people[f"coordinator{n}"].token for n in range(args.coordinators)],
            "agent_count": args.agents,
            "coordinator_count": args.coordinators,
            "acked_path": str(acked_path),
        }
        (workdir / "config.json").write_text(json.dumps(config))
        users = args.agents + args.coordinators + 2
        command = [
            str(BIN / "locust"),
            "-f",
            str(REPO_ROOT / "bench" / "load_users.py"),
            "--headless",
            "-u",
            str(users),
            "-r",
            str(max(1, users // 10)),
            "-t",
            f"{args.duration}s",
            "--host",
            servers[0].base_url,
            "--csv",
            str(workdir / "locust"),
            "--only-summary",
            "--stop-timeout",
            "30",
            "--loglevel",
            "WARNING",
        ]
        print(
            f"Held load for {args.duration} s: {users} users on {len(servers)} instances …",
            flush=True,
        )
        sampler.start()
        done = subprocess.run(
            command,
            env=os.environ | {"LOAD_CONFIG": str(workdir / "config.json")},
            capture_output=True,
            text=True,
        )
        sampler.stop()
        (workdir / "locust.out").write_text(done.stdout + done.stderr)
        if done.returncode not in (0, 1):  # 1: some request failed (reported below)
            print(done.stdout[-3000:], done.stderr[-3000:], file=sys.stderr)
            return 2
        if "Traceback" in done.stderr:
            print(done.stderr[-3000:], file=sys.stderr)
        acked = json.loads(acked_path.read_text())
        check = _check(database.url, acked)
        stats = _stats(workdir / "locust")
        server_errors = sum(s.log.count("unhandled ") for s in servers)
    finally:
        for server in servers:
            server.stop()
    report(acked.get("flood", {}), args, stats, check, idle, sampler.samples, server_errors)
    database.drop()
    return 0


def _rss_rows(
    idle: dict[str, float], samples: list[tuple[float, dict[str, float]]]
) -> list[list[Any]]:
    rows = [["idle", *idle.values()]]
    step = 30.0
    next_at = step
    for at, values in samples:
        if at >= next_at:
            rows.append([f"{int(at)} s", *values.values()])
            next_at += step
    return rows


def report(
    flood: dict[str, int],
    args: argparse.Namespace,
    stats: list[dict[str, str]],
    check: dict[str, int],
    idle: dict[str, float],
    samples: list[tuple[float, dict[str, float]]],
    server_errors: int,
) -> None:
    print()
    rows = [
        [
            s["Name"],
            int(s["Request Count"]),
            int(s["Failure Count"]),
            float(s["50%"]),
            float(s["95%"]),
            float(s["99%"]),
            float(s["Requests/s"]),
        ]
        for s in stats
    ]
    print_table(["request", "count", "errors", "p50 ms", "p95 ms", "p99 ms", "req/s"], rows)
    print()
    print_table(["records", "n"], [[k, v] for k, v in check.items()])
    print(f"\nserver errors logged (unhandled): {server_errors}")
    print(f"flooder's answers by status: {flood}")
    print("\nRSS per instance (MB, largest process):")
    names = list(idle)
    print_table(["time", *names], _rss_rows(idle, samples))
    tail = [v for at, values in samples if at >= args.duration - 300 for v in values.values()]
    peak = max((v for _, values in samples for v in values.values()), default=float("nan"))
    growth = (
        {
            name: (
                samples[-1][1][name]
                - next(v[name] for at, v in samples if at >= max(0, args.duration - 300))
            )
            for name in names
        }
        if samples
        else {}
    )
    print(
        f"\npeak RSS {peak:.0f} MB; growth over the last 5 minutes: "
        + ", ".join(f"{n} {g:+.1f} MB" for n, g in growth.items())
    )
    errors = sum(int(s["Failure Count"]) for s in stats)
    sync95 = max((float(s["95%"]) for s in stats if s["Name"].startswith("sync")), default=0)
    print(
        f"\ntargets: errors {errors} (0), lost {check['lost']} (0), duplicated "
        f"{check['duplicated']} (0), sync p95 {sync95:.0f} ms (≤ 1000), "
        f"peak RSS {peak:.0f} MB (≤ 250)"
    )
    write_json(
        args.json_path,
        {
            "machine": machine(),
            "duration_s": args.duration,
            "requests": rows,
            "records": check,
            "rss_idle": idle,
            "rss": samples,
            "server_errors": server_errors,
            "tail_values": tail,
        },
    )


if __name__ == "__main__":
    sys.exit(main())
