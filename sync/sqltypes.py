"""Column types shared by the sync tables and the app's tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored in UTC and always come back timezone-aware.

    SQLite has no time zone type and would hand back naive values, which then
    compare wrongly with aware ones; this keeps both databases alike.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given for a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: Dialect, coltype: object) -> Any:
        # Reading: one call a value, not TypeDecorator's chain of the driver's processor
        # and a process_result_value (a queue page reads 400 values).
        if dialect.name == "sqlite":
            return _from_sqlite_text
        return _aware_utc


def _aware_utc(value: datetime | None) -> datetime | None:
    """A driver's datetime as aware UTC. PostgreSQL sessions are set to UTC (api/db.py), so
    psycopg already gives `timezone.utc` values: those are returned as they are (0.05 µs,
    where `astimezone` took 0.5 µs)."""
    if value is None or value.tzinfo is UTC:
        return value
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _from_sqlite_text(value: str | None) -> datetime | None:
    """A SQLite timestamp (naive UTC text, "2026-12-04 10:00:00.123456") read in one C call.

    The default chain — SQLAlchemy's parse, then `replace(tzinfo=UTC)` — cost
    about 1.5 µs a value, and a queue page reads 400 of them (50 leads, 8 timestamps:
    bench/api_reads.py); `replace` with a keyword alone is 0.8 µs. Anything else (a value
    written with an offset or a "Z") goes the general way, with the same result."""
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value + "+00:00")
    except ValueError:
        parsed = datetime.fromisoformat(value)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


def set_naming_convention(metadata: Any) -> None:
    """Name every constraint predictably so Alembic can drop and compare them."""
    metadata.naming_convention = {
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }


# Every table module imports this one for UTCDateTime, so the convention is in place
# before the first table is declared on the shared metadata.
set_naming_convention(SQLModel.metadata)


def table_of(model: type[SQLModel]) -> Table:
    """The Core table behind a SQLModel class (for bulk statements without the ORM)."""
    name = model.__tablename__
    assert isinstance(name, str)
    return SQLModel.metadata.tables[name]
