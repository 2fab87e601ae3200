"""The server's hybrid logical clock: stamps REST writes and folds in clients' stamps."""

from __future__ import annotations

from sync.hlc import Clock

server_clock = Clock(node="server")
