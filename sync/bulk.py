"""Bulk INSERT/UPDATE through the driver's executemany (or COPY for many rows on
PostgreSQL), values stored exactly as SQLAlchemy stores them.

A push writes a few hundred rows; SQLAlchemy's per-value bind processing (type decorators,
UUID and datetime formatting) costs more than the database does. Each column gets one
small adapter instead, chosen once per table and dialect: SQLite keeps UUIDs as 32 hex
digits, times as "YYYY-MM-DD HH:MM:SS.ffffff" in UTC and JSON as text; psycopg takes UUIDs,
aware datetimes and dates as they are and JSON through its Json wrapper. A test writes
rows both ways and compares what is stored.
"""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any

import orjson
import psycopg
from psycopg.types.json import Json
from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    DateTime,
    Select,
    Table,
    Uuid,
    bindparam,
    select,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.types import JSON

Adapter = Callable[[Any], Any]


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("naive datetime given for a UTC column")
    return value.astimezone(UTC)


# A push stamps hundreds of columns with the same few times: memoised (equal datetimes are
# the same instant, so they share one UTC text).
@lru_cache(maxsize=1024)
def _sqlite_time(value: datetime) -> str:
    if value.tzinfo is not UTC:  # almost every time here is already in UTC
        value = _utc(value)
    # "YYYY-MM-DD HH:MM:SS.ffffff" and the "+00:00" that the slice drops.
    return value.isoformat(sep=" ", timespec="microseconds")[:26]


def _sqlite_uuid(value: uuid.UUID) -> str:
    return value.hex


def _sqlite_date(value: date) -> str:
    return value.isoformat()


def _sqlite_json(value: Any) -> str:
    return orjson.dumps(value).decode()


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _pg_json(value: Any) -> Json:
    return Json(value, dumps=_dumps)


def _is_time(column: Column[Any]) -> bool:
    kind = column.type
    return isinstance(kind, DateTime) or isinstance(getattr(kind, "impl", None), DateTime)


def _adapter(column: Column[Any], dialect: str) -> tuple[Adapter | None, bool]:
    """(how to turn a value into a driver value, whether None goes through it too)."""
    kind = column.type
    if isinstance(kind, JSON):
        # SQLAlchemy's JSON stores None as the JSON text null (none_as_null=False).
        return (_sqlite_json if dialect == "sqlite" else _pg_json), True
    if dialect != "sqlite":
        return (_utc if _is_time(column) else None), False
    if isinstance(kind, Uuid):
        return _sqlite_uuid, False
    if _is_time(column):
        return _sqlite_time, False
    if isinstance(kind, Date):
        return _sqlite_date, False
    if isinstance(kind, Boolean):
        return int, False
    return None, False


class _TableWriter:
    def __init__(self, table: Table, dialect: str) -> None:
        self.table = table
        self.names = [c.name for c in table.columns]
        self.adapters = {c.name: _adapter(c, dialect) for c in table.columns}
        self.mark = "?" if dialect == "sqlite" else "%s"
        self.pick = operator.itemgetter(*self.names)
        self.adapted = [
            (i, adapt, through_none)
            for i, (adapt, through_none) in enumerate(self.adapters[n] for n in self.names)
            if adapt is not None
        ]

    def _value(self, name: str, value: Any) -> Any:
        adapt, through_none = self.adapters[name]
        if adapt is None or (value is None and not through_none):
            return value
        return adapt(value)

    def insert_sql(self) -> str:
        columns = ", ".join(f'"{n}"' for n in self.names)
        marks = ", ".join([self.mark] * len(self.names))
        return f'INSERT INTO "{self.table.name}" ({columns}) VALUES ({marks})'

    def insert_params(
        self, rows: Sequence[Mapping[str, Any]], extra: Mapping[str, Any] | None = None
    ) -> list[tuple[Any, ...]]:
        # Fill absent columns with None (and add `extra` to every row), pick all values at
        # C speed, then adapt the few columns that need it.
        blank = dict.fromkeys(self.names)
        pick = self.pick
        adapted = self.adapted
        out = []
        more = extra or {}
        for row in rows:
            values = list(pick({**blank, **row, **more}))
            for i, adapt, through_none in adapted:
                value = values[i]
                if value is not None or through_none:
                    values[i] = adapt(value)
            out.append(tuple(values))
        return out

    def copy_sql(self) -> str:
        columns = ", ".join(f'"{n}"' for n in self.names)
        return f'COPY "{self.table.name}" ({columns}) FROM STDIN'

    def update_sql(self, names: Sequence[str], key: str) -> str:
        sets = ", ".join(f'"{n}" = {self.mark}' for n in names)
        return f'UPDATE "{self.table.name}" SET {sets} WHERE "{key}" = {self.mark}'

    def update_params(
        self, names: Sequence[str], key: str, rows: Sequence[tuple[Any, Mapping[str, Any]]]
    ) -> list[tuple[Any, ...]]:
        return [
            (*(self._value(n, changes[n]) for n in names), self._value(key, pk))
            for pk, changes in rows
        ]


@lru_cache(maxsize=64)
def _writer(table: Table, dialect: str) -> _TableWriter:
    return _TableWriter(table, dialect)


@lru_cache(maxsize=64)
def _by_keys(table: Table, key: str) -> Select[Any]:
    return select(table).where(table.c[key].in_(bindparam("keys", expanding=True)))


class _PgReader:
    """`SELECT * … WHERE key = ANY(%s)` through psycopg, never as a prepared statement.

    psycopg prepares a query on a connection once it has run 5 times, and PostgreSQL may
    then keep a generic plan chosen while the table was small: a sequential scan that a
    growing table makes slower at every push (measured: 2 ms instead of 0.3 ms per lookup
    after 10,000 new leads). Planned each time, the lookup always uses the key's index.
    Values go through SQLAlchemy's own result processors (aware UTC times and the like)."""

    def __init__(self, table: Table, key: str, dialect: Dialect) -> None:
        self.names = [c.name for c in table.columns]
        columns = ", ".join(f'"{n}"' for n in self.names)
        self.sql = f'SELECT {columns} FROM "{table.name}" WHERE "{key}" = ANY(%s)'
        self.processors = [
            (i, fn)
            for i, c in enumerate(table.columns)
            if (fn := c.type.dialect_impl(dialect).result_processor(dialect, None)) is not None
        ]

    def rows(self, conn: Connection, keys: list[Any]) -> list[dict[str, Any]]:
        driver = conn.connection.driver_connection
        assert driver is not None
        with driver.cursor() as cursor:
            cursor.execute(self.sql, (keys,), prepare=False)
            found = cursor.fetchall()
        out = []
        for row in found:
            values = list(row)
            for i, fn in self.processors:
                values[i] = fn(values[i])
            out.append(dict(zip(self.names, values, strict=True)))
        return out


@lru_cache(maxsize=64)
def _pg_reader(table: Table, key: str, dialect: Dialect) -> _PgReader:
    return _PgReader(table, key, dialect)


def select_by_keys(
    conn: Connection, table: Table, key: str, keys: Sequence[Any]
) -> list[dict[str, Any]]:
    """Every row whose `key` is one of `keys`, as plain dicts of SQLAlchemy values."""
    if conn.dialect.name == "postgresql":
        return _pg_reader(table, key, conn.dialect).rows(conn, list(keys))
    result = conn.execute(_by_keys(table, key), {"keys": list(keys)})
    return [dict(row) for row in result.mappings()]


# From this many rows on, PostgreSQL gets them through COPY. executemany spends about
# 20 µs of Python per row in psycopg (binding each row, its own Bind/Execute), COPY
# formats whole rows in C: for a 100-mutation push (50 leads with their consent and first
# follow-up, 50 interactions) it cut the push's flush from 4.7 to 2.9 ms of CPU, measured
# push by push in one process. Under it, COPY's two round trips (start, finish) cost more
# than they save: a one-mutation REST write keeps the single pipelined INSERT.
COPY_FROM_ROWS = 8


def insert_rows(
    conn: Connection,
    table: Table,
    rows: Sequence[Mapping[str, Any]],
    extra: Mapping[str, Any] | None = None,
) -> None:
    """INSERT every row, with `extra`'s values on each (absent columns are NULL), in one
    executemany, or one COPY for many rows on PostgreSQL (same values, same triggers)."""
    if not rows:
        return
    w = _writer(table, conn.dialect.name)
    if conn.dialect.name == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        _copy_rows(conn, w, w.insert_params(rows, extra))
    else:
        conn.exec_driver_sql(w.insert_sql(), w.insert_params(rows, extra))


def _copy_rows(conn: Connection, w: _TableWriter, params: list[tuple[Any, ...]]) -> None:
    driver = conn.connection.driver_connection
    assert driver is not None
    sql = w.copy_sql()
    try:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for values in params:
                copy.write_row(values)
    except psycopg.Error as exc:
        # The same exception classes as a statement run through SQLAlchemy (IntegrityError …).
        raise DBAPIError.instance(sql, None, exc, psycopg.Error, dialect=conn.dialect) from exc


def update_rows(
    conn: Connection,
    table: Table,
    key: str,
    names: Sequence[str],
    rows: Sequence[tuple[Any, Mapping[str, Any]]],
) -> None:
    """UPDATE the columns `names` of each (key value, changes) in one executemany."""
    if rows:
        w = _writer(table, conn.dialect.name)
        conn.exec_driver_sql(w.update_sql(names, key), w.update_params(names, key, rows))


def delete_rows(conn: Connection, table: Table, key: str, keys: Sequence[Any]) -> None:
    """Delete rows by key, in one statement."""
    conn.execute(table.delete().where(table.c[key].in_(keys)))
