"""The server's hybrid logical clock: stamps REST writes and folds in clients' stamps."""

from __future__ import annotations

from collections.abc import Iterable

from sync.hlc import Clock

server_clock = Clock(node="server")


def observe(stamps: Iterable[str | None]) -> None:
    """Fold stored stamps into the clock, so its next stamps are later than each: for an
    edit made after seeing those values (a phone's stamp within the allowed drift may be
    ahead of this clock, e.g. when another instance took it)."""
    for stamp in stamps:
        server_clock.observe(stamp)


def stamp_after(stamps: Iterable[str | None]) -> str:
    """A server stamp later than each stored stamp given (see `observe`)."""
    observe(stamps)
    return server_clock.now()
