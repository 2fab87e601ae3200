"""Whose turn it is to write the sync space in this process: a phone's push
(api/syncapi/service.py) and a change the server applies itself (api/syncapi/local.py)
wait in the same queue. Its own module so that the domain services, which reach the
mutators through local, do not depend on the push service."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlmodel import Session

# SQLite admits one writer at a time; waiting pushes of this process queue here (FIFO-ish,
# woken at once) instead of polling the write lock with busy-handler sleeps of up to 100 ms.
_SQLITE_PUSH_LOCK = threading.Lock()


def writer_turn(session: Session) -> AbstractContextManager[Any]:
    bind = session.get_bind()
    return _SQLITE_PUSH_LOCK if bind.dialect.name == "sqlite" else nullcontext()
