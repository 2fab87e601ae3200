"""Issue #11, speed: REST lead writes before and after the one write path.

`POST /api/leads` and `PATCH /api/leads/{id}` used to be written by the ORM service; they
are now adapters over the lead.create / lead.patch mutators (api/syncapi/local.py). This
bench serves both in the same run: `terrain serve` (one worker) from this tree ("after")
and from a `git worktree add --detach` checkout of the last commit before the change
("before", run with this tree's Python environment, which is checked to hold the same
dependencies and migrations), each on its own fresh database of the same backend seeded
the same way (teams, a coordinator and agents, `--leads` existing leads with their
histories). `--clients` concurrent clients (the coordinator and Brussels agents in turn)
each send `--requests` lead creates and patches of their team's existing leads per
round, with the same bodies on both sides; the two servers take turns in `--rounds`
rounds (before, after, after, before, …) so that the noise of a shared machine hits both
alike. Target: after p95 ≤ 1.10 x before, per operation.

    .venv/bin/python -m bench.rest_writes --db both --json rest.json
    .venv/bin/python -m bench.rest_writes --db sqlite --clients 2 --requests 5 --rounds 2  # quick
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    backends,
    database_version,
    in_threads,
    lead_fields,
    machine,
    parser,
    percentile,
    print_table,
    write_json,
)
from bench.office_data import COMMUNES, populate, vacuum
from tests.support.databases import Person, create_database, seed
from tests.support.server import REPO_ROOT, ServerProcess
from tests.support.sync_client import AGENT_CONSENT

# The parent of 03f6a25 ("One write path for lead patch, delete and restore"), after which
# 15cd943 made the create an adapter too: the last tree whose REST lead create and patch
# were the ORM service's.
BEFORE = "c6a137237696d2577da8dc6726495417bdb0cf9f"
OPERATIONS = ("create", "patch")
VERSIONS = ("before", "after")
_NEEDS = (["credit"], ["credit", "coaching"], ["coaching", "training"], ["credit", "information"])
_STAGES = ("idea", "starting", "existing")


# ---- the two trees -------------------------------------------------------------------------


def _git(*args: str, cwd: Path = REPO_ROOT) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def head_label() -> str:
    """This tree's commit, marked when it has uncommitted changes."""
    dirty = _git("status", "--porcelain", "--untracked-files=no")
    return _git("rev-parse", "--short", "HEAD") + ("+changes" if dirty else "")


@contextmanager
def checkout(commit: str) -> Iterator[Path]:
    """A detached worktree of `commit` in a temporary directory, removed afterwards."""
    tmp = Path(tempfile.mkdtemp(prefix="terrain-before-"))
    tree = tmp / "tree"
    _git("worktree", "add", "--detach", "--quiet", str(tree), commit)
    try:
        check_same_environment(tree)
        yield tree
    finally:
        subprocess.run(
            ["git", "worktree", "remove", "--force", str(tree)],
            cwd=REPO_ROOT,
            capture_output=True,
            check=False,
        )
        shutil.rmtree(tmp, ignore_errors=True)
        subprocess.run(["git", "worktree", "prune"], cwd=REPO_ROOT, check=False)


def check_same_environment(tree: Path) -> None:
    """The checkout runs on this tree's virtualenv and databases: refuse to compare when it
    would need other runtime dependencies or migrations (the figures would mean nothing)."""

    def deps(root: Path) -> list[str]:
        with (root / "pyproject.toml").open("rb") as f:
            return sorted(tomllib.load(f)["project"]["dependencies"])

    def migrations(root: Path) -> list[str]:
        return sorted(p.name for p in (root / "api/migrations/versions").glob("*.py"))

    if deps(tree) != deps(REPO_ROOT):
        raise SystemExit(f"{tree}: other runtime dependencies than this tree's; give it a venv")
    if migrations(tree) != migrations(REPO_ROOT):
        raise SystemExit(f"{tree}: other migrations than this tree's; the schemas differ")
    # The server imports from the checkout (PYTHONPATH and working directory), not from
    # the editable install of this tree.
    where = subprocess.run(
        [sys.executable, "-c", "import api; print(api.__file__)"],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    if not Path(where).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"the checkout's server would import {where}")


# ---- one side: a fresh database and a server on it --------------------------------------


@dataclass
class Side:
    version: str
    label: str
    server: ServerProcess
    people: list[Person]
    targets: list[list[str]]  # per client: the existing leads it patches, in turn
    database: str = ""
    ms: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})
    seconds: float = 0.0
    requests: int = 0


@contextmanager
def side(
    version: str, label: str, backend: str, args: Any, root: Path, workdir: Path
) -> Iterator[Side]:
    folder = workdir / version
    folder.mkdir()
    database = create_database(backend, folder, args.pg_url if backend == "postgresql" else None)
    try:
        org = seed(database.url, extra_agents=args.clients)
        engine = database.engine()
        agents = [p.id for p in org.people.values() if p.name.startswith("bench")]
        teams = [org.teams["brussels"], org.teams["antwerp"]]
        # Deterministic ids (populate's seeded generator): both sides patch the same leads.
        ids = populate(engine, teams, agents, leads=args.leads, interactions=args.leads * 3)
        vacuum(engine)
        version_text = database_version(engine)
        engine.dispose()
        brussels = [str(lead_id) for n, lead_id in enumerate(ids) if n % 2 == 0]
        clients = [
            org["coordinator"] if i % 2 == 0 else org[f"bench{i}"] for i in range(args.clients)
        ]
        targets = [brussels[i :: args.clients] for i in range(args.clients)]
        server = ServerProcess(database.url, folder / "server", entry="terrain", root=root)
        server.start()
        try:
            yield Side(version, label, server, clients, targets, version_text)
        finally:
            server.stop()
    finally:
        database.drop()


# ---- the requests -------------------------------------------------------------------------


def create_body(n: int) -> dict[str, Any]:
    """A lead typed in at the office: the agent's fields, consent, markers for one in two."""
    body: dict[str, Any] = {**lead_fields(n), "consent": dict(AGENT_CONSENT)}
    if n % 2 == 0:
        body["consent"]["purposes"] = ["contact", "markers"]
        body["markers"] = {"gender": "woman", "age_band": "30_39", "job_seeker": "yes"}
    return body


def patch_body(n: int) -> dict[str, Any]:
    """A coordinator's correction of a few fields, each a new value (nothing left out)."""
    return {
        "phone": f"+32480{n:06d}",
        "commune": COMMUNES[n % len(COMMUNES)] + " centre",
        "project_idea": f"Atelier de couture et retouches, étape {n}.",
        "project_stage": _STAGES[n % len(_STAGES)],
        "needs": _NEEDS[n % len(_NEEDS)],
    }


@dataclass
class Work:
    """One client's requests of one round, the same for both sides."""

    client: int
    creates: list[dict[str, Any]]
    patches: list[tuple[int, dict[str, Any]]]  # index into the client's targets, body


def plan(args: Any) -> list[list[Work]]:
    """rounds x clients; numbers unique over the run (phones, names)."""
    out = []
    for r in range(args.rounds):
        row = []
        for c in range(args.clients):
            base = (r * args.clients + c) * args.requests
            row.append(
                Work(
                    c,
                    [create_body(1_000_000 + base + k) for k in range(args.requests)],
                    [(r * args.requests + k, patch_body(base + k)) for k in range(args.requests)],
                )
            )
        out.append(row)
    return out


def _client(s: Side, work: Work, http: httpx.Client, out: list[tuple[str, float]]) -> None:
    targets = s.targets[work.client]
    for body, (index, patch) in zip(work.creates, work.patches, strict=True):
        started = time.perf_counter()
        r = http.post("/api/leads", json=body)
        out.append(("create", time.perf_counter() - started))
        if r.status_code != 201:
            raise RuntimeError(f"{s.version} create: {r.status_code} {r.text[:300]}")
        lead_id = targets[index % len(targets)]
        started = time.perf_counter()
        r = http.patch(f"/api/leads/{lead_id}", json=patch)
        out.append(("patch", time.perf_counter() - started))
        if r.status_code != 200:
            raise RuntimeError(f"{s.version} patch: {r.status_code} {r.text[:300]}")


def run_round(s: Side, works: list[Work], record: bool) -> None:
    """The clients of one round, each on a connection of its own opened for the round: the
    two servers keep idle connections for different times (uvicorn's 5 s before 68b2962,
    75 s after), and the other side's round is longer than 5 s."""
    results: list[list[tuple[str, float]]] = [[] for _ in works]

    def job(work: Work, out: list[tuple[str, float]]) -> None:
        headers = s.people[work.client].headers()
        with httpx.Client(base_url=s.server.base_url, headers=headers, timeout=120) as http:
            _client(s, work, http, out)

    elapsed = in_threads(
        [functools.partial(job, w, o) for w, o in zip(works, results, strict=True)]
    )
    if record:
        s.seconds += elapsed
        for part in results:
            s.requests += len(part)
            for op, took in part:
                s.ms[op].append(took * 1000)


def run(backend: str, args: Any, before_tree: Path) -> dict[str, Any]:
    rounds = plan(args)
    with tempfile.TemporaryDirectory(prefix="terrain-rest-") as tmp, ExitStack() as stack:
        workdir = Path(tmp)
        sides = {
            "before": stack.enter_context(
                side("before", BEFORE[:7], backend, args, before_tree, workdir)
            ),
            "after": stack.enter_context(
                side("after", head_label(), backend, args, REPO_ROOT, workdir)
            ),
        }
        # Warm-up, not counted: each server's first requests (imports, caches, connections).
        warm = [
            Work(
                c,
                [create_body(9_000_000 + c * 10 + k) for k in range(2)],
                [(-1 - k, patch_body(900_000 + c * 10 + k)) for k in range(2)],
            )
            for c in range(args.clients)
        ]
        for v in VERSIONS:
            run_round(sides[v], warm, record=False)
        for r, works in enumerate(rounds):
            order = VERSIONS if r % 2 == 0 else VERSIONS[::-1]
            for v in order:
                run_round(sides[v], works, record=True)
        figures = {v: _figures(s) for v, s in sides.items()}
    ratio = {
        op: {q: figures["after"][op][q] / figures["before"][op][q] for q in ("p50_ms", "p95_ms")}
        for op in OPERATIONS
    }
    return {
        "backend": backend,
        "database": sides["after"].database,
        "before": figures["before"],
        "after": figures["after"],
        "after_over_before": ratio,
    }


def _figures(s: Side) -> dict[str, Any]:
    out: dict[str, Any] = {"code": s.label, "requests_per_s": s.requests / s.seconds}
    for op in OPERATIONS:
        values = s.ms[op]
        out[op] = {
            "n": len(values),
            "p50_ms": percentile(values, 0.50),
            "p95_ms": percentile(values, 0.95),
        }
    return out


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--clients", type=int, default=8, help="concurrent clients")
    p.add_argument("--requests", type=int, default=25, help="creates and patches per client")
    p.add_argument("--rounds", type=int, default=6, help="turns each side takes, alternating")
    p.add_argument("--leads", type=int, default=2000, help="existing leads on each database")
    p.add_argument("--before", default=BEFORE, help="the commit to compare against")
    args = p.parse_args()
    info = machine()
    print(
        f"REST lead writes, {args.before[:7]} vs {head_label()} — {info['date']} — "
        f"{info['nproc']} x {info['cpu']}, Python {info['python']}"
    )
    results = []
    with checkout(args.before) as tree:
        for backend in backends(args.db):
            results.append(run(backend, args, tree))
    rows = []
    for r in results:
        for op in OPERATIONS:
            for v in VERSIONS:
                f = r[v]
                rows.append(
                    [
                        r["database"],
                        op,
                        f"{v} {f['code']}",
                        f[op]["n"],
                        f[op]["p50_ms"],
                        f[op]["p95_ms"],
                        f"{r['after_over_before'][op]['p95_ms']:.2f}" if v == "after" else "—",
                    ]
                )
    print()
    print_table(
        ["database", "op", "code", "requests", "p50 ms", "p95 ms", "p95 after÷before"], rows
    )
    for r in results:
        print(
            f"{r['database']}: req/s before {r['before']['requests_per_s']:.1f}, "
            f"after {r['after']['requests_per_s']:.1f}"
        )
    print(
        f"\n{args.clients} clients x {args.requests} creates + patches x {args.rounds} rounds "
        "per side; target: after p95 ≤ 1.10 x before"
    )
    write_json(
        args.json_path,
        {
            "benchmark": "REST lead writes (issue 11)",
            "machine": info,
            "args": {k: str(v) for k, v in vars(args).items()},
            "results": results,
        },
    )


if __name__ == "__main__":
    main()
