"""`terrain serve` keeps idle connections open for TERRAIN_KEEPALIVE_S (75 s by default).

uvicorn's own default is 5 s: a client pausing about that long between two requests (a
coordinator's screen, a load balancer reusing its pool) sent its next request just as the
server closed the connection, and that request failed (the held-load bench saw it as
"remote end closed connection without response")."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from tests.scratch import terrain_env
from tests.support.server import ServerProcess

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def _answer(conn: socket.socket) -> bytes:
    """One whole response on a keep-alive connection (b'' if the server had closed it)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(4096)
    return head


def _serve(tmp_path: Path, name: str, **settings: str) -> ServerProcess:
    env = terrain_env(tmp_path / name, None) | settings
    return ServerProcess.terrain(env, tmp_path / f"{name}.log")


def test_an_idle_connection_outlives_uvicorns_five_seconds(tmp_path: Path) -> None:
    server = _serve(tmp_path, "default")
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            conn.sendall(REQUEST)
            assert _answer(conn).startswith(b"HTTP/1.1 200")
            time.sleep(6.5)  # past uvicorn's default keep-alive of 5 s
            conn.sendall(REQUEST)
            assert _answer(conn).startswith(b"HTTP/1.1 200")
    finally:
        server.stop()


def test_the_setting_bounds_how_long_it_stays_open(tmp_path: Path) -> None:
    server = _serve(tmp_path, "short", TERRAIN_KEEPALIVE_S="1")
    server.start()
    try:
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            conn.sendall(REQUEST)
            assert _answer(conn).startswith(b"HTTP/1.1 200")
            time.sleep(3)
            assert conn.recv(4096) == b""  # closed by the server
    finally:
        server.stop()
