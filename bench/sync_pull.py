"""P2 — first full sync pull (performance.md).

20,000 leads + 60,000 interactions (and the first follow-up every lead gets) pulled by a
new phone in pages of 500 over HTTP with gzip, from a real uvicorn (one worker); baseline
in the same run: a keyset scan of the same rows on (version, id), pages of 500, through
the bare driver. Reports rows/s, the ratio, and the bytes per lead before compression.

Also in the same run, for context: the floor of the HTTP part — the same pages, rendered
beforehand, answered by a static server on the same stack (bench/static_pages.py) to the
same client loop. The gap between it and Terrain is the server's work per page.

    .venv/bin/python -m bench.sync_pull --db both --json pull.json
    .venv/bin/python -m bench.sync_pull --db sqlite --leads 2000 --interactions 6000  # quick
"""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections import Counter
from typing import Any

import httpx
import orjson
from sqlalchemy import Engine

from bench.common import (
    RawWriter,
    backends,
    chunks,
    database_version,
    machine,
    parser,
    plan,
    print_table,
    stage,
    write_json,
)
from bench.static_pages import PAGES_ENV, write_pages
from tests.support.databases import Person
from tests.support.server import ServerProcess
from tests.support.sync_client import PROTOCOL, SCHEMA_VERSION

TABLES = ("lead", "interaction", "followup")
_JSON = {"Content-Type": "application/json"}


def populate(engine: Engine, person: Person, leads: int, interactions: int) -> None:
    """Written the way pushes write them (same rows, versions from the space counter)."""
    writer = RawWriter(engine, person)
    p = plan(0, leads, interactions)
    for part in chunks(p.order, 1000):
        writer.write(p, part)
    writer.close()


def raw_scan(engine: Engine, page: int) -> tuple[float, int]:
    """Every row of the synced tables, keyset-paged on (version, id), bare driver."""
    sqlite = engine.dialect.name == "sqlite"
    ph = "?" if sqlite else "%s"
    raw = engine.raw_connection()
    conn = raw.driver_connection
    assert conn is not None
    rows = 0
    started = time.perf_counter()
    cur = conn.cursor()
    for table in TABLES:
        first = f'SELECT * FROM "{table}" ORDER BY version, id LIMIT {page}'
        after = (
            f'SELECT * FROM "{table}" WHERE (version, id) > ({ph}, {ph}) '
            f"ORDER BY version, id LIMIT {page}"
        )
        cur.execute(first)
        batch = cur.fetchall()
        names = [d[0] for d in cur.description]
        version_at, id_at = names.index("version"), names.index("id")
        while batch:
            rows += len(batch)
            last = batch[-1]
            cur.execute(after, (last[version_at], last[id_at]))
            batch = cur.fetchall()
    elapsed = time.perf_counter() - started
    conn.rollback()
    raw.close()
    return elapsed, rows


def http_pull(
    base_url: str, person: Person, page: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A new phone's first pull, until `more` is false (httpx asks for gzip by default).

    The clock covers what a phone does: request a page, receive and inflate it, parse it
    (at native speed, as a browser's JSON.parse: orjson), take the cookie, ask again.
    Bytes are counted from the kept pages after the clock stops."""
    body: dict[str, Any] = {
        "protocol": PROTOCOL,
        "clientGroupID": str(uuid.uuid4()),
        "schemaVersion": SCHEMA_VERSION,
        "cookie": None,
        "limit": page,
    }
    answers: list[dict[str, Any]] = []
    wire = plain = 0
    encodings: set[str] = set()
    with httpx.Client(base_url=base_url, headers=person.headers(), timeout=120) as http:
        http.get("/healthz")
        started = time.perf_counter()
        while True:
            response = http.post("/api/sync/pull", content=orjson.dumps(body), headers=_JSON)
            if response.status_code != 200:
                raise RuntimeError(f"pull: {response.status_code} {response.text[:300]}")
            answer = orjson.loads(response.content)
            answers.append(answer)
            wire += response.num_bytes_downloaded
            plain += len(response.content)
            encodings.add(response.headers.get("content-encoding", "identity"))
            body["cookie"] = answer["cookie"]
            if not answer["more"]:
                break
        elapsed = time.perf_counter() - started
    types: Counter[str] = Counter()
    lead_bytes = 0
    for answer in answers:
        for op in answer["patch"]:
            types[op["type"]] += 1
            if op["type"] == "lead":
                lead_bytes += len(
                    json.dumps(op, separators=(",", ":"), ensure_ascii=False).encode()
                )
    stats = {
        "seconds": elapsed,
        "rows": sum(types.values()),
        "types": dict(types),
        "pages": len(answers),
        "wire_bytes": wire,
        "json_bytes": plain,
        "bytes_per_lead": lead_bytes / types["lead"] if types["lead"] else float("nan"),
        "content_encoding": sorted(encodings),
    }
    return stats, answers


class StaticServer(ServerProcess):
    """bench/static_pages.py under uvicorn, one worker, like Terrain's server."""

    def _command(self) -> list[str]:
        command = super()._command()
        command[command.index("api.main:create_app")] = "bench.static_pages:create_app"
        return command


def median_run(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]


def run(backend: str, args: Any) -> dict[str, Any]:
    with stage(backend, args.pg_url, serve=True) as st:
        assert st.server is not None
        agent = st.seed["agent"]
        populate(st.engine, agent, args.leads, args.interactions)
        # One pull first, untimed: its pages are what the static server answers.
        _, answers = http_pull(st.server.base_url, agent, args.page)
        write_pages(st.workdir / "pages", answers)
        static = StaticServer(
            st.database.url, st.workdir / "static", env={PAGES_ENV: str(st.workdir / "pages")}
        )
        static.start()
        raws: list[tuple[float, int]] = []
        pulls: list[dict[str, Any]] = []
        floors: list[dict[str, Any]] = []
        try:
            for _ in range(args.repeat):  # interleaved: all see the same machine load
                raws.append(raw_scan(st.engine, args.page))
                pulls.append(http_pull(st.server.base_url, agent, args.page)[0])
                floors.append(http_pull(static.base_url, agent, args.page)[0])
        finally:
            static.stop()
        version = database_version(st.engine)
    raw_s = statistics.median(s for s, _ in raws)
    raw_rows = raws[0][1]
    pull, floor = median_run(pulls), median_run(floors)
    if pull["rows"] != raw_rows or floor["rows"] != raw_rows:
        raise RuntimeError(
            f"pull sent {pull['rows']} rows ({pull['types']}), the tables hold {raw_rows}"
        )
    return {
        "backend": backend,
        "database": version,
        "rows": raw_rows,
        "raw_seconds": raw_s,
        "raw_rows_per_s": raw_rows / raw_s,
        "pull_seconds": pull["seconds"],
        "pull_rows_per_s": pull["rows"] / pull["seconds"],
        "ratio_to_raw": raw_s / pull["seconds"],
        "static_seconds": floor["seconds"],
        "static_rows_per_s": floor["rows"] / floor["seconds"],
        "static_ratio_to_raw": raw_s / floor["seconds"],
        "ratio_to_static": floor["seconds"] / pull["seconds"],
        **{
            k: pull[k]
            for k in (
                "types",
                "pages",
                "wire_bytes",
                "json_bytes",
                "bytes_per_lead",
                "content_encoding",
            )
        },
        "runs": {
            "raw_seconds": [s for s, _ in raws],
            "pull_seconds": [p["seconds"] for p in pulls],
            "static_seconds": [f["seconds"] for f in floors],
        },
    }


def main() -> None:
    p = parser(__doc__ or "")
    p.add_argument("--leads", type=int, default=20_000)
    p.add_argument("--interactions", type=int, default=60_000)
    p.add_argument("--page", type=int, default=500)
    p.add_argument("--repeat", type=int, default=3, help="median of this many runs of each")
    args = p.parse_args()
    info = machine()
    print(
        f"P2 sync pull — {info['date']} — {info['nproc']} x {info['cpu']}, Python {info['python']}"
    )
    results = [run(backend, args) for backend in backends(args.db)]
    rows = []
    for r in results:
        rows.append(
            [
                r["database"],
                "raw keyset scan",
                r["rows"],
                r["raw_seconds"],
                r["raw_rows_per_s"],
                "—",
                "—",
                "—",
            ]
        )
        rows.append(
            [
                r["database"],
                "static pages, HTTP",
                r["rows"],
                r["static_seconds"],
                r["static_rows_per_s"],
                f"{r['static_ratio_to_raw']:.0%}",
                "—",
                "—",
            ]
        )
        rows.append(
            [
                r["database"],
                "Terrain HTTP pull",
                r["rows"],
                r["pull_seconds"],
                r["pull_rows_per_s"],
                f"{r['ratio_to_raw']:.0%}",
                f"{r['bytes_per_lead']:.0f}",
                f"{r['json_bytes'] / r['wire_bytes']:.1f}x {'/'.join(r['content_encoding'])}",
            ]
        )
    print()
    print_table(
        ["database", "reader", "rows", "s", "rows/s", "vs raw", "B/lead", "compression"], rows
    )
    print(f"\npages of {args.page}; target: ≥ 30 % of raw, ≤ 700 bytes per lead before compression")
    for r in results:
        print(
            f"{r['database']}: Terrain pull at {r['ratio_to_static']:.0%} of the static pages "
            "(same pages, same HTTP stack and client: the rest is the server's work)"
        )
    write_json(
        args.json_path,
        {"benchmark": "P2 sync pull", "machine": info, "page": args.page, "results": results},
    )


if __name__ == "__main__":
    main()
