"""The bulk writer stores values exactly as SQLAlchemy does (same text on SQLite), so rows
written by a push and by the REST services compare, sort and read back alike."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from api.followups.models import Followup
from api.leads.models import Lead
from sync.bulk import COPY_FROM_ROWS, insert_rows, select_by_keys, update_rows
from sync.sqltypes import table_of
from tests.conftest import World


def _lead(world: World, lead_id: uuid.UUID) -> dict[str, object]:
    when = datetime(2026, 3, 29, 1, 30, 0, 5, tzinfo=timezone(timedelta(hours=2)))
    return {
        "id": lead_id,
        "team_id": world.brussels.id,
        "first_name": "Zoë",
        "language": "fr",
        "needs": ["credit", "coaching"],
        "channel": "event",
        "status": "new",
        "first_touch_at": when,
        "last_touch_at": datetime(2026, 1, 1, tzinfo=UTC),
        "status_changed_at": when,
        "created_by": world.agent.id,
        "created_at": when,
        "updated_at": when,
        "version": 7,
        "field_hlc": {"first_name": "1764136200123-0000-x", "é": "ü"},
    }


def test_bulk_rows_equal_core_rows(db: Session, world: World) -> None:
    conn = db.connection()
    lead = table_of(Lead)
    by_core, by_bulk = uuid.uuid4(), uuid.uuid4()
    conn.execute(insert(lead), [_lead(world, by_core)])
    insert_rows(conn, lead, [_lead(world, by_bulk)])
    followups = table_of(Followup)
    for lead_id in (by_core, by_bulk):
        row = {"id": uuid.uuid4(), "lead_id": lead_id, "due_on": date(2026, 12, 1), "kind": "call"}
        row |= {"created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)}
        row |= {"version": 1, "field_hlc": {}}
        if lead_id == by_core:
            conn.execute(insert(followups), [row])
        else:
            insert_rows(conn, followups, [row])
    # Read back through SQLAlchemy: identical values.
    rows = {r.id: r for r in conn.execute(select(lead).where(lead.c.id.in_([by_core, by_bulk])))}
    a, b = rows[by_core]._asdict(), rows[by_bulk]._asdict()
    assert {k: v for k, v in a.items() if k != "id"} == {k: v for k, v in b.items() if k != "id"}
    assert b["first_touch_at"] == datetime(2026, 3, 28, 23, 30, 0, 5, tzinfo=UTC)
    # And as stored: the same text on SQLite (dates sort and compare as strings there).
    raw = conn.execute(
        text("SELECT id, first_touch_at, last_touch_at, team_id, needs, field_hlc FROM lead")
    ).all()
    stored = {str(r[0]).replace("-", ""): r for r in raw}
    core, bulk = stored[by_core.hex], stored[by_bulk.hex]
    assert core[1:4] == bulk[1:4]
    for i in (4, 5):
        loads = json.loads if isinstance(core[i], str) else (lambda v: v)
        assert loads(core[i]) == loads(bulk[i])
    days = conn.execute(text("SELECT due_on FROM followup")).scalars().all()
    assert days[0] == days[1]


def test_bulk_update_and_naive_times(db: Session, world: World) -> None:
    conn = db.connection()
    lead = table_of(Lead)
    lead_id = uuid.uuid4()
    insert_rows(conn, lead, [_lead(world, lead_id)])
    later = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    update_rows(
        conn,
        lead,
        "id",
        ["commune", "last_touch_at", "needs"],
        [(lead_id, {"commune": "Evere", "last_touch_at": later, "needs": []})],
    )
    row = conn.execute(select(lead).where(lead.c.id == lead_id)).one()
    assert (row.commune, row.last_touch_at, row.needs) == ("Evere", later, [])
    with pytest.raises(ValueError, match="naive"):
        insert_rows(
            conn, lead, [{**_lead(world, uuid.uuid4()), "created_at": datetime(2026, 1, 1)}]
        )


def test_select_by_keys_reads_what_sqlalchemy_reads(db: Session, world: World) -> None:
    """On PostgreSQL the lookup bypasses SQLAlchemy (never a prepared statement); the
    values must still be SQLAlchemy's: aware UTC times, UUIDs, JSON, dates, nulls."""
    conn = db.connection()
    lead, followups = table_of(Lead), table_of(Followup)
    ids = [uuid.uuid4(), uuid.uuid4()]
    insert_rows(conn, lead, [_lead(world, ids[0]), {**_lead(world, ids[1]), "commune": None}])
    due = {"id": uuid.uuid4(), "lead_id": ids[0], "due_on": date(2026, 12, 1), "kind": "call"}
    due |= {"created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)}
    insert_rows(conn, followups, [{**due, "version": 1, "field_hlc": {"kind": "x"}}])
    for table, key, keys in (
        (lead, "id", [*ids, uuid.uuid4()]),
        (followups, "lead_id", ids),
        (lead, "id", []),
    ):
        expected = [r._asdict() for r in conn.execute(select(table).where(table.c[key].in_(keys)))]
        found = select_by_keys(conn, table, key, keys)
        assert sorted(found, key=str) == sorted(expected, key=str)
        for row in found:
            for name, value in row.items():
                assert type(value) is type(next(e for e in expected if e["id"] == row["id"])[name])
    (row,) = select_by_keys(conn, lead, "id", [ids[1]])
    assert row["first_touch_at"].tzinfo is UTC and row["needs"] == ["credit", "coaching"]


# Text that COPY's own format must escape (tab, newline, backslash, \N), and JSON holding it.
_AWKWARD = ["tab\there", "line\nbreak", "back\\slash", "\\N", "", "Zoë «ü» 🎉", "a\r\nb"]


def test_many_rows_at_once_equal_core_rows(db: Session, world: World) -> None:
    """Enough rows for the COPY path on PostgreSQL (executemany on SQLite): every value,
    awkward text, JSON and NULLs included, reads back as the same rows written by Core."""
    conn = db.connection()
    lead = table_of(Lead)
    count = COPY_FROM_ROWS + len(_AWKWARD)
    core_ids = [uuid.uuid4() for _ in range(count)]
    bulk_ids = [uuid.uuid4() for _ in range(count)]

    def rows(ids: list[uuid.UUID]) -> list[dict[str, object]]:
        out = []
        for i, lead_id in enumerate(ids):
            odd = _AWKWARD[i % len(_AWKWARD)]
            row = _lead(world, lead_id) | {"last_name": odd, "commune": None}
            row["field_hlc"] = {"last_name": odd, odd: [odd, None, 1.5]}
            row["needs"] = [odd] if i % 2 else []
            out.append(row)
        return out

    conn.execute(insert(lead), rows(core_ids))
    insert_rows(conn, lead, rows(bulk_ids))
    found = {r.id: r._asdict() for r in conn.execute(select(lead))}
    for a, b in zip(core_ids, bulk_ids, strict=True):
        core, bulk = found[a], found[b]
        assert {k: v for k, v in core.items() if k != "id"} == {
            k: v for k, v in bulk.items() if k != "id"
        }


def test_many_rows_with_a_taken_key_fail_as_sqlalchemy_reports_it(
    db: Session, world: World
) -> None:
    conn = db.connection()
    lead = table_of(Lead)
    taken = uuid.uuid4()
    insert_rows(conn, lead, [_lead(world, taken)])
    again = [_lead(world, uuid.uuid4()) for _ in range(COPY_FROM_ROWS)] + [_lead(world, taken)]
    with pytest.raises(IntegrityError):
        insert_rows(conn, lead, again)
