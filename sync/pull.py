"""The pull algorithm (sync-protocol.md, `POST /api/sync/pull`).

A pull cycle sends every row whose version lies in (base, S], S being the space version read
in the cycle's first snapshot and kept in the cookie for all its pages. Pushes bump the
space version first and so commit in version order; rows that change during the cycle get a
version above S and come in the next cycle. Within a cycle each feed (entity type, fixed
order) is paged by keyset on (version, id), so no row is skipped or sent twice (I4, I5).

Children (interactions of a lead, tallies of a session) are visible through their parent.
When a parent changes (reassigned, deleted, restored) its children are in the window too,
so a client that gains a lead receives its history and one that loses it gets `del`s.

Rows are read as raw driver values (the dialect formats UUIDs and times where it can) and
turned into plain dicts: no ORM object and no pydantic model per row.
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Table,
    Text,
    Uuid,
    and_,
    cast,
    func,
    literal,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.types import JSON, NullType

from sync import cookie as cookies
from sync.cookie import START, Cookie, Cursor
from sync.hlc import Clock
from sync.models import SyncClient, SyncClientGroup
from sync.protocol import MAX_PULL_LIMIT, PullRequest, WrongOwner, check_schema_version
from sync.space import current_version
from sync.sqltypes import table_of

DAY_MS = 24 * 3600 * 1000
_client = table_of(SyncClient)
_group = table_of(SyncClientGroup)

Conv = Callable[[Any], Any]
# A page scans at most this many keys per op it may hold (callers who see little of a
# large organisation get shorter pages rather than slow ones).
_SCAN_LIMIT = 8


@dataclass(frozen=True)
class Feed:
    """One entity type as the caller may see it."""

    type: str
    table: Table
    columns: Sequence[str]  # the value's keys (never personal data the caller may not see)
    # True when the caller may see the row; may use the parent's columns.
    visible: ColumnElement[bool]
    parent: Table | None = None
    parent_fk: str | None = None
    hlc_column: str | None = None
    deleted_column: str | None = None


def _dash(h: str) -> str:
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _iso_sqlite(s: str) -> str:
    # SQLAlchemy stores "YYYY-MM-DD HH:MM:SS.ffffff" (UTC) on SQLite.
    return f"{s[:10]}T{s[11:19]}Z"


def _value_expr(column: Column[Any], dialect: str) -> tuple[ColumnElement[Any], Conv | None]:
    """How to read one column raw, and what (if anything) Python still does to the value."""
    kind = column.type
    if isinstance(kind, JSON):
        text = type_coerce(column, NullType()) if dialect == "sqlite" else cast(column, Text)
        return text, orjson.Fragment
    if dialect == "sqlite":
        raw = type_coerce(column, NullType())
        if isinstance(kind, Uuid):
            return raw, _dash
        if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
            return raw, _iso_sqlite
        return raw, None
    if isinstance(kind, Uuid | Date):
        return cast(column, Text), None
    if isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime):
        return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), None
    return type_coerce(column, NullType()), None


def compact_hlc(stamps: dict[str, str]) -> dict[str, str]:
    """Field stamps with the most common one under "*" (most fields of a record share the
    stamp of the change that created it; this keeps a lead well under 700 bytes)."""
    if len(stamps) < 2:
        return stamps
    values = list(stamps.values())
    if values.count(values[0]) == len(values):
        return {"*": values[0]}
    counts: dict[str, int] = {}
    for stamp in stamps.values():
        counts[stamp] = counts.get(stamp, 0) + 1
    if len(counts) == 1:
        return {"*": next(iter(counts))}
    common = max(counts, key=counts.__getitem__)
    if counts[common] < 2:
        return stamps
    out = {"*": common}
    out.update((k, v) for k, v in stamps.items() if v != common)
    return out


@dataclass(frozen=True)
class _Shape:
    """What does not depend on the caller: columns read and how values are converted."""

    exprs: tuple[ColumnElement[Any], ...]
    id_conv: Conv | None
    values: tuple[tuple[str, int, Conv | None], ...]
    hlc_index: int | None


@lru_cache(maxsize=64)
def _shape(table: Table, columns: tuple[str, ...], hlc: str | None, dialect: str) -> _Shape:
    id_expr, id_conv = _value_expr(table.c.id, dialect)
    exprs: list[ColumnElement[Any]] = [id_expr, type_coerce(table.c.version, NullType())]
    values = []
    for name in columns:
        expr, conv = _value_expr(table.c[name], dialect)
        values.append((name, len(exprs), conv))
        exprs.append(expr)
    hlc_index = None
    if hlc:
        hlc_index = len(exprs)
        exprs.append(_value_expr(table.c[hlc], dialect)[0])
    return _Shape(tuple(exprs), id_conv, tuple(values), hlc_index)


class _Reader:
    """The statements and row converter of one feed, for one dialect."""

    def __init__(self, feed: Feed, dialect: str) -> None:
        self.feed = feed
        t = feed.table
        self.shape = _shape(t, tuple(feed.columns), feed.hlc_column, dialect)
        live = feed.visible
        if feed.deleted_column:
            live = and_(live, t.c[feed.deleted_column].is_(None))
        # Visibility is read, not filtered on: in the WHERE clause it tempts planners into
        # the team/creator indexes and a sort of every visible row for each page. Here the
        # only filters are on (version, id), so the keyset index drives every query.
        self.columns = (*self.shape.exprs, live.label("_live"))
        self.source = (
            t.join(feed.parent, feed.parent.c.id == t.c[feed.parent_fk])
            if feed.parent is not None and feed.parent_fk
            else t
        )

    def _keyset(self, upper: int, cursor: Cursor) -> list[ColumnElement[bool]]:
        t = self.feed.table
        conds: list[ColumnElement[bool]] = [t.c.version <= upper]
        if cursor.id is not None:
            conds.append(
                tuple_(t.c.version, t.c.id)
                > tuple_(literal(cursor.version), literal(cursor.id, t.c.id.type))
            )
        return conds

    def fetch(self, conn: Connection, base: int, upper: int, cursor: Cursor, n: int) -> list[Any]:
        """The next `n` rows of the window in (version, id) order: rows changed in it, and
        (base > 0) children of parents changed in it, whatever their own version."""
        t = self.feed.table
        order = (t.c.version, t.c.id)
        window = [t.c.version > base] if base > 0 else []
        changed = (
            select(*self.columns)
            .select_from(self.source)
            .where(*window, *self._keyset(upper, cursor))
            .order_by(*order)
            .limit(n)
        )
        found = list(conn.execute(changed).fetchall())
        parent = self.feed.parent
        if base == 0 or parent is None:
            return found
        via_parent = (
            select(*self.columns)
            .select_from(self.source)
            .where(parent.c.version > base, *self._keyset(upper, cursor))
            .order_by(*order)
            .limit(n)
        )
        merged: list[Any] = []
        more = conn.execute(via_parent).fetchall()
        for row in heapq.merge(found, more, key=lambda r: (r[1], r[0])):
            if not merged or row[0] != merged[-1][0]:
                merged.append(row)
                if len(merged) == n:
                    break
        return merged

    def ops(self, rows: list[Any], with_dels: bool) -> list[dict[str, Any]]:
        kind = self.feed.type
        shape = self.shape
        id_conv, values, hlc_index = shape.id_conv, shape.values, shape.hlc_index
        live_index = len(shape.exprs)
        out: list[dict[str, Any]] = []
        for r in rows:
            rid = id_conv(r[0]) if id_conv else r[0]
            if not r[live_index]:
                if with_dels:
                    out.append({"op": "del", "type": kind, "id": rid})
                continue
            value: dict[str, Any] = {
                key: conv(x) if conv else x for key, i, conv in values if (x := r[i]) is not None
            }
            if hlc_index is not None and r[hlc_index] not in ("{}", None):
                value["_hlc"] = compact_hlc(orjson.loads(r[hlc_index]))
            out.append({"op": "put", "type": kind, "id": rid, "version": r[1], "value": value})
        return out


def _page(
    conn: Connection, feeds: Sequence[Feed], state: Cookie, limit: int
) -> tuple[list[dict[str, Any]], Cursor | None]:
    """Ops of one page (at most `limit`), and where the next page starts (None: done).

    Rows the caller may not see are skipped (full download) or sent as `del` (delta), so
    a page can hold fewer ops than keys scanned; scanning stops at a bound either way.
    """
    cursor = state.cursor or START
    dialect = conn.dialect.name
    patch: list[dict[str, Any]] = []
    scanned = 0
    for index in range(cursor.feed, len(feeds)):
        reader = _Reader(feeds[index], dialect)
        at = cursor if index == cursor.feed else START
        while True:
            want = limit - len(patch)
            rows = reader.fetch(conn, state.base, state.upper, at, want)
            scanned += len(rows)
            if rows:
                patch.extend(reader.ops(rows, with_dels=state.base > 0))
                at = Cursor(index, int(rows[-1][1]), uuid.UUID(str(rows[-1][0])))
            if len(rows) < want:
                break  # this feed is done
            if len(patch) >= limit or scanned >= _SCAN_LIMIT * limit:
                return patch, at
    return patch, None


def _start(
    request: PullRequest, epoch: int, current: int, now_ms: int, horizon_days: int
) -> tuple[Cookie, bool]:
    """This page's cookie state, and whether the client must first clear its copy."""
    fresh = Cookie(0, current, now_ms, epoch, request.schemaVersion, START)
    old = cookies.decode(request.cookie)
    if (
        old is None
        or old.epoch != epoch
        or old.schema != request.schemaVersion
        or old.upper > current  # the database went back in time (restored backup)
        or now_ms - old.at_ms > horizon_days * DAY_MS  # tombstones may be gone (I9)
    ):
        return fresh, True
    if old.cursor is None:  # the last cycle finished: a new one from there
        return Cookie(old.upper, current, now_ms, epoch, old.schema, START), False
    return old, False


def _check_group(conn: Connection, group_id: uuid.UUID, user_id: uuid.UUID) -> None:
    owner = conn.execute(select(_group.c.user_id).where(_group.c.id == group_id)).scalar()
    if owner is not None and owner != user_id:
        raise WrongOwner("This sync client belongs to another user.")


def _mutation_ids(conn: Connection, group_id: uuid.UUID, upper: int) -> dict[str, int]:
    """Each client's last mutation id, for clients whose last push is within the snapshot
    (a push committed after S is reported by the next pull: I6)."""
    rows = conn.execute(
        select(_client.c.id, _client.c.last_mutation_id).where(
            _client.c.client_group_id == group_id, _client.c.version <= upper
        )
    )
    return {str(r.id): int(r.last_mutation_id) for r in rows}


def pull(
    conn: Connection,
    request: PullRequest,
    *,
    user_id: uuid.UUID,
    epoch: int,
    feeds: Sequence[Feed],
    clock: Clock,
    horizon_days: int,
    now_ms: int | None = None,
) -> dict[str, Any]:
    """One page of a pull, read in the caller's snapshot; returns the response body."""
    check_schema_version(request.schemaVersion)
    _check_group(conn, request.clientGroupID, user_id)
    now_ms = clock.wall() if now_ms is None else now_ms
    state, reset = _start(request, epoch, current_version(conn), now_ms, horizon_days)
    patch: list[dict[str, Any]] = []
    next_cursor: Cursor | None = None
    if state.base < state.upper or state.base == 0:
        patch, next_cursor = _page(conn, feeds, state, min(request.limit, MAX_PULL_LIMIT))
    body: dict[str, Any] = {"reset": reset, "patch": patch}
    if next_cursor is not None:
        body["cookie"] = cookies.encode(replace(state, cursor=next_cursor))
        body["more"] = True
    else:
        body["cookie"] = cookies.encode(state.finished())
        body["more"] = False
        body["lastMutationIDChanges"] = _mutation_ids(conn, request.clientGroupID, state.upper)
    body["serverHLC"] = clock.now()
    return body
