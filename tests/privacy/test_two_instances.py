"""IO-1/IO-2 limits across instances: two real `terrain serve` processes on one PostgreSQL.
The login throttle and the public form's rate limit count in the database, so a client that
alternates between instances is stopped at the same count; a forged X-Forwarded-For from an
untrusted peer changes nothing; the sync body limits hold on both. Their logs, read after,
hold none of the canaries the requests carried."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.scratch import scratch_database, terrain_env
from tests.support import canary
from tests.support.canary import NAMES_AND_NUMBERS
from tests.support.databases import seed
from tests.support.server import ServerProcess
from tests.test_multi_instance import postgresql_only

Pair = tuple[list[ServerProcess], dict[str, str]]


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pair]:
    workdir = tmp_path_factory.mktemp("two")
    with scratch_database("postgresql", workdir) as url:
        people = seed(url)
        key = secrets.token_urlsafe(32)  # one key for all instances (README)
        servers = []
        for name in ("a", "b"):
            env = terrain_env(workdir / name, url) | {"TERRAIN_SECRET_KEY": key}
            servers.append(ServerProcess.terrain(env, workdir / f"{name}.log"))
        for server in servers:
            server.start(wait=False)
        try:
            for server in servers:
                server.wait_ready()
            yield servers, people["agent"].headers()
        finally:
            for server in servers:
                server.stop()


@postgresql_only
def test_io_2_login_throttle_holds_across_instances(pair: Pair) -> None:
    servers, _ = pair
    with httpx.Client(timeout=30) as http:
        answers = []
        for n in range(7):
            server = servers[n % 2]
            r = http.post(
                f"{server.base_url}/api/auth/token",
                data={"username": "victim@stress.terrain", "password": f"wrong {n}"},
                headers={"X-Forwarded-For": f"203.0.113.{n}"},  # forged: ignored
            )
            answers.append(r.status_code)
        assert answers[:5] == [401] * 5
        assert answers[5:] == [429, 429]
        assert int(r.headers["retry-after"]) > 0


@postgresql_only
def test_io_2_intake_limit_holds_across_instances(pair: Pair) -> None:
    servers, _ = pair
    with httpx.Client(timeout=30) as http:
        codes = []
        for n in range(6):
            server = servers[n % 2]
            r = http.post(
                f"{server.base_url}/fr/intake",
                data={"website": "spam", "first_name": canary.FIRST},
                headers={"Accept": "application/json", "X-Forwarded-For": f"198.51.100.{n}"},
            )
            codes.append(r.status_code)
        assert codes == [200] * 5 + [429]


@postgresql_only
def test_io_1_sync_body_limits_hold_on_both(pair: Pair) -> None:
    servers, headers = pair
    big_push = b'{"mutations": [' + b'{"x": "' + b"a" * (2 * 1024 * 1024) + b'"}]}'
    big_pull = b'{"cookie": "' + b"a" * (65 * 1024) + b'"}'
    with httpx.Client(timeout=60) as http:
        for server in servers:
            push = http.post(
                f"{server.base_url}/api/sync/push",
                content=big_push,
                headers={**headers, "Content-Type": "application/json"},
            )
            assert push.status_code == 413, push.text
            pull = http.post(
                f"{server.base_url}/api/sync/pull",
                content=big_pull,
                headers={**headers, "Content-Type": "application/json"},
            )
            assert pull.status_code == 413, pull.text


@postgresql_only
def test_pd_7_the_instances_logs_hold_no_canary(pair: Pair, tmp_path: Path) -> None:
    servers, headers = pair
    with httpx.Client(timeout=30) as http:
        for server in servers:
            http.get(f"{server.base_url}/api/leads?q={canary.LAST}", headers=headers)
            http.post(
                f"{server.base_url}/api/leads",
                json={"first_name": canary.FIRST, "phone": "not a phone " + canary.PHONE},
                headers=headers,
            )
    for server in servers:
        log = server.log
        assert "GET /api/leads 200" in log
        assert [c for c in NAMES_AND_NUMBERS if c.lower() in log.lower()] == []
