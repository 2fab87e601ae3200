"""A loopback TCP proxy that can cut a connection after N bytes or delay it.

Each accepted connection asks `policy(index)` for its Fault. The proxy forwards bytes both
ways and records what it forwarded, so a test can tell "the request reached the server"
from "part of the response reached the client". A hook on the first response bytes lets
a test kill the server at exactly that moment (committed, response not yet delivered).
"""

from __future__ import annotations

import contextlib
import select
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType


@dataclass
class Fault:
    """What happens to one connection; the default forwards everything untouched."""

    # Wait before connecting upstream (a slow network, or longer than the client's timeout).
    delay_s: float = 0.0
    # Forward only this many client→server bytes, then cut both sides.
    cut_request_after: int | None = None
    # Wait before forwarding the response (the server already answered).
    response_delay_s: float = 0.0
    # Forward only this many server→client bytes, then cut both sides.
    cut_response_after: int | None = None
    # Forward only this fraction of the whole response (collected first), then cut.
    cut_response_fraction: float | None = None
    # Called once when the first response bytes arrive, before anything is forwarded.
    on_response: Callable[[ConnectionLog], None] | None = None
    # Close with RST instead of FIN when cutting.
    reset: bool = False


@dataclass
class ConnectionLog:
    index: int
    fault: Fault
    request_bytes: int = 0  # forwarded to the server
    response_bytes_seen: int = 0  # received from the server
    response_bytes: int = 0  # forwarded to the client
    cut: bool = False
    upstream_failed: bool = False
    closed: threading.Event = field(default_factory=threading.Event)
    # Set once a whole HTTP request (headers + Content-Length body) reached the server.
    request_complete: threading.Event = field(default_factory=threading.Event)
    _head: bytes = b""
    _request_size: int | None = None

    def count_request(self, data: bytes) -> None:
        self.request_bytes += len(data)
        if self._request_size is None:
            self._head += data
            end = self._head.find(b"\r\n\r\n")
            if end < 0:
                return
            length = 0
            for line in self._head[:end].split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            self._request_size = end + 4 + length
        if self.request_bytes >= self._request_size:
            self.request_complete.set()


def _close(sock: socket.socket, reset: bool = False) -> None:
    try:
        if reset:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    except OSError:
        pass


class TcpProxy:
    """Listens on 127.0.0.1:<port> and forwards to upstream_port."""

    def __init__(
        self,
        upstream_port: int,
        *,
        upstream_host: str = "127.0.0.1",
        policy: Callable[[int], Fault] | None = None,
    ) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.policy: Callable[[int], Fault] = policy or (lambda _i: Fault())
        self.logs: list[ConnectionLog] = []
        self._lock = threading.Lock()
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(128)
        self.port: int = self._listener.getsockname()[1]
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept_loop, daemon=True)
        self._open: set[socket.socket] = set()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> TcpProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept()
        _close(self._listener)
        with self._lock:
            for sock in list(self._open):
                _close(sock)
        self._thread.join(timeout=5)

    def __enter__(self) -> TcpProxy:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def _accept_loop(self) -> None:
        index = 0
        while not self._stopping.is_set():
            try:
                conn, _addr = self._listener.accept()
            except OSError:
                return
            log = ConnectionLog(index=index, fault=self.policy(index))
            with self._lock:
                self.logs.append(log)
                self._open.add(conn)
            index += 1
            threading.Thread(target=self._serve, args=(conn, log), daemon=True).start()

    def _serve(self, client: socket.socket, log: ConnectionLog) -> None:
        upstream: socket.socket | None = None
        try:
            if log.fault.delay_s:
                time.sleep(log.fault.delay_s)
            try:
                upstream = socket.create_connection(self.upstream, timeout=10)
            except OSError:
                log.upstream_failed = True
                return
            upstream.settimeout(None)
            with self._lock:
                self._open.add(upstream)
            self._pump(client, upstream, log)
        finally:
            _close(client, reset=log.cut and log.fault.reset)
            if upstream is not None:
                _close(upstream, reset=log.cut and log.fault.reset)
            with self._lock:
                self._open.discard(client)
                if upstream is not None:
                    self._open.discard(upstream)
            log.closed.set()

    def _pump(self, client: socket.socket, upstream: socket.socket, log: ConnectionLog) -> None:
        first_response = True
        while not self._stopping.is_set():
            try:
                readable, _, _ = select.select([client, upstream], [], [], 0.5)
            except (OSError, ValueError):
                return
            for sock in readable:
                try:
                    data = sock.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                if sock is client:
                    if not self._forward_request(upstream, data, log):
                        return
                    continue
                if first_response:
                    first_response = False
                    data = self._first_response(upstream, data, log)
                else:
                    log.response_bytes_seen += len(data)
                if not self._forward_response(client, data, log):
                    return

    def _forward_request(self, upstream: socket.socket, data: bytes, log: ConnectionLog) -> bool:
        limit = log.fault.cut_request_after
        if limit is not None and log.request_bytes + len(data) >= limit:
            part = data[: max(0, limit - log.request_bytes)]
            if part:
                upstream.sendall(part)
            log.count_request(part)
            log.cut = True
            return False
        upstream.sendall(data)
        log.count_request(data)
        return True

    def _first_response(self, upstream: socket.socket, data: bytes, log: ConnectionLog) -> bytes:
        fault = log.fault
        if fault.cut_response_fraction is not None:
            # Collect the whole response (the server writes it at once) to cut inside it.
            data += _drain(upstream, quiet_s=0.05)
        log.response_bytes_seen += len(data)
        if fault.on_response is not None:
            fault.on_response(log)
        if fault.response_delay_s:
            time.sleep(fault.response_delay_s)
        if fault.cut_response_fraction is not None:
            fault.cut_response_after = max(1, int(len(data) * fault.cut_response_fraction))
            fault.cut_response_after = min(fault.cut_response_after, max(0, len(data) - 1))
        return data

    def _forward_response(self, client: socket.socket, data: bytes, log: ConnectionLog) -> bool:
        limit = log.fault.cut_response_after
        if limit is not None and log.response_bytes + len(data) >= limit:
            part = data[: max(0, limit - log.response_bytes)]
            try:
                if part:
                    client.sendall(part)
            except OSError:
                pass
            log.response_bytes += len(part)
            log.cut = True
            return False
        try:
            client.sendall(data)
        except OSError:
            return False
        log.response_bytes += len(data)
        return True


def _drain(sock: socket.socket, quiet_s: float) -> bytes:
    """Read whatever arrives until the socket has been quiet for `quiet_s` or closes."""
    chunks: list[bytes] = []
    while True:
        readable, _, _ = select.select([sock], [], [], quiet_s)
        if not readable:
            break
        try:
            data = sock.recv(65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    return b"".join(chunks)
