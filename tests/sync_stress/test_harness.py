"""The harness itself: the proxy really cuts and delays, the server really dies."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.support.databases import FreshDatabase, Seed
from tests.support.proxy import ConnectionLog, Fault, TcpProxy
from tests.support.server import ServerProcess
from tests.support.sync_client import uuid7


def _fresh() -> httpx.Client:
    # One connection per request, so one proxy fault hits exactly one request.
    return httpx.Client(limits=httpx.Limits(max_keepalive_connections=0), timeout=5)


def test_proxy_forwards_cuts_and_delays(server: ServerProcess) -> None:
    faults = {
        1: Fault(cut_request_after=10),
        2: Fault(cut_response_after=20),
        3: Fault(delay_s=0.3),
        4: Fault(response_delay_s=0.3),
        5: Fault(cut_response_fraction=0.5, reset=True),
    }
    with TcpProxy(server.port, policy=lambda i: faults.get(i, Fault())) as proxy, _fresh() as http:
        url = f"{proxy.base_url}/healthz"
        assert http.get(url).json()["status"] == "ok"
        with pytest.raises(httpx.TransportError):
            http.get(url)
        with pytest.raises(httpx.TransportError):
            http.get(url)
        for _ in (3, 4):
            started = time.monotonic()
            assert http.get(url).status_code == 200
            assert time.monotonic() - started >= 0.3
        with pytest.raises(httpx.TransportError):
            http.get(url)
        logs = proxy.logs
        assert logs[1].request_bytes == 10 and logs[1].cut and logs[1].response_bytes == 0
        assert logs[2].response_bytes == 20 and logs[2].response_bytes_seen > 20
        assert 0 < logs[5].response_bytes < logs[5].response_bytes_seen
        assert not logs[0].cut and logs[0].response_bytes == logs[0].response_bytes_seen


def test_server_dies_on_first_response_byte_and_restarts(
    server: ServerProcess, tmp_path_factory: pytest.TempPathFactory
) -> None:
    killed: list[int] = []

    def kill(log: ConnectionLog) -> None:
        killed.append(log.index)
        server.kill()

    with TcpProxy(
        server.port, policy=lambda i: Fault(on_response=kill, cut_response_after=0)
    ) as proxy:
        with _fresh() as http, pytest.raises(httpx.TransportError):
            http.get(f"{proxy.base_url}/healthz")
        assert killed == [0] and not server.alive
        assert proxy.logs[0].response_bytes_seen > 0 and proxy.logs[0].response_bytes == 0
    server.start()
    assert httpx.get(f"{server.base_url}/healthz").status_code == 200


def test_uuid7_is_time_ordered() -> None:
    first = uuid7()
    time.sleep(0.002)
    second = uuid7()
    assert first[14] == "7" and first < second


def test_terrain_serve_runs_under_the_manager(
    fresh_db: FreshDatabase, seeded: Seed, tmp_path: Path
) -> None:
    process = ServerProcess(fresh_db.url, tmp_path, entry="terrain")
    process.start()
    try:
        headers = seeded["agent"].headers()
        assert httpx.get(f"{process.base_url}/api/version", headers=headers).status_code == 200
        process.kill()
        assert not process.alive
        process.start()
        assert httpx.get(f"{process.base_url}/healthz").json()["status"] == "ok"
    finally:
        process.stop()
