"""UTCDateTime on SQLite: timestamps read back by one C parse (sync/sqltypes.py) are the
same aware UTC values the general path gives, whatever form the stored text has."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert, select, text

from api.db import make_engine
from sync.sqltypes import UTCDateTime, _from_sqlite_text

STORED = [
    "2026-12-04 10:00:00.123456",  # what SQLAlchemy writes
    "2026-12-04 10:00:00.000000",
    "2026-12-04 10:00:00",  # CURRENT_TIMESTAMP
    "2026-12-04T10:00:00.5",
    "2026-12-04 11:00:00+01:00",  # with an offset: the general way
    "2026-12-04T10:00:00Z",
]


@pytest.mark.parametrize("stored", STORED)
def test_stored_text_reads_as_the_general_path_does(stored: str) -> None:
    general = datetime.fromisoformat(stored)
    expected = general.replace(tzinfo=UTC) if general.tzinfo is None else general.astimezone(UTC)
    found = _from_sqlite_text(stored)
    assert found == expected
    assert found is not None and found.utcoffset() == timedelta(0)
    assert _from_sqlite_text(None) is None


def test_values_round_trip_through_sqlite(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'types.sqlite3'}")
    table = Table(
        "stamps",
        MetaData(),
        Column("n", Integer, primary_key=True),
        Column("at", UTCDateTime, nullable=True),
    )
    table.create(engine)
    values = [
        datetime(2026, 12, 4, 10, 0, 0, 123456, tzinfo=UTC),
        datetime(2026, 12, 4, 10, 0, tzinfo=UTC),
        datetime(2026, 12, 4, 11, 30, tzinfo=timezone(timedelta(hours=1))),
        None,
    ]
    with engine.begin() as conn:
        conn.execute(insert(table), [{"n": n, "at": v} for n, v in enumerate(values)])
        conn.execute(text("INSERT INTO stamps (n, at) VALUES (9, CURRENT_TIMESTAMP)"))
    with engine.connect() as conn:
        read = {n: at for n, at in conn.execute(select(table.c.n, table.c.at))}
    assert [read[n] for n in range(len(values))] == values
    assert read[9] is not None and read[9].tzinfo is UTC
    assert abs(read[9] - datetime.now(UTC)) < timedelta(minutes=5)
    engine.dispose()
