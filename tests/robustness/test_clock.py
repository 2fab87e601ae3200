"""Issue 8.3: the hybrid clock cannot be poisoned.

A stamp with counter ffff, one an hour ahead, malformed ones, and ones carried by refused
ops leave the server clock in its format and in its time; the next REST and sync writes are
ordered right (a coordinator's later edit wins over a phone's older value)."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from api.clock import server_clock
from api.leads.models import Lead
from api.venues.models import Venue
from sync import hlc
from sync.hlc import MAX_FUTURE_MS, Clock
from tests.conftest import World
from tests.sync.helpers import Phone, now_ms, stamp

FORMAT = re.compile(r"[0-9]{13}-[0-9a-f]{4}-[0-9A-Za-z][0-9A-Za-z._:-]*")
MALFORMED = [
    "",
    "garbage",
    "1764136200123-10000-phone",  # five hex digits: what the poisoned clock used to issue
    "1764136200123-FFFF-phone",  # upper case sorts below lower case
    "1764136200123-+fff-phone",
    "1764136200123-f_ff-phone",
    "176413620012-ffff-phone",
    "17641362001234-0000-phone",
    "\uff11" * 13 + "-0000-phone",  # full-width digits
    "1764136200123-0000-",
    "1764136200123-0000-ph one",
    "1764136200123-0000-ph\x00one",
    "1764136200123-0000-phone\n",
]


@pytest.fixture(autouse=True)
def _server_clock_back(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The process-wide clock starts afresh (earlier tests may have left it a few minutes
    # ahead, within the drift) and is given back as it was, whatever a test did to it.
    monkeypatch.setattr(server_clock, "_last", hlc.Stamp(0, 0, "server"))
    yield


# ---------------------------------------------------------------- the clock alone


class Wall:
    def __init__(self) -> None:
        self.ms = 1_764_136_200_000

    def __call__(self) -> int:
        return self.ms


def test_the_counter_carries_into_the_next_millisecond() -> None:
    wall = Wall()
    clock = Clock(now_ms=wall)
    clock.receive(stamp(wall.ms, 0xFFFF, "phone"))
    nxt = clock.now()
    assert nxt == stamp(wall.ms + 1, 0, "server")
    issued = [clock.now() for _ in range(0x10002)]  # a whole millisecond's worth and more
    assert all(FORMAT.fullmatch(s) for s in issued)
    assert issued == sorted(issued) and len(set(issued)) == len(issued)
    assert str(stamp(wall.ms, 0xFFFF, "phone")) < nxt < issued[0]


@pytest.mark.parametrize("bad", MALFORMED)
def test_malformed_stamps_are_refused_and_move_nothing(bad: str) -> None:
    wall = Wall()
    clock = Clock(now_ms=wall)
    before = clock.now()
    with pytest.raises(hlc.MalformedStamp):
        clock.receive(bad)
    clock.observe(bad)  # a stored one is left out, silently
    assert clock.now() == stamp(wall.ms, int(before[14:18], 16) + 1, "server")


def test_a_stamp_past_the_drift_is_refused_before_it_touches_the_clock() -> None:
    wall = Wall()
    clock = Clock(now_ms=wall)
    with pytest.raises(hlc.StampInFuture):
        clock.receive(stamp(wall.ms + MAX_FUTURE_MS + 1, 0, "phone"))
    with pytest.raises(hlc.StampInFuture):
        clock.check(stamp(wall.ms + 3_600_000, 0xFFFF, "phone"))
    clock.observe(stamp(9_999_999_999_999, 0xFFFF, "phone"))
    assert clock.now() == stamp(wall.ms, 0, "server")
    # At the limit it is taken.
    clock.receive(stamp(wall.ms + MAX_FUTURE_MS, 0xFFFF, "phone"))
    assert clock.now() == stamp(wall.ms + MAX_FUTURE_MS + 1, 0, "server")


_events = st.one_of(
    st.just(("now", None)),
    st.tuples(st.just("tick"), st.integers(-5, 5)),
    st.tuples(
        st.just("receive"),
        st.tuples(st.integers(-10, MAX_FUTURE_MS + 10), st.sampled_from([0, 1, 0xFFFE, 0xFFFF])),
    ),
    st.tuples(st.just("text"), st.text(max_size=30)),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_events, max_size=60))
def test_any_history_keeps_the_format_and_the_order(history: list[tuple[str, Any]]) -> None:
    wall = Wall()
    clock = Clock(now_ms=wall)
    issued: list[str] = []
    received: list[str] = []
    for kind, value in history:
        if kind == "now":
            issued.append(clock.now())
        elif kind == "tick":
            wall.ms += value  # the wall clock may even step back
        elif kind == "receive":
            ahead, counter = value
            s = stamp(wall.ms + ahead, counter, "phone")
            try:
                clock.receive(s)
                received.append(s)
            except hlc.StampInFuture:
                assert ahead > MAX_FUTURE_MS
        else:
            before = clock._last
            try:
                clock.receive(value)
            except ValueError:
                assert clock._last == before
        issued.append(clock.now())
        # Every stamp issued is in the format, later than all before it and than every
        # stamp taken in.
        assert FORMAT.fullmatch(issued[-1])
        assert len(issued) < 2 or issued[-2] < issued[-1]
        assert all(r[:18] < issued[-1][:18] for r in received)
        assert hlc.parse(issued[-1]).wall_ms <= wall.ms + MAX_FUTURE_MS + len(issued)


# ---------------------------------------------------------------- through the API


@pytest.fixture
def phone(client: TestClient, world: World) -> Phone:
    return Phone(client, world.auth("agent"))


def _result(body: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = body["results"][0]
    return result


def _patch(p: Phone, lead_id: uuid.UUID, at: str, **fields: Any) -> dict[str, Any]:
    return p.mutation("lead.patch", {"id": str(lead_id), "set": fields}, hlc=at)


def test_poisoned_stamps_leave_the_server_clock_valid_and_writes_ordered(
    client: TestClient, world: World, db: Session, phone: Phone
) -> None:
    lead_id = uuid.uuid4()
    assert _result(phone.push([phone.create_lead(lead_id)]))["status"] == "applied"
    r = client.post("/api/venues", json={"name": "Café Central"}, headers=world.auth("agent"))
    assert r.status_code == 201, r.text
    venue_id = r.json()["id"]
    start = server_clock.now()

    # 1. Refused ops move nothing: malformed stamps, one an hour ahead, and a well-formed
    #    ffff stamp on an op refused for its content (a lead nobody has).
    for bad in MALFORMED[1:]:
        body = phone.push([_patch(phone, lead_id, bad, commune="Jette")])
        assert (_result(body)["status"], _result(body)["code"]) == ("rejected", "invalid_hlc")
    hour_ahead = stamp(now_ms() + 3_600_000, 0xFFFF, phone.client)
    body = phone.push([_patch(phone, lead_id, hour_ahead, commune="Jette")])
    assert (_result(body)["status"], _result(body)["code"]) == ("rejected", "clock_ahead")
    near = now_ms() + MAX_FUTURE_MS - 60_000
    body = phone.push([_patch(phone, uuid.uuid4(), stamp(near, 0xFFFF, phone.client), x=1)])
    assert _result(body)["status"] == "rejected"
    server = body["serverHLC"]
    assert FORMAT.fullmatch(server) and start < server
    # Not the hour ahead, nor `near`: where the clock was, or now.
    assert hlc.parse(server).wall_ms <= max(hlc.parse(start).wall_ms, now_ms()) + 1 < near
    db.expire_all()
    lead = db.get(Lead, lead_id)
    assert lead is not None and lead.commune != "Jette"

    # 2. A phone's ffff stamp within the drift is taken: the clock carries, never overflows.
    older = stamp(near, 0xFFFF, phone.client)
    body = phone.push([_patch(phone, lead_id, older, commune="Schaerbeek")])
    assert _result(body)["status"] == "applied"
    server = body["serverHLC"]
    assert FORMAT.fullmatch(server) and server[:18] > older[:18]

    # 3. The next REST writes answer 200 with well-formed stamps…
    r = client.patch(
        f"/api/venues/{venue_id}", json={"notes": "open late"}, headers=world.auth("agent")
    )
    assert r.status_code == 200, r.text
    venue = db.get(Venue, uuid.UUID(venue_id))
    assert venue is not None
    db.refresh(venue)
    assert all(FORMAT.fullmatch(s) for s in venue.field_hlc.values())
    # …and a coordinator's edit, made after the phone's, wins over its older value.
    r = client.patch(
        f"/api/leads/{lead_id}", json={"commune": "Etterbeek"}, headers=world.auth("coordinator")
    )
    assert r.status_code == 200, r.text
    assert r.json()["commune"] == "Etterbeek"
    db.refresh(lead)
    assert lead.commune == "Etterbeek"
    assert lead.field_hlc["commune"] > older
    assert FORMAT.fullmatch(lead.field_hlc["commune"])

    # 4. The next sync write of a phone that folded the server's clock in is ordered after.
    phone.pull()
    last = hlc.parse(server_clock.now())
    body = phone.push(
        [
            _patch(
                phone, lead_id, stamp(last.wall_ms, last.counter + 1, phone.client), commune="Uccle"
            )
        ]
    )
    assert _result(body)["status"] == "applied"
    db.refresh(lead)
    assert lead.commune == "Uccle"
    # An older stamp of the same phone still loses (last write by the clock, not by arrival).
    body = phone.push([_patch(phone, lead_id, older, commune="Forest")])
    db.refresh(lead)
    assert lead.commune == "Uccle"


def test_a_stored_malformed_stamp_does_not_break_the_next_rest_write(
    client: TestClient, world: World, db: Session
) -> None:
    """Rows written while the clock could be poisoned keep their 5-digit counters: the next
    edit of such a row folds them out and answers 200."""
    r = client.post("/api/venues", json={"name": "Épicerie"}, headers=world.auth("agent"))
    venue = db.get(Venue, uuid.UUID(r.json()["id"]))
    assert venue is not None
    db.refresh(venue)
    venue.field_hlc = {k: "1764136200123-10000-server" for k in venue.field_hlc}
    db.add(venue)
    db.commit()
    r = client.patch(
        f"/api/venues/{venue.id}", json={"notes": "new owner"}, headers=world.auth("agent")
    )
    assert r.status_code == 200, r.text
    assert r.json()["notes"] == "new owner"
