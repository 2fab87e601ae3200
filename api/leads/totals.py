"""How many leads a list has: the `total` of every page of the queue.

Counting a team's 50,000 leads under a filter reads every one of them, and the queue asks
for the same total with every page it shows (performance.md P4). A total is therefore
remembered per database, sync-space version, viewer scope and filters: every write that
changes a lead takes a new sync-space version first (api/leads/service.py `writing`, the
sync push), so a remembered total is the count as of the latest write, never older.

Only large totals are remembered (`REMEMBER_FROM`): a small one costs little to count
again and is always counted fresh. Filters that compare with the clock (days in stage,
first contact overdue) change with time as well as with writes: theirs are remembered for
`CLOCK_SECONDS` at most.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import astuple
from datetime import datetime

from sqlmodel import Session

from api.leads.filters import LeadFilters
from api.scope import Viewer
from api.vocab import Role
from sync.space import current_version

REMEMBER_FROM = 200
CLOCK_SECONDS = 10
_SIZE = 1024


class _Counting:
    """A total being counted by one thread, which the others asking for it wait for."""

    def __init__(self) -> None:
        self.done = threading.Event()
        self.total: int | None = None


class Totals:
    """A small LRU of totals, shared by the worker's threads."""

    def __init__(self, size: int = _SIZE) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._items: OrderedDict[Hashable, int] = OrderedDict()
        self._counting: dict[Hashable, _Counting] = {}

    def get(self, key: Hashable) -> int | None:
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
            return found

    def put(self, key: Hashable, total: int) -> None:
        with self._lock:
            self._items[key] = total
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def count_once(self, key: Hashable, count: Callable[[], int]) -> int:
        """The remembered total, else `count()` — counted by one thread at a time: the
        others asking for the same total meanwhile wait for its answer. After a write, or
        when a filter's clock moves on, the queue's page is asked by many browsers at once;
        each counting the team's leads again multiplied the work (performance.md P4)."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                return found
            counting = self._counting.get(key)
            mine = counting is None
            if counting is None:
                counting = self._counting[key] = _Counting()
        if not mine:
            counting.done.wait()
            if counting.total is None:  # its count failed: count here (or fail alike)
                return self.count_once(key, count)
            return counting.total
        try:
            counting.total = count()
            if counting.total >= REMEMBER_FROM:
                self.put(key, counting.total)
            return counting.total
        finally:
            with self._lock:
                del self._counting[key]
            counting.done.set()

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


TOTALS = Totals()


def _scope(actor: Viewer) -> Hashable:
    """What decides which leads the viewer sees (api/scope.py `lead_visible`)."""
    if actor.role == Role.admin:
        return ("admin",)
    teams = tuple(sorted(str(t) for t in actor.team_ids))
    if actor.role == Role.coordinator:
        return ("coordinator", teams)
    return (actor.role.value, teams, str(actor.id))


def _filters_key(filters: LeadFilters, now: datetime) -> Hashable:
    values = tuple(tuple(v) if isinstance(v, list) else v for v in astuple(filters))
    clock = None
    if filters.overdue or filters.min_days_in_stage is not None:
        clock = int(now.timestamp()) // CLOCK_SECONDS
    return (values, clock)


def total(
    session: Session,
    *,
    actor: Viewer,
    filters: LeadFilters,
    now: datetime,
    count: Callable[[], int],
) -> int:
    """`count()` — or the same total remembered since the latest write."""
    conn = session.connection()
    key = (
        conn.engine.url.render_as_string(hide_password=True),
        current_version(conn),
        _scope(actor),
        _filters_key(filters, now),
    )
    return TOTALS.count_once(key, count)
