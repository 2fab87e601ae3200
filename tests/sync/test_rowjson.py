"""Pull ops rendered by the database (sync/rowjson.py) hold exactly what the Python rendering
sent before: each non-null value as orjson writes it, UUIDs dashed, times in UTC to the
second, dates in ISO form, JSON columns as stored (nested nulls kept). Tricky text, every
column type, wide tables, deleted rows, children through their parent; both databases."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import orjson
import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Date,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Uuid,
    insert,
    literal_column,
    select,
    true,
    update,
)
from sqlmodel import Session

from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Lead
from api.sessions.models import OutreachSession, Tally
from api.syncapi.entities import FOLLOWUP, INTERACTION, LEAD, SESSION, TALLY, VENUE
from api.syncapi.visibility import (
    FOLLOWUP_COLUMNS,
    INTERACTION_COLUMNS,
    LEAD_COLUMNS,
    SESSION_COLUMNS,
    TALLY_COLUMNS,
    VENUE_COLUMNS,
)
from api.venues.models import Venue
from sync import rowjson
from sync.hlc import Clock
from sync.protocol import PullRequest
from sync.pull import Feed, compact_hlc, pull
from sync.space import bump_version
from sync.sqltypes import UTCDateTime, table_of
from tests.conftest import World
from tests.sync.conftest import PhoneFactory

# Quotes, backslash, control characters, non-BMP and right-to-left text, and what would
# confuse printf, psycopg or SQLAlchemy if it ever reached the SQL text.
TRICKY = 'Zoë "la" \\ O\'Brien\n\t\x01\x1f 😀 نور 漢字 </script> %s %% %(x)s :name ?'
S1 = "1764136200123-0000-5c21a6f4-3f0e-4c5e-9d1a-2b7c9e0f1a2b"
S2 = "1764136299999-000a-server"
NOON = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
# Just before midnight UTC with microseconds, and a time given in another zone.
LATE = datetime(2026, 11, 26, 23, 59, 59, 999999, tzinfo=UTC)
ELSEWHERE = datetime(2026, 1, 1, 1, 30, 15, 123, tzinfo=timezone(timedelta(hours=2)))


def expected(row: Mapping[Any, Any], columns: Sequence[str]) -> dict[str, Any]:
    """The value as the Python rendering built it from the typed row."""
    out: dict[str, Any] = {}
    for name in columns:
        value = row[name]
        if value is None:
            continue
        if isinstance(value, uuid.UUID):
            value = str(value)
        elif isinstance(value, datetime):
            value = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        elif isinstance(value, date):
            value = value.isoformat()
        out[name] = value
    return out


def _ops(pages: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(op["type"], op["id"]): op for page in pages for op in page["patch"]}


def _insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Rows given in part: every other column null."""
    blank = dict.fromkeys(table.c.keys())
    conn.execute(insert(table), [blank | row for row in rows])


def _rows(conn: Connection, world: World) -> dict[str, list[uuid.UUID]]:
    """One or two rows of every synced table with awkward values; a deleted lead with a
    child. Returns the ids per type."""
    version = bump_version(conn)
    common = {"version": version, "created_at": LATE}
    lead_ids = [uuid.uuid4(), uuid.uuid4(), uuid.uuid4()]
    lead_base = {
        **common,
        "team_id": world.brussels.id,
        "language": "fr",
        "channel": "event",
        "status": "new",
        "first_touch_at": NOON,
        "last_touch_at": ELSEWHERE,
        "status_changed_at": LATE,
        "updated_at": NOON,
    }
    _insert(
        conn,
        table_of(Lead),
        [
            {
                **lead_base,
                "id": lead_ids[0],
                "first_name": TRICKY[:100],
                "last_name": "",  # empty, not null: sent
                "phone": "+32470000001",
                "email": "zoe@example.org",
                "project_idea": TRICKY * 3,
                "needs": [{"kind": "credit", "amount": None}, "coaching", 3, [True, None]],
                "assigned_to": world.agent.id,
                "created_by": world.agent.id,
                "agent_id": world.agent.id,
                "campaign": 'Ramadan 2026 — "Iftar"',
                "field_hlc": {"first_name": S1, "last_name": S1, "phone": S2, "email": S1},
            },
            {
                **lead_base,
                "id": lead_ids[1],
                "first_name": "Min",  # every nullable column null
                "needs": [],
                "field_hlc": {},
            },
            {
                **lead_base,
                "id": lead_ids[2],
                "first_name": "Gone",
                "needs": ["credit"],
                "field_hlc": {"first_name": S2},
                "deleted_at": NOON,
            },
        ],
    )
    interaction_ids = [uuid.uuid4(), uuid.uuid4(), uuid.uuid4()]
    _insert(
        conn,
        table_of(Interaction),
        [
            {
                **common,
                "id": interaction_ids[0],
                "lead_id": lead_ids[0],
                "kind": "note",
                "occurred_at": ELSEWHERE,
                "body": TRICKY,
                "channel": "phone",
                "from_status": "new",
                "to_status": "contacted",
                "author_id": world.agent.id,
                "voided_at": LATE,
                "voided_by": world.coordinator.id,
                "void_reason": TRICKY[:50],
            },
            *(
                {**common, "id": i, "lead_id": lead, "kind": "call", "occurred_at": NOON}
                for i, lead in zip(interaction_ids[1:], lead_ids[1:], strict=True)
            ),
        ],
    )
    followup_ids = [uuid.uuid4(), uuid.uuid4()]
    _insert(
        conn,
        table_of(Followup),
        [
            {
                **common,
                "id": followup_ids[0],
                "lead_id": lead_ids[0],
                "due_on": date(2027, 2, 28),
                "kind": "visit",
                "note": TRICKY,
                "assigned_to": world.agent.id,
                "done_at": ELSEWHERE,
                "created_by": world.coordinator.id,
                "updated_at": NOON,
                "field_hlc": {"note": S1, "done_at": S2},
            },
            {
                **common,
                "id": followup_ids[1],
                "lead_id": lead_ids[1],
                "due_on": date(2026, 12, 1),
                "kind": "call",
                "updated_at": NOON,
                "field_hlc": {},
            },
        ],
    )
    venue_id, session_id, tally_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    _insert(
        conn,
        table_of(Venue),
        [
            {
                **common,
                "id": venue_id,
                "team_id": world.brussels.id,
                "name": TRICKY[:120],
                "next_visit_on": date(2027, 1, 5),
                "last_visit_at": ELSEWHERE,
                "updated_at": NOON,
                "field_hlc": {"name": S1, "notes": S2},
            }
        ],
    )
    _insert(
        conn,
        table_of(OutreachSession),
        [
            {
                **common,
                "id": session_id,
                "team_id": world.brussels.id,
                "channel": "coffee_stand",
                "title": TRICKY[:120],
                "venue_id": venue_id,
                "agent_id": world.agent.id,
                "started_at": ELSEWHERE,
                "updated_at": NOON,
                "field_hlc": {"title": S1},
            }
        ],
    )
    _insert(
        conn,
        table_of(Tally),
        [
            {
                **common,
                "id": tally_id,
                "session_id": session_id,
                "kind": "flyer",
                "delta": -3,
                "occurred_at": LATE,
                "created_by": world.agent.id,
            }
        ],
    )
    return {
        LEAD: lead_ids,
        INTERACTION: interaction_ids,
        FOLLOWUP: followup_ids,
        VENUE: [venue_id],
        SESSION: [session_id],
        TALLY: [tally_id],
    }


FEEDS: dict[str, tuple[Table, Sequence[str]]] = {
    LEAD: (table_of(Lead), LEAD_COLUMNS),
    INTERACTION: (table_of(Interaction), INTERACTION_COLUMNS),
    FOLLOWUP: (table_of(Followup), FOLLOWUP_COLUMNS),
    SESSION: (table_of(OutreachSession), SESSION_COLUMNS),
    TALLY: (table_of(Tally), TALLY_COLUMNS),
    VENUE: (table_of(Venue), VENUE_COLUMNS),
}


def test_pulled_values_are_the_rows_values(phone: PhoneFactory, db: Session, world: World) -> None:
    ids = _rows(db.connection(), world)
    db.commit()
    gone_lead, gone_interaction = ids[LEAD][2], ids[INTERACTION][2]
    ops = _ops(phone("admin").pull())
    conn = db.connection()
    for kind, (table, columns) in FEEDS.items():
        for row_id in ids[kind]:
            if row_id in (gone_lead, gone_interaction):
                # Deleted, or a child of a deleted lead: a first download leaves them out.
                assert (kind, str(row_id)) not in ops
                continue
            row = conn.execute(select(table).where(table.c.id == row_id)).mappings().one()
            op = ops[(kind, str(row_id))]
            assert op["op"] == "put" and op["version"] == row["version"]
            value = dict(op["value"])
            stamps = value.pop("_hlc", None)
            assert value == expected(row, columns), kind
            if row.get("field_hlc"):
                assert stamps == compact_hlc(row["field_hlc"])
            else:
                assert stamps is None
    lead = ops[(LEAD, str(ids[LEAD][0]))]["value"]
    assert lead["first_name"] == TRICKY[:100] and lead["last_name"] == ""
    assert lead["needs"] == [{"kind": "credit", "amount": None}, "coaching", 3, [True, None]]
    assert lead["last_touch_at"] == "2025-12-31T23:30:15Z"
    assert lead["_hlc"] == {"*": S1, "phone": S2}
    assert ops[(TALLY, str(ids[TALLY][0]))]["value"]["delta"] == -3


def test_rows_the_caller_loses_come_as_exact_dels(
    phone: PhoneFactory, db: Session, world: World
) -> None:
    ids = _rows(db.connection(), world)
    db.commit()
    p = phone("agent")
    p.pull()
    lead_id = ids[LEAD][0]
    assert (LEAD, str(lead_id)) in p.records
    # Moved to the other team (and not the agent's any more): the lead and its children go.
    conn = db.connection()
    version = bump_version(conn)
    lead = table_of(Lead)
    conn.execute(
        update(lead)
        .where(lead.c.id == lead_id)
        .values(team_id=world.antwerp.id, assigned_to=None, created_by=None, version=version)
    )
    db.commit()
    patch = p.pull_page()["patch"]
    assert {"op": "del", "type": LEAD, "id": str(lead_id)} in patch
    assert {"op": "del", "type": INTERACTION, "id": str(ids[INTERACTION][0])} in patch
    assert {"op": "del", "type": FOLLOWUP, "id": str(ids[FOLLOWUP][0])} in patch
    assert all(set(op) == {"op", "type", "id"} for op in patch)


# ---- rowjson on its own: every column type, wide rows, a nullable first member ----------

_WIDE_UUIDS = 30  # NOT NULL: 5 printf arguments each, over SQLite's limit of 127 in one call
_WIDE_INTS = 100  # over concat_ws's 100 arguments


def _probe() -> Table:
    return Table(
        "rowjson_probe",
        MetaData(),
        Column("id", Uuid, primary_key=True),
        Column("version", BigInteger, nullable=False),
        Column("note", String(400), nullable=True),  # nullable first member
        Column("flag", Boolean, nullable=True),
        Column("count", Integer, nullable=True),
        Column("ratio", Float, nullable=True),
        Column("due_on", Date, nullable=True),
        Column("at", UTCDateTime, nullable=True),
        Column("doc", JSON, nullable=False),
        Column("stamps", JSON, nullable=False),
        Column("deleted_at", UTCDateTime, nullable=True),
        *(Column(f"ref_{i}", Uuid, nullable=False) for i in range(_WIDE_UUIDS)),
        *(Column(f"n_{i}", Integer, nullable=True) for i in range(_WIDE_INTS)),
    )


def _value_columns(table: Table) -> list[str]:
    return [c.name for c in table.columns if c.name not in ("id", "version", "stamps")]


def _probe_rows(table: Table, version: int) -> list[dict[str, Any]]:
    refs = {f"ref_{i}": uuid.uuid4() for i in range(_WIDE_UUIDS)}
    full = {
        "id": uuid.uuid4(),
        "version": version,
        "note": TRICKY,
        "flag": False,  # false is a value, not a null
        "count": 0,
        "ratio": 1.25,
        "due_on": date(2028, 2, 29),
        "at": ELSEWHERE,
        "doc": {"a": None, "b": [1, {"c": None}], "é": TRICKY},
        "stamps": {"note": S1, "flag": S1, "count": S2},
        "deleted_at": None,
        **refs,
        **{f"n_{i}": i - 50 for i in range(_WIDE_INTS)},
    }
    empty: dict[str, Any] = {
        **{c.name: None for c in table.columns},
        "id": uuid.uuid4(),
        "version": version,
        "doc": [],
        "stamps": {},
        **refs,
    }
    return [full, empty, {**empty, "id": uuid.uuid4(), "flag": True, "note": ""}]


@pytest.fixture
def probe(db: Session) -> Table:
    """The probe table, created inside the test's transaction (rolled back with it)."""
    table = _probe()
    table.create(db.connection())
    return table


def test_every_column_type_and_wide_rows(db: Session, probe: Table) -> None:
    conn = db.connection()
    rows = _probe_rows(probe, 7)
    conn.execute(insert(probe), rows)
    columns = _value_columns(probe)
    put = rowjson.put_head(probe, "probe", columns, conn.dialect) + "||'}}'"
    gone = rowjson.del_op(probe, "probe", conn.dialect)
    stored = {r["id"]: r for r in conn.execute(select(probe)).mappings()}
    found = conn.execute(select(probe.c.id, literal_column(put), literal_column(gone))).all()
    assert len(found) == len(rows)
    for row_id, text, del_text in found:
        op = orjson.loads(text)
        assert op == {
            "op": "put",
            "type": "probe",
            "id": str(row_id),
            "version": 7,
            "value": expected(stored[row_id], columns),
        }
        assert orjson.loads(del_text) == {"op": "del", "type": "probe", "id": str(row_id)}
    values = [orjson.loads(t)["value"] for _, t, _ in found]
    assert values[0]["flag"] is False and values[0]["count"] == 0 and values[0]["ratio"] == 1.25
    assert values[0]["doc"] == {"a": None, "b": [1, {"c": None}], "é": TRICKY}
    assert values[0]["at"] == "2025-12-31T23:30:15Z" and values[0]["due_on"] == "2028-02-29"
    assert "note" not in values[1] and values[2]["note"] == "" and values[2]["flag"] is True


def test_a_column_type_without_rendering_is_refused(db: Session) -> None:
    table = Table(
        "rowjson_blob",
        MetaData(),
        Column("id", Uuid, primary_key=True),
        Column("version", BigInteger),
        Column("blob", LargeBinary),
    )
    with pytest.raises(TypeError, match="blob"):
        rowjson.put_head(table, "blob", ["blob"], db.connection().dialect)


def _pull(conn: Connection, feed: Feed, cookie: str | None) -> dict[str, Any]:
    request = PullRequest(clientGroupID=uuid.uuid4(), schemaVersion=1, cookie=cookie)
    body = pull(
        conn,
        request,
        user_id=uuid.uuid4(),
        epoch=0,
        feeds=(feed,),
        clock=Clock(),
        horizon_days=90,
    )
    # The patch comes pre-rendered (an orjson.Fragment): read it as a client would.
    page: dict[str, Any] = orjson.loads(orjson.dumps(body))
    return page


def test_stamps_join_a_value_with_or_without_members(db: Session, probe: Table) -> None:
    """A feed whose value has no member still gets its `_hlc`; a deleted row comes as a
    `del` in a delta and is left out of a first download."""
    conn = db.connection()
    rows = _probe_rows(probe, bump_version(conn))
    conn.execute(insert(probe), rows)
    bare = Feed("probe", probe, (), true(), hlc_column="stamps", deleted_column="deleted_at")
    first = _pull(conn, bare, None)
    assert first["reset"] is True and first["more"] is False
    by_id = {op["id"]: op for op in first["patch"]}
    assert by_id[str(rows[0]["id"])]["value"] == {"_hlc": {"*": S1, "count": S2}}
    assert by_id[str(rows[1]["id"])]["value"] == {}
    full = Feed("probe", probe, ("note",), true(), hlc_column="stamps", deleted_column="deleted_at")
    value = {op["id"]: op for op in _pull(conn, full, None)["patch"]}[str(rows[0]["id"])]["value"]
    assert value == {"note": TRICKY, "_hlc": {"*": S1, "count": S2}}
    # Delete the first row: a delta sends its `del`; a new phone never hears of it.
    version = bump_version(conn)
    conn.execute(
        update(probe).where(probe.c.id == rows[0]["id"]).values(deleted_at=NOON, version=version)
    )
    delta = _pull(conn, full, first["cookie"])
    assert delta["reset"] is False
    assert delta["patch"] == [{"op": "del", "type": "probe", "id": str(rows[0]["id"])}]
    fresh = _pull(conn, full, None)
    assert {op["id"] for op in fresh["patch"]} == {str(r["id"]) for r in rows[1:]}
