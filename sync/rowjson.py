"""Pull ops rendered as JSON text by the database.

A first pull moves tens of thousands of rows; building a dict per row in Python and
serialising it again cost more than reading the rows. Here each row's op comes out of the
query as finished JSON text (both databases build strings in C) and Python only joins the
texts of a page.

The text is what `orjson.dumps` made of the row's values before: members in column order,
null members left out, UUIDs dashed, times as "YYYY-MM-DDTHH:MM:SSZ" (UTC, whole seconds),
dates as "YYYY-MM-DD", JSON columns as stored, strings escaped by the database's own JSON
quoting (json_quote, to_json). Nulls are left out member by member rather than with
json_patch / json_strip_nulls, which would also strip nulls nested in JSON columns and
re-parse every row.

SQLite: one printf() per row, its format holding every constant part (measured: ~20 %
faster than chains of `||`, whose every step allocates). PostgreSQL: concat_ws(), which
skips the NULL of a null member.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    Uuid,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator, TypeEngine

_PG_TIME = '\'YYYY-MM-DD"T"HH24:MI:SS"Z"\''
# SQLite allows 127 function arguments by default (SQLITE_MAX_FUNCTION_ARG); stay below.
_MAX_ARGS = 100


def literal(text: str) -> str:
    """An SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def _json_key(name: str) -> str:
    return orjson.dumps(name).decode()


def _ref(column: Column[object], dialect: Dialect) -> str:
    return str(column.compile(dialect=dialect))


def _base_type(column: Column[object]) -> TypeEngine[object]:
    kind: TypeEngine[object] = column.type
    while isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    return kind


_RENDERED = (JSON, Uuid, DateTime, Boolean, Integer, Float, Numeric, Date, String)


def _check(column: Column[object]) -> TypeEngine[object]:
    kind = _base_type(column)
    if not isinstance(kind, _RENDERED):
        raise TypeError(f"no JSON rendering for {column} ({column.type!r})")
    return kind


# ---- SQLite: printf(format, args…) -------------------------------------------------------


@dataclass(frozen=True)
class _Printf:
    """A piece of printf format and the SQL of its arguments."""

    fmt: str
    args: tuple[str, ...]

    def __add__(self, other: _Printf) -> _Printf:
        return _Printf(self.fmt + other.fmt, self.args + other.args)

    def sql(self) -> str:
        if not self.args:
            return literal(self.fmt.replace("%%", "%"))
        return f"printf({literal(self.fmt)},{','.join(self.args)})"


def _text(text: str) -> _Printf:
    return _Printf(text.replace("%", "%%"), ())


def _sqlite_uuid(ref: str) -> _Printf:
    # Stored as 32 hex digits.
    pieces = (ref, *(f"substr({ref},{start})" for start in (9, 13, 17, 21)))
    return _Printf("%.8s-%.4s-%.4s-%.4s-%s", pieces)


def _sqlite_value(column: Column[object], dialect: Dialect) -> _Printf:
    ref = _ref(column, dialect)
    kind = _check(column)
    if isinstance(kind, JSON):
        return _Printf("%s", (ref,))  # stored JSON text, as it is
    if isinstance(kind, Uuid):
        return _text('"') + _sqlite_uuid(ref) + _text('"')
    if isinstance(kind, DateTime):  # stored "YYYY-MM-DD HH:MM:SS.ffffff", UTC
        return _Printf('"%.10sT%.8sZ"', (ref, f"substr({ref},12)"))
    if isinstance(kind, Boolean):
        return _Printf("%s", (f"CASE WHEN {ref} THEN 'true' ELSE 'false' END",))
    return _Printf("%s", (f"json_quote({ref})",))


def _sqlite_members(table: Table, columns: Sequence[str], dialect: Dialect) -> _Printf:
    """`"a":1,"b":2` of the row's non-null columns."""
    names = list(columns)
    if names and table.c[names[0]].nullable:
        # No member is sure to come first: give each a comma and cut the first one.
        listed = _sqlite_list(table, names, dialect, comma_first=True)
        return _Printf("%s", (f"substr({listed.sql()},2)",))
    return _sqlite_list(table, names, dialect, comma_first=False)


def _sqlite_list(table: Table, names: list[str], dialect: Dialect, *, comma_first: bool) -> _Printf:
    """The members, each after a comma but the first (unless `comma_first`); a null one is
    ''. Arguments go in groups of under _MAX_ARGS, each group its own printf."""
    out = _Printf("", ())
    group = _Printf("", ())
    for index, name in enumerate(names):
        column = table.c[name]
        head = _text(("," if index or comma_first else "") + _json_key(name) + ":")
        value = head + _sqlite_value(column, dialect)
        if column.nullable:
            ref = _ref(column, dialect)
            value = _Printf("%s", (f"CASE WHEN {ref} IS NULL THEN '' ELSE {value.sql()} END",))
        if len(group.args) + len(value.args) > _MAX_ARGS - 10:
            out += _Printf("%s", (group.sql(),))
            group = _Printf("", ())
        group += value
    return out + group


def _sqlite_put(table: Table, kind: str, columns: Sequence[str], dialect: Dialect) -> str:
    ref = _ref(table.c.version, dialect)
    head = _text('{"op":"put","type":' + _json_key(kind) + ',"id":"')
    head += _sqlite_uuid(_ref(table.c.id, dialect))
    head += _Printf('","version":%s,"value":{', (ref,))
    members = _sqlite_members(table, columns, dialect)
    if len(head.args) + len(members.args) > _MAX_ARGS:
        members = _Printf("%s", (members.sql(),))
    return (head + members).sql()


# ---- PostgreSQL: concat_ws(',', members…) ------------------------------------------------


def _pg_value(column: Column[object], dialect: Dialect) -> str:
    """SQL of the column's JSON text; NULL when the column is NULL."""
    ref = _ref(column, dialect)
    kind = _check(column)
    if isinstance(kind, JSON):
        return f"CAST({ref} AS TEXT)"  # stored JSON text, as it is
    if isinstance(kind, Uuid):
        return f"'\"'||CAST({ref} AS TEXT)||'\"'"
    if isinstance(kind, DateTime):
        return f"'\"'||to_char(timezone('UTC',{ref}),{_PG_TIME})||'\"'"
    if isinstance(kind, Boolean):
        return f"CAST({ref} AS TEXT)"
    return f"CAST(to_json({ref}) AS TEXT)"


def _pg_members(table: Table, columns: Sequence[str], dialect: Dialect) -> str:
    # `'"name":'||value` is NULL for a null column, and concat_ws skips it.
    parts = [f"{literal(_json_key(n) + ':')}||{_pg_value(table.c[n], dialect)}" for n in columns]
    if not parts:
        return "''"
    # concat_ws takes at most 100 arguments: nest it for wider tables (an empty group is
    # NULL again, or the outer call would add a stray comma).
    while len(parts) > 1:
        groups = [",".join(parts[i : i + 90]) for i in range(0, len(parts), 90)]
        parts = [f"nullif(concat_ws(',',{group}),'')" for group in groups]
    return f"coalesce({parts[0]},'')"


def _pg_put(table: Table, kind: str, columns: Sequence[str], dialect: Dialect) -> str:
    start = literal('{"op":"put","type":' + _json_key(kind) + ',"id":"')
    row_id = f"CAST({_ref(table.c.id, dialect)} AS TEXT)"
    version = f"CAST({_ref(table.c.version, dialect)} AS TEXT)"
    middle, value = literal('","version":'), literal(',"value":{')
    return (
        f"{start}||{row_id}||{middle}||{version}||{value}||{_pg_members(table, columns, dialect)}"
    )


# ---- both --------------------------------------------------------------------------------


def put_head(table: Table, kind: str, columns: Sequence[str], dialect: Dialect) -> str:
    """SQL of a put op up to the value's last member: `{"op":"put",…,"value":{…` (the
    caller closes it, after appending `_hlc` where the feed has stamps)."""
    if dialect.name == "sqlite":
        return _sqlite_put(table, kind, columns, dialect)
    return _pg_put(table, kind, columns, dialect)


def del_op(table: Table, kind: str, dialect: Dialect) -> str:
    """SQL of the whole `del` op of the row."""
    head = '{"op":"del","type":' + _json_key(kind) + ',"id":"'
    if dialect.name == "sqlite":
        op = _text(head) + _sqlite_uuid(_ref(table.c.id, dialect)) + _text('"}')
        return op.sql()
    row_id = f"CAST({_ref(table.c.id, dialect)} AS TEXT)"
    end = literal('"}')
    return f"{literal(head)}||{row_id}||{end}"
