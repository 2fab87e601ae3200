"""SY-5: 20 concurrent writers on SQLite for a while (TERRAIN_WRITERS_S seconds; CI 10, the
spec 60) through a real `terrain serve`: 0 "database is locked", every push acknowledged,
every acknowledged lead stored once."""

from __future__ import annotations

import os
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from api.db import make_engine
from tests.scratch import terrain_env
from tests.support.databases import create_database, seed
from tests.support.server import ServerProcess
from tests.sync.helpers import lead_fields, now_ms

WRITERS = 20
SECONDS = float(os.environ.get("TERRAIN_WRITERS_S", "10"))


def _writer(base: str, headers: dict[str, str], until: float, out: dict[str, Any]) -> None:
    group, client = str(uuid.uuid4()), str(uuid.uuid4())
    next_id = 1
    with httpx.Client(timeout=60) as http:
        while time.monotonic() < until:
            mutations = []
            for _ in range(5):
                lead_id = str(uuid.uuid4())
                mutations.append(
                    {
                        "id": next_id,
                        "name": "lead.create",
                        "v": 1,
                        "hlc": f"{now_ms():013d}-{next_id:04x}-{client}",
                        "args": {"id": lead_id, "fields": lead_fields(first_name="Writer")},
                    }
                )
                next_id += 1
            body = {
                "protocol": 1,
                "clientGroupID": group,
                "clientID": client,
                "schemaVersion": 1,
                "mutations": mutations,
            }
            r = http.post(f"{base}/api/sync/push", json=body, headers=headers)
            out["codes"].append(r.status_code)
            if r.status_code == 200:
                out["acked"].extend(m["args"]["id"] for m in mutations)


def test_sy_5_twenty_concurrent_writers_never_see_a_locked_database(tmp_path: Path) -> None:
    database = create_database("sqlite", tmp_path)
    people = seed(database.url, extra_agents=WRITERS)
    server = ServerProcess.terrain(
        terrain_env(tmp_path / "data", database.url), tmp_path / "serve.log"
    )
    with server:
        server.wait_ready()
        out: dict[str, Any] = {"codes": [], "acked": []}
        until = time.monotonic() + SECONDS
        threads = [
            threading.Thread(
                target=_writer, args=(server.base_url, people[f"bench{n}"].headers(), until, out)
            )
            for n in range(WRITERS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    log = server.log
    assert "locked" not in log.lower() and "unhandled" not in log
    assert out["codes"] and set(out["codes"]) == {200}
    engine = make_engine(database.url)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM lead")).scalar_one()
    engine.dispose()
    assert stored == len(out["acked"]) == len(set(out["acked"]))
