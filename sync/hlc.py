"""Hybrid logical clock: "{wall_ms:013d}-{counter:04x}-{node}", compared as strings."""

from __future__ import annotations

import threading
import time
from typing import NamedTuple

# Stamps more than this far in the server's future are clamped (protocol: 5 minutes).
MAX_FUTURE_MS = 5 * 60 * 1000


class Stamp(NamedTuple):
    """Ordered as (wall_ms, counter, node); a tuple because a push makes one per mutation
    (a frozen dataclass costs three times as much to build)."""

    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:04x}-{self.node}"


def parse(value: str) -> Stamp:
    """Parse a stamp; raise ValueError on anything malformed."""
    wall, counter, node = value.split("-", 2)
    if len(wall) != 13 or not wall.isdigit() or len(counter) != 4 or not node:
        raise ValueError("malformed hlc")
    return Stamp(int(wall), int(counter, 16), node)


class Clock:
    """The server's clock: issues stamps for REST writes and folds in what clients send."""

    def __init__(self, node: str = "server", now_ms: object = None) -> None:
        self._node = node
        self._now_ms = now_ms if callable(now_ms) else (lambda: int(time.time() * 1000))
        self._last = Stamp(0, 0, node)
        self._lock = threading.Lock()

    def wall(self) -> int:
        ms = self._now_ms()
        assert isinstance(ms, int)
        return ms

    def now(self) -> str:
        with self._lock:
            wall = self.wall()
            if wall > self._last.wall_ms:
                self._last = Stamp(wall, 0, self._node)
            else:
                self._last = Stamp(self._last.wall_ms, self._last.counter + 1, self._node)
            return str(self._last)

    def receive(self, remote: str) -> str:
        """Fold a client's stamp in, clamping one too far in the future; return it (clamped)."""
        stamp = parse(remote)
        limit = self.wall() + MAX_FUTURE_MS
        if stamp.wall_ms > limit:
            stamp = Stamp(limit, stamp.counter, stamp.node)
        with self._lock:
            if stamp.wall_ms > self._last.wall_ms or (
                stamp.wall_ms == self._last.wall_ms and stamp.counter > self._last.counter
            ):
                self._last = Stamp(stamp.wall_ms, stamp.counter, self._node)
        return str(stamp)
