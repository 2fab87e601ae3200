"""Hybrid logical clock: "{wall_ms:013d}-{counter:04x}-{node}", compared as strings.

The text form only sorts like the clock if it never leaves that shape, so:
- `parse` accepts exactly 13 ASCII digits, 4 lowercase hex digits and a plain node name;
- the counter never passes ffff: one more event carries into the next millisecond;
- a client's stamp more than MAX_FUTURE_MS in the server's future is refused (the op with
  it is rejected) and never reaches the clock, nor does a stamp of an op that is refused
  for any other reason (`check` validates without folding in; `fold` after the op applied).
"""

from __future__ import annotations

import re
import threading
import time
from typing import NamedTuple

# How far in the server's future a client's stamp may be (protocol: 5 minutes).
MAX_FUTURE_MS = 5 * 60 * 1000
MAX_COUNTER = 0xFFFF

_STAMP = re.compile(r"([0-9]{13})-([0-9a-f]{4})-([0-9A-Za-z][0-9A-Za-z._:-]{0,63})", re.ASCII)


class MalformedStamp(ValueError):
    """Not a stamp in the protocol's text form."""


class StampInFuture(ValueError):
    """A stamp further in the server's future than the allowed clock drift."""


class Stamp(NamedTuple):
    """Ordered as (wall_ms, counter, node); a tuple because a push makes one per mutation
    (a frozen dataclass costs three times as much to build)."""

    wall_ms: int
    counter: int
    node: str

    def __str__(self) -> str:
        return f"{self.wall_ms:013d}-{self.counter:04x}-{self.node}"


def parse(value: str) -> Stamp:
    """Parse a stamp; raise MalformedStamp (a ValueError) on anything else."""
    match = _STAMP.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise MalformedStamp("malformed hlc")
    wall, counter, node = match.groups()
    return Stamp(int(wall), int(counter, 16), node)


def _later(a: Stamp, b: Stamp) -> bool:
    return (a.wall_ms, a.counter) > (b.wall_ms, b.counter)


class Clock:
    """The server's clock: issues stamps for REST writes and folds in what clients send."""

    def __init__(
        self,
        node: str = "server",
        now_ms: object = None,
        *,
        max_future_ms: int | None = MAX_FUTURE_MS,
    ) -> None:
        """`max_future_ms`: how far ahead a received stamp may be; None (a client's clock)
        takes the server's stamps as they come."""
        self._node = node
        self._max_future_ms = max_future_ms
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
            last = self._last
            if wall > last.wall_ms:
                self._last = Stamp(wall, 0, self._node)
            elif last.counter < MAX_COUNTER:
                self._last = Stamp(last.wall_ms, last.counter + 1, self._node)
            else:
                # The counter is full: the next stamp is the next millisecond's first.
                self._last = Stamp(last.wall_ms + 1, 0, self._node)
            return str(self._last)

    def check(self, remote: str) -> Stamp:
        """A client's stamp, validated (format, not too far ahead) without folding it in."""
        stamp = parse(remote)
        if self._max_future_ms is not None and stamp.wall_ms > self.wall() + self._max_future_ms:
            raise StampInFuture("hlc in the future")
        return stamp

    def fold(self, stamp: Stamp) -> None:
        """Fold a checked stamp in: later stamps this clock issues sort after it."""
        with self._lock:
            if _later(stamp, self._last):
                self._last = Stamp(stamp.wall_ms, stamp.counter, self._node)

    def receive(self, remote: str) -> str:
        """Check a client's stamp and fold it in (raises ValueError, leaving the clock as it
        was, when it is malformed or too far ahead); returns it."""
        stamp = self.check(remote)
        self.fold(stamp)
        return str(stamp)

    def observe(self, stored: str | None) -> None:
        """Fold in a stamp read back from the database, so that an edit made after seeing
        it sorts after it. One that could not be checked now (malformed, written before
        stamps were checked, or ahead of the drift) is left out: it never moves the clock."""
        if not stored:
            return
        try:
            self.receive(stored)
        except ValueError:
            return
