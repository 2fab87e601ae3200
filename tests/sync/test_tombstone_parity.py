"""A deleted outreach session or venue gets one answer on both write paths (REST and a
pushed mutation): a reference to it is refused as a reference to a session or venue the
caller cannot see (`unknown_session` / `unknown_venue`), and a change of it is refused as a
change of a record that is not there (`not_found`). The rule lives in the mutators; REST
is their adapter. Nothing is written either way.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlmodel import Session, col

from api.leads.models import Lead
from api.sessions.models import OutreachSession, Tally
from api.venues.models import Venue
from sync.models import SyncConflict
from sync.sqltypes import utcnow
from tests.conftest import World
from tests.sync.conftest import PhoneFactory
from tests.sync.helpers import lead_fields


@dataclass(frozen=True)
class Gone:
    session: str  # deleted, of the caller's team
    venue: str  # deleted, of the caller's team
    lead: str  # a live lead of the caller


@pytest.fixture
def gone(phone: PhoneFactory, db: Session) -> Gone:
    p = phone("agent")
    session, venue, lead = (str(uuid.uuid4()) for _ in range(3))
    started = {"channel": "coffee_stand", "started_at": "2026-11-20T09:00:00Z"}
    results = p.push(
        [
            p.mutation("session.create", {"id": session, "fields": started}),
            p.mutation("venue.create", {"id": venue, "fields": {"name": "Bakery"}}),
            p.create_lead(uuid.UUID(lead)),
        ]
    )["results"]
    assert [r["status"] for r in results] == ["applied"] * 3
    # No screen deletes a session or venue yet; the tombstone is what a delete leaves.
    db.execute(
        update(OutreachSession)
        .where(col(OutreachSession.id) == uuid.UUID(session))
        .values(deleted_at=utcnow())
    )
    db.execute(update(Venue).where(col(Venue.id) == uuid.UUID(venue)).values(deleted_at=utcnow()))
    db.commit()
    return Gone(session, venue, lead)


Rest = Callable[[Gone], tuple[str, str, dict[str, Any]]]
Sync = Callable[[Gone], tuple[str, dict[str, Any]]]
NEW_LEAD = "0193a000-0000-7000-8000-00000000aa01"
NEW_SESSION = "0193a000-0000-7000-8000-00000000aa02"
TALLY = "0193a000-0000-7000-8000-00000000aa03"
STAND = {"channel": "coffee_stand", "started_at": "2026-11-21T09:00:00Z"}

CASES: list[tuple[str, str, Rest, Sync]] = [
    (
        "a tally on a deleted session",
        "not_found",
        lambda g: (
            "POST",
            f"/api/sessions/{g.session}/tallies",
            {"id": TALLY, "kind": "coffees", "delta": 1},
        ),
        lambda g: (
            "tally.add",
            {
                "id": TALLY,
                "session_id": g.session,
                "kind": "coffees",
                "delta": 1,
                "occurred_at": "2026-11-20T10:00:00Z",
            },
        ),
    ),
    (
        "an edit of a deleted session",
        "not_found",
        lambda g: ("PATCH", f"/api/sessions/{g.session}", {"title": "Later"}),
        lambda g: ("session.patch", {"id": g.session, "set": {"title": "Later"}}),
    ),
    (
        "an edit of a deleted venue",
        "not_found",
        lambda g: ("PATCH", f"/api/venues/{g.venue}", {"name": "Later"}),
        lambda g: ("venue.patch", {"id": g.venue, "set": {"name": "Later"}}),
    ),
    (
        "a new lead met at a deleted session",
        "unknown_session",
        lambda g: (
            "POST",
            "/api/leads",
            {"id": NEW_LEAD, **lead_fields(session_id=g.session, phone="+32470111222")},
        ),
        lambda g: (
            "lead.create",
            {"id": NEW_LEAD, "fields": lead_fields(session_id=g.session, phone="+32470111222")},
        ),
    ),
    (
        "a lead moved to a deleted venue",
        "unknown_venue",
        lambda g: ("PATCH", f"/api/leads/{g.lead}", {"venue_id": g.venue}),
        lambda g: ("lead.patch", {"id": g.lead, "set": {"venue_id": g.venue}}),
    ),
    (
        "a new session at a deleted venue",
        "unknown_venue",
        lambda g: ("POST", "/api/sessions", {"id": NEW_SESSION, **STAND, "venue_id": g.venue}),
        lambda g: ("session.create", {"id": NEW_SESSION, "fields": {**STAND, "venue_id": g.venue}}),
    ),
    (
        "a new session under a deleted session's id",
        "id_taken",
        lambda g: ("POST", "/api/sessions", {"id": g.session, **STAND}),
        lambda g: ("session.create", {"id": g.session, "fields": STAND}),
    ),
    (
        "a new venue under a deleted venue's id",
        "id_taken",
        lambda g: ("POST", "/api/venues", {"id": g.venue, "name": "Bakery"}),
        lambda g: ("venue.create", {"id": g.venue, "fields": {"name": "Bakery"}}),
    ),
]
STATUS = {"not_found": 404, "id_taken": 409}


def _written(db: Session) -> list[int]:
    db.expire_all()
    return [
        db.execute(select(func.count()).select_from(model)).scalar_one()
        for model in (Lead, OutreachSession, Tally, SyncConflict)
    ]


@pytest.mark.parametrize(("rule", "code", "rest", "sync"), CASES, ids=[c[0] for c in CASES])
def test_a_deleted_session_or_venue_gets_one_answer_on_both_paths(
    client: TestClient,
    world: World,
    phone: PhoneFactory,
    db: Session,
    gone: Gone,
    rule: str,
    code: str,
    rest: Rest,
    sync: Sync,
) -> None:
    before = _written(db)
    method, url, body = rest(gone)
    answer = client.request(method, url, json=body, headers=world.auth("agent"))
    assert (answer.status_code, answer.json().get("error")) == (STATUS.get(code, 422), code)
    p = phone("agent")
    name, args = sync(gone)
    [result] = p.push([p.mutation(name, args)])["results"]
    assert (result["status"], result.get("code")) == ("rejected", code)
    assert _written(db) == before  # no row, no tally, no conflict record


def test_a_lead_met_at_a_session_deleted_since_keeps_it_and_can_be_edited(
    client: TestClient, world: World, phone: PhoneFactory, db: Session
) -> None:
    """Only a change of the reference is judged: a replayed create naming the session it
    already holds, and edits of other fields, still apply on both paths."""
    p = phone("agent")
    session, lead = str(uuid.uuid4()), str(uuid.uuid4())
    start = p.mutation("session.create", {"id": session, "fields": STAND})
    create = p.create_lead(uuid.UUID(lead), session_id=session)
    first = p.push([start, create])
    assert [r["status"] for r in first["results"]] == ["applied", "applied"], first
    db.execute(
        update(OutreachSession)
        .where(col(OutreachSession.id) == uuid.UUID(session))
        .values(deleted_at=utcnow())
    )
    db.commit()
    replay = p.mutation("lead.create", create["args"])
    edit_args = {"id": lead, "set": {"commune": "Jette", "session_id": session}}
    edit = p.mutation("lead.patch", edit_args)
    results = p.push([replay, edit])["results"]
    assert [r["status"] for r in results] == ["applied", "applied"], results
    r = client.patch(
        f"/api/leads/{lead}",
        json={"commune": "Anderlecht", "session_id": session},
        headers=world.auth("agent"),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["commune"], r.json()["session_id"]) == ("Anderlecht", session)
