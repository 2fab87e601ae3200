"""Merging concurrent edits: T4 different fields, T5 same field, T6 a late edit, T7 pull
returns the merged state, T15 clock skew."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from api.clock import server_clock
from api.leads.models import Lead
from sync import hlc
from sync.hlc import MAX_FUTURE_MS
from sync.models import SyncConflict
from tests.sync.conftest import PhoneFactory
from tests.sync.helpers import DAY_MS, Phone, now_ms, stamp


def _patch(
    p: Phone, lead_id: uuid.UUID, at_ms: int, base: dict[str, Any], **fields: Any
) -> dict[str, Any]:
    return p.mutation(
        "lead.patch",
        {"id": str(lead_id), "set": fields, "base": base},
        hlc=stamp(at_ms, 0, p.client),
    )


@pytest.fixture
def two_phones(
    phone: PhoneFactory, client: TestClient, peer_headers: dict[str, str]
) -> tuple[Phone, Phone]:
    return phone("agent"), Phone(client, peer_headers)


def _seed(p: Phone, n: int) -> list[uuid.UUID]:
    """n leads created by `p`, pulled."""
    leads = [uuid.uuid4() for _ in range(n)]
    p.push([p.create_lead(lead) for lead in leads])
    p.pull()
    return leads


def _base(p: Phone, lead_id: uuid.UUID, *fields: str) -> dict[str, Any]:
    """What the phone saw: the field stamps of its copy ("*" covers unlisted fields)."""
    stamps = p.records[("lead", str(lead_id))]["_hlc"]
    return {f: stamps.get(f, stamps.get("*")) for f in fields}


def _conflicts(db: Session, lead_id: uuid.UUID) -> list[SyncConflict]:
    rows = db.execute(select(SyncConflict).where(col(SyncConflict.entity_id) == lead_id))
    return list(rows.scalars())


def test_t4_different_fields_both_survive_in_either_order(
    two_phones: tuple[Phone, Phone], db: Session
) -> None:
    a, b = two_phones
    one, two = _seed(a, 2)
    b.pull()
    t = now_ms()
    # Both edit offline from the same state; pushed in opposite orders on two leads.
    a.push([_patch(a, one, t + 1, _base(a, one, "phone"), phone="+32470000001")])
    b.push([_patch(b, one, t + 2, _base(b, one, "commune"), commune="Ixelles")])
    b.push([_patch(b, two, t + 2, _base(b, two, "commune"), commune="Ixelles")])
    a.push([_patch(a, two, t + 1, _base(a, two, "phone"), phone="+32470000001")])
    for lead_id in (one, two):
        lead = db.get(Lead, lead_id)
        assert lead is not None
        db.refresh(lead)
        assert (lead.phone, lead.commune) == ("+32470000001", "Ixelles")
        assert _conflicts(db, lead_id) == []


def test_t5_same_field_deterministic_winner_and_loser_kept(
    two_phones: tuple[Phone, Phone], db: Session
) -> None:
    a, b = two_phones
    one, two = _seed(a, 2)
    b.pull()
    t = now_ms()
    a.push([_patch(a, one, t + 10, _base(a, one, "commune"), commune="Etterbeek")])
    b.push([_patch(b, one, t + 20, _base(b, one, "commune"), commune="Uccle")])
    b.push([_patch(b, two, t + 20, _base(b, two, "commune"), commune="Uccle")])
    a.push([_patch(a, two, t + 10, _base(a, two, "commune"), commune="Etterbeek")])
    for lead_id in (one, two):
        lead = db.get(Lead, lead_id)
        assert lead is not None
        db.refresh(lead)
        assert lead.commune == "Uccle"  # the later edit (by when it was made) wins
        (conflict,) = _conflicts(db, lead_id)
        assert conflict.kind == "concurrent" and conflict.field == "commune"
        assert (conflict.losing_value, conflict.winning_value) == ("Etterbeek", "Uccle")
        assert conflict.resolved_at is None


def test_t6_a_30_day_late_edit_does_not_clobber_a_newer_one(
    two_phones: tuple[Phone, Phone], db: Session
) -> None:
    a, b = two_phones
    (lead_id,) = _seed(a, 1)
    b.pull()
    b.push([_patch(b, lead_id, now_ms(), _base(b, lead_id, "commune"), commune="Jette")])
    # Agent A edited 30 days ago on a phone that was offline since; it arrives only now.
    old = now_ms() - 30 * DAY_MS
    body = a.push([_patch(a, lead_id, old, {"commune": None}, commune="Evere", email="x@y.be")])
    assert body["results"][0]["status"] == "applied"
    lead = db.get(Lead, lead_id)
    assert lead is not None
    db.refresh(lead)
    assert lead.commune == "Jette"
    assert lead.email == "x@y.be"  # a field nobody else touched since is still taken
    (conflict,) = _conflicts(db, lead_id)
    assert conflict.losing_value == "Evere"


def test_t7_pull_after_push_returns_the_merged_state(two_phones: tuple[Phone, Phone]) -> None:
    a, b = two_phones
    (lead_id,) = _seed(a, 1)
    b.pull()
    base = _base(a, lead_id, "commune", "phone", "last_name")
    t = now_ms()
    a.push([_patch(a, lead_id, t + 5, base, commune="Evere", phone="+32470000002")])
    b.push([_patch(b, lead_id, t + 9, base, commune="Laeken")])
    b.push([_patch(b, lead_id, t + 1, base, last_name="Older")])
    for p in (a, b):
        p.pull()
        value = p.records[("lead", str(lead_id))]
        assert (value["commune"], value["phone"], value["last_name"]) == (
            "Laeken",
            "+32470000002",
            "Older",
        )
        stamps = value["_hlc"]
        assert stamps["commune"] == stamp(t + 9, 0, b.client)
        assert stamps["phone"] == stamp(t + 5, 0, a.client)


def test_t7_create_replayed_as_patch_merges(phone: PhoneFactory, db: Session) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id)])
    body = p.push([p.create_lead(lead_id, commune="Saint-Gilles", first_name="Fatima")])
    assert body["results"][0]["status"] == "applied"
    lead = db.get(Lead, lead_id)
    assert lead is not None
    db.refresh(lead)
    assert lead.commune == "Saint-Gilles"


def test_t15_future_stamps_are_refused_and_the_server_clock_stays(
    phone: PhoneFactory, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Give the process-wide server clock back afterwards whatever happens here.
    monkeypatch.setattr(server_clock, "_last", server_clock._last)
    p = phone()
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id)])
    before = server_clock.now()
    skewed = now_ms() + 3600 * 1000  # a phone whose clock is an hour ahead
    body = p.push([_patch(p, lead_id, skewed, {}, commune="Koekelberg")])
    assert body["results"][0]["status"] == "rejected"
    assert body["results"][0]["code"] == "clock_ahead"
    lead = db.get(Lead, lead_id)
    assert lead is not None
    db.refresh(lead)
    assert lead.commune != "Koekelberg"
    # The stamp never reached the clock: the server's answer is of now, not of the hour ahead.
    server = hlc.parse(body["serverHLC"])
    assert server.node == "server" and str(server) > before
    # (Not later than now, or than where an earlier test in this process left the clock.)
    assert server.wall_ms <= max(now_ms() + 1, hlc.parse(before).wall_ms)
    # Within the allowed drift a stamp is taken as it is, and the clock follows it.
    ahead = now_ms() + MAX_FUTURE_MS - 60_000
    body = p.push([_patch(p, lead_id, ahead, {}, commune="Evere")])
    assert body["results"][0]["status"] == "applied"
    assert hlc.parse(body["serverHLC"]).wall_ms >= ahead
    db.refresh(lead)
    assert lead.commune == "Evere"
