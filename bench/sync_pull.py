"""P2 — first full sync pull (performance.md).

20,000 leads + 60,000 interactions (and the first follow-up every lead gets) pulled by a
new phone in pages of 500 over HTTP with gzip, from a real uvicorn (one worker); baseline
in the same run: a keyset scan of the same rows on (version, id), pages of 500, through
the bare driver. Reports rows/s, the ratio, and the bytes per lead before compression.

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
from tests.support.databases import Person
from tests.support.sync_client import PROTOCOL, SCHEMA_VERSION

TABLES = ("lead", "interaction", "followup")


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


def http_pull(base_url: str, person: Person, page: int) -> dict[str, Any]:
    """A new phone's first pull, until `more` is false (httpx asks for gzip by default)."""
    body: dict[str, Any] = {
        "protocol": PROTOCOL,
        "clientGroupID": str(uuid.uuid4()),
        "schemaVersion": SCHEMA_VERSION,
        "cookie": None,
        "limit": page,
    }
    types: Counter[str] = Counter()
    wire = plain = lead_bytes = pages = 0
    encodings: set[str] = set()
    with httpx.Client(base_url=base_url, headers=person.headers(), timeout=120) as http:
        http.get("/healthz")
        started = time.perf_counter()
        while True:
            response = http.post("/api/sync/pull", json=body)
            if response.status_code != 200:
                raise RuntimeError(f"pull: {response.status_code} {response.text[:300]}")
            pages += 1
            wire += response.num_bytes_downloaded
            plain += len(response.content)
            encodings.add(response.headers.get("content-encoding", "identity"))
            answer = response.json()
            for op in answer["patch"]:
                types[op["type"]] += 1
                if op["type"] == "lead":
                    lead_bytes += len(
                        json.dumps(op, separators=(",", ":"), ensure_ascii=False).encode()
                    )
            body["cookie"] = answer["cookie"]
            if not answer["more"]:
                break
        elapsed = time.perf_counter() - started
    return {
        "seconds": elapsed,
        "rows": sum(types.values()),
        "types": dict(types),
        "pages": pages,
        "wire_bytes": wire,
        "json_bytes": plain,
        "bytes_per_lead": lead_bytes / types["lead"] if types["lead"] else float("nan"),
        "content_encoding": sorted(encodings),
    }


def run(backend: str, args: Any) -> dict[str, Any]:
    with stage(backend, args.pg_url, serve=True) as st:
        assert st.server is not None
        agent = st.seed["agent"]
        populate(st.engine, agent, args.leads, args.interactions)
        raws: list[tuple[float, int]] = []
        pulls: list[dict[str, Any]] = []
        for _ in range(args.repeat):  # interleaved: both see the same machine load
            raws.append(raw_scan(st.engine, args.page))
            pulls.append(http_pull(st.server.base_url, agent, args.page))
        version = database_version(st.engine)
    raw_s = statistics.median(s for s, _ in raws)
    raw_rows = raws[0][1]
    pull = sorted(pulls, key=lambda p: p["seconds"])[len(pulls) // 2]
    if pull["rows"] != raw_rows:
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
        "ratio_to_raw": (pull["rows"] / pull["seconds"]) / (raw_rows / raw_s),
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
    write_json(
        args.json_path,
        {"benchmark": "P2 sync pull", "machine": info, "page": args.page, "results": results},
    )


if __name__ == "__main__":
    main()
