"""The pull algorithm (sync-protocol.md, `POST /api/sync/pull`).

A pull cycle sends every row whose version lies in (base, S], S being the space version read
in the cycle's first snapshot and kept in the cookie for all its pages. Pushes bump the
space version first and so commit in version order; rows that change during the cycle get a
version above S and come in the next cycle. Within a cycle each feed (entity type, fixed
order) is paged by keyset on (version, id), so no row is skipped or sent twice (I4, I5).

Children (interactions of a lead, tallies of a session) are visible through their parent.
When a parent changes (reassigned, deleted, restored) its children are in the window too,
so a client that gains a lead receives its history and one that loses it gets `del`s.

Each row's op comes out of the query as finished JSON text (sync/rowjson.py); Python decides
nothing per row but the field stamps' "*" and joins the texts of a page. Statements are built
once per feed and dialect and reused (SQLAlchemy caches their compiled form).
"""

from __future__ import annotations

import heapq
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Integer,
    Select,
    Table,
    Text,
    and_,
    bindparam,
    case,
    cast,
    literal_column,
    select,
    tuple_,
    type_coerce,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import NullType

from sync import cookie as cookies
from sync import rowjson
from sync.cookie import START, Cookie, Cursor
from sync.hlc import Clock
from sync.models import SyncClient, SyncClientGroup
from sync.protocol import MAX_PULL_LIMIT, PullRequest, WrongOwner, check_schema_version
from sync.space import current_version
from sync.sqltypes import table_of

DAY_MS = 24 * 3600 * 1000
_client = table_of(SyncClient)
_group = table_of(SyncClientGroup)

# A page scans at most this many keys per op it may hold (callers who see little of a
# large organisation get shorter pages rather than slow ones).
_SCAN_LIMIT = 8


@dataclass(frozen=True, eq=False)
class Feed:
    """One entity type as the caller may see it. Compared by identity: the statements built
    for a feed are cached with it, so callers keep the same Feed objects for one caller."""

    type: str
    table: Table
    columns: Sequence[str]  # the value's keys (never personal data the caller may not see)
    # True when the caller may see the row; may use the parent's columns.
    visible: ColumnElement[bool]
    parent: Table | None = None
    parent_fk: str | None = None
    hlc_column: str | None = None
    deleted_column: str | None = None


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


def _stamps_json(text: str | None) -> str | None:
    """The row's field stamps as sent (`compact_hlc`), None when it has none."""
    stamps = orjson.loads(text) if text else None
    return orjson.dumps(compact_hlc(stamps)).decode() if stamps else None


_DEL = '{"op":"del"'
_Key = tuple[bool, bool, bool]  # delta, after a cursor, children through their parent


@dataclass
class _Reader:
    """One feed's statements for one dialect, built once. A row comes back as (version, id
    as text, op, [stored field stamps]); the op is JSON text: the put, or for a row the
    caller may not see its `del` (delta) or NULL (first download: left out)."""

    feed: Feed
    dialect: Dialect
    statements: dict[_Key, Select[Any]] = field(default_factory=dict)

    def _columns(self, delta: bool) -> list[ColumnElement[Any]]:
        feed, t, dialect = self.feed, self.feed.table, self.dialect
        live = feed.visible
        if feed.deleted_column:
            live = and_(live, t.c[feed.deleted_column].is_(None))
        put = rowjson.put_head(t, feed.type, feed.columns, dialect)
        if not feed.hlc_column:
            put += "||'}}'"  # else closed in Python, after the stamps
        gone: ColumnElement[Any] | None = None
        if delta:
            gone = literal_column(rowjson.del_op(t, feed.type, dialect))
        row_id = t.c.id if dialect.name == "sqlite" else cast(t.c.id, Text)
        # Visibility is read, not filtered on: in the WHERE clause it tempts planners into
        # the team/creator indexes and a sort of every visible row for each page. Here the
        # only filters are on (version, id), so the keyset index drives every query.
        columns = [
            type_coerce(t.c.version, NullType()),
            type_coerce(row_id, NullType()),
            case((live, literal_column(put)), else_=gone),
        ]
        if feed.hlc_column:
            # Read for every row (a `del` ignores them): a CASE would test `live` again.
            stamps = t.c[feed.hlc_column]
            text = stamps if dialect.name == "sqlite" else cast(stamps, Text)
            columns.append(type_coerce(text, NullType()))
        return columns

    def _statement(self, key: _Key) -> Select[Any]:
        found = self.statements.get(key)
        if found is not None:
            return found
        delta, after, via_parent = key
        feed, t = self.feed, self.feed.table
        conds: list[ColumnElement[bool]] = [t.c.version <= bindparam("upper", type_=BigInteger)]
        if after:
            cursor = tuple_(bindparam("kv", type_=BigInteger), bindparam("kid", type_=t.c.id.type))
            conds.append(tuple_(t.c.version, t.c.id) > cursor)
        source: Any = t
        if feed.parent is not None and feed.parent_fk:
            source = t.join(feed.parent, feed.parent.c.id == t.c[feed.parent_fk])
        if delta:
            window = (
                feed.parent.c.version if via_parent and feed.parent is not None else t.c.version
            )
            conds.append(window > bindparam("base", type_=BigInteger))
        statement = (
            select(*self._columns(delta))
            .select_from(source)
            .where(*conds)
            .order_by(t.c.version, t.c.id)
            .limit(bindparam("n", type_=Integer))
        )
        self.statements[key] = statement
        return statement

    def _run(
        self, conn: Connection, via_parent: bool, base: int, upper: int, cursor: Cursor, n: int
    ) -> list[Any]:
        params: dict[str, Any] = {"upper": upper, "n": n}
        if cursor.id is not None:
            params.update(kv=cursor.version, kid=cursor.id)
        if base > 0:
            params["base"] = base
        statement = self._statement((base > 0, cursor.id is not None, via_parent))
        return list(conn.execute(statement, params).fetchall())

    def fetch(self, conn: Connection, base: int, upper: int, cursor: Cursor, n: int) -> list[Any]:
        """The next `n` rows of the window in (version, id) order: rows changed in it, and
        (base > 0) children of parents changed in it, whatever their own version."""
        found = self._run(conn, False, base, upper, cursor, n)
        if base == 0 or self.feed.parent is None:
            return found
        more = self._run(conn, True, base, upper, cursor, n)
        merged: list[Any] = []
        # Ids as text sort as the database sorts them (hex digits; dashes at fixed places).
        for row in heapq.merge(found, more, key=lambda r: (r[0], r[1])):
            if not merged or row[1] != merged[-1][1]:
                merged.append(row)
                if len(merged) == n:
                    break
        return merged

    def ops(self, rows: list[Any], out: list[str]) -> None:
        """Append the rows' ops to `out`."""
        if not self.feed.hlc_column:
            out.extend(op for _, _, op in rows if op is not None)
            return
        for _, _, op, text in rows:
            if op is None:
                continue
            if op.startswith(_DEL):
                out.append(op)
                continue
            stamps = _stamps_json(text)
            if stamps is None:
                out.append(op + "}}")
            else:
                comma = "" if op.endswith("{") else ","  # a value without members
                out.append(f'{op}{comma}"_hlc":{stamps}}}}}')


# About 100 KiB of statements per caller (six feeds): room for the callers of a busy server.
@lru_cache(maxsize=6 * 128)
def _reader(feed: Feed, dialect: Dialect) -> _Reader:
    return _Reader(feed, dialect)


def _page(
    conn: Connection, feeds: Sequence[Feed], state: Cookie, limit: int
) -> tuple[list[str], Cursor | None]:
    """Ops of one page (at most `limit`, as JSON texts), and where the next page starts
    (None: done).

    Rows the caller may not see are skipped (full download) or sent as `del` (delta), so
    a page can hold fewer ops than keys scanned; scanning stops at a bound either way.
    """
    cursor = state.cursor or START
    patch: list[str] = []
    scanned = 0
    for index in range(cursor.feed, len(feeds)):
        reader = _reader(feeds[index], conn.dialect)
        at = cursor if index == cursor.feed else START
        while True:
            want = limit - len(patch)
            rows = reader.fetch(conn, state.base, state.upper, at, want)
            scanned += len(rows)
            if rows:
                reader.ops(rows, patch)
                at = Cursor(index, int(rows[-1][0]), uuid.UUID(rows[-1][1]))
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


_OWNER = select(_group.c.user_id).where(_group.c.id == bindparam("group"))
_LAST_IDS = select(_client.c.id, _client.c.last_mutation_id).where(
    _client.c.client_group_id == bindparam("group"),
    _client.c.version <= bindparam("upper", type_=BigInteger),
)


def _check_group(conn: Connection, group_id: uuid.UUID, user_id: uuid.UUID) -> None:
    owner = conn.execute(_OWNER, {"group": group_id}).scalar()
    if owner is not None and owner != user_id:
        raise WrongOwner("This sync client belongs to another user.")


def _mutation_ids(conn: Connection, group_id: uuid.UUID, upper: int) -> dict[str, int]:
    """Each client's last mutation id, for clients whose last push is within the snapshot
    (a push committed after S is reported by the next pull: I6)."""
    rows = conn.execute(_LAST_IDS, {"group": group_id, "upper": upper})
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
    """One page of a pull, read in the caller's snapshot; returns the response body, for
    orjson: `patch` is an `orjson.Fragment` holding the page's ops, already JSON."""
    check_schema_version(request.schemaVersion)
    _check_group(conn, request.clientGroupID, user_id)
    now_ms = clock.wall() if now_ms is None else now_ms
    state, reset = _start(request, epoch, current_version(conn), now_ms, horizon_days)
    patch: list[str] = []
    next_cursor: Cursor | None = None
    if state.base < state.upper or state.base == 0:
        patch, next_cursor = _page(conn, feeds, state, min(request.limit, MAX_PULL_LIMIT))
    body: dict[str, Any] = {"reset": reset, "patch": orjson.Fragment(f"[{','.join(patch)}]")}
    if next_cursor is not None:
        body["cookie"] = cookies.encode(replace(state, cursor=next_cursor))
        body["more"] = True
    else:
        body["cookie"] = cookies.encode(state.finished())
        body["more"] = False
        body["lastMutationIDChanges"] = _mutation_ids(conn, request.clientGroupID, state.upper)
    body["serverHLC"] = clock.now()
    return body
