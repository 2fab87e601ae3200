"""The framework-free pieces: cookie, stamp compaction, upcasting, the store's undo."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select
from sqlmodel import Session

from api.leads.models import Lead
from api.syncapi.entities import ENTITIES, LEAD
from sync import cookie as cookies
from sync.events import EVERYONE, Broadcaster
from sync.protocol import MutationIn
from sync.pull import compact_hlc
from sync.push import Registry, Rejected
from sync.sqltypes import utcnow
from sync.store import Store


def test_cookie_round_trip_and_garbage() -> None:
    cursor = cookies.Cursor(2, 41, uuid.uuid4())
    c = cookies.Cookie(10, 50, 1_700_000_000_000, 3, 1, cursor)
    assert cookies.decode(cookies.encode(c)) == c
    done = c.finished()
    assert done.base == 50 and done.cursor is None
    assert cookies.decode(cookies.encode(done)) == done
    for bad in (None, "", "%%%", "e30", "W10", "x" * 500, cookies.encode(c)[:-3]):
        assert cookies.decode(bad) is None
    backwards = cookies.Cookie(60, 50, 0, 0, 1, None)
    assert cookies.decode(cookies.encode(backwards)) is None


def test_compact_hlc_keeps_every_stamp_recoverable() -> None:
    a, b = "1764136200123-0000-aaaa", "1764136200999-0001-bbbb"
    stamps = {"first_name": a, "phone": a, "commune": b, "needs": a}
    packed = compact_hlc(stamps)
    assert packed == {"*": a, "commune": b}
    assert {f: packed.get(f, packed["*"]) for f in stamps} == stamps
    assert compact_hlc({"phone": a}) == {"phone": a}
    assert compact_hlc({"phone": a, "commune": b}) == {"phone": a, "commune": b}


def test_upcasters_chain_and_never_loop() -> None:
    registry = Registry()
    registry.add_upcaster("x", 1, lambda m: m.model_copy(update={"v": 2}))
    registry.add_upcaster("x", 2, lambda m: m.model_copy(update={"name": "y", "v": 1}))
    m = MutationIn(id=1, name="x", v=1, hlc="h", args={})
    out = registry.upcast(m)
    assert (out.name, out.v) == ("y", 1)
    registry.add_upcaster("y", 1, lambda m: m.model_copy(update={"name": "x"}))
    with pytest.raises(Rejected):
        registry.upcast(m)


def test_store_rolls_a_rejected_mutation_back(db: Session) -> None:
    store = Store(db.connection(), ENTITIES)
    lead_id = uuid.uuid4()
    store.want([(LEAD, lead_id)])
    store.load()
    assert store.get(LEAD, lead_id) is None
    store.begin()
    store.insert(LEAD, {"id": lead_id, "first_name": "A"})
    store.update(LEAD, lead_id, {"first_name": "B"})
    assert store.get(LEAD, lead_id) == {"id": lead_id, "first_name": "B"}
    store.rollback()
    assert store.get(LEAD, lead_id) is None and store.count_written() == 0
    assert store.queries == 1
    store.flush(version=1, now=utcnow())
    assert db.execute(select(Lead)).first() is None


def test_broadcaster_pokes_matching_topics_only() -> None:
    hub = Broadcaster()

    async def scenario() -> list[bool]:
        team = hub.subscribe({"team:a", "user:u"})
        other = hub.subscribe({"team:b"})
        admin = hub.subscribe({EVERYONE})
        assert hub.publish({"team:a"}) == 2
        return [await team.wait(1), await other.wait(0.05), await admin.wait(1)]

    assert asyncio.run(scenario()) == [True, False, True]
    # Subscribers whose event loop is gone are dropped on the next publish.
    assert hub.publish({EVERYONE}) == 0 and len(hub) == 0
