"""Every rule holds on every write path (issue 8.5): a change refused over REST is refused
when a phone pushes it, and the reverse, with the record left as it was.

Each case is one rule broken on a record of the caller's own team, sent once through the
REST endpoint and once as the mutation a phone pushes for the same change.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from api.interactions.models import Interaction
from tests.conftest import World
from tests.sync.conftest import PhoneFactory
from tests.sync.helpers import Phone


@dataclass(frozen=True)
class Records:
    lead: str
    followup: str
    session: str
    venue: str
    status_log: str  # the status_change interaction of the lead
    other_session: str  # another team's
    other_venue: str


def _records(phone: PhoneFactory, db: Session) -> Records:
    mine, theirs = phone("agent"), phone("agent2")
    lead, followup, session, venue = (str(uuid.uuid4()) for _ in range(4))
    other_session, other_venue = str(uuid.uuid4()), str(uuid.uuid4())
    started = {"channel": "coffee_stand", "started_at": "2026-11-20T09:00:00Z"}
    mine.push(
        [
            mine.create_lead(uuid.UUID(lead)),
            mine.mutation("lead.patch", {"id": lead, "set": {"status": "contacted"}}),
            mine.mutation(
                "followup.create",
                {"id": followup, "lead_id": lead, "due_on": "2027-01-05", "kind": "call"},
            ),
            mine.mutation(
                "session.create",
                {"id": session, "fields": {**started, "ended_at": "2026-11-20T12:00:00Z"}},
            ),
            mine.mutation("venue.create", {"id": venue, "fields": {"name": "Bakery"}}),
        ]
    )
    theirs.push(
        [
            theirs.mutation("session.create", {"id": other_session, "fields": started}),
            theirs.mutation("venue.create", {"id": other_venue, "fields": {"name": "Shop"}}),
        ]
    )
    log = db.execute(
        select(col(Interaction.id)).where(
            col(Interaction.lead_id) == uuid.UUID(lead), col(Interaction.kind) == "status_change"
        )
    ).scalar_one()
    return Records(lead, followup, session, venue, str(log), other_session, other_venue)


@dataclass(frozen=True)
class Case:
    """One broken rule: the REST request and the mutation making the same change."""

    rule: str
    rest: Callable[[Records], tuple[str, str, dict[str, Any]]]  # (method, url, body)
    sync: Callable[[Records], tuple[str, dict[str, Any]]]  # (mutator, args)


def _lead_patch(change: dict[str, Any]) -> tuple[Any, Any]:
    return (
        lambda r: ("PATCH", f"/api/leads/{r.lead}", change),
        lambda r: ("lead.patch", {"id": r.lead, "set": change}),
    )


def _lead_ref(column: str, record: str) -> tuple[Any, Any]:
    return (
        lambda r: ("PATCH", f"/api/leads/{r.lead}", {column: getattr(r, record)}),
        lambda r: ("lead.patch", {"id": r.lead, "set": {column: getattr(r, record)}}),
    )


def _followup_patch(change: dict[str, Any]) -> tuple[Any, Any]:
    return (
        lambda r: ("PATCH", f"/api/followups/{r.followup}", change),
        lambda r: ("followup.patch", {"id": r.followup, "set": change}),
    )


def _session_patch(change: dict[str, Any]) -> tuple[Any, Any]:
    return (
        lambda r: ("PATCH", f"/api/sessions/{r.session}", change),
        lambda r: ("session.patch", {"id": r.session, "set": change}),
    )


def _venue_patch(change: dict[str, Any]) -> tuple[Any, Any]:
    return (
        lambda r: ("PATCH", f"/api/venues/{r.venue}", change),
        lambda r: ("venue.patch", {"id": r.venue, "set": change}),
    )


CASES = [
    Case("lead keeps a phone or an e-mail", *_lead_patch({"phone": None, "email": None})),
    Case("lead keeps a phone (none of e-mail)", *_lead_patch({"phone": None})),
    Case("lead first name stays", *_lead_patch({"first_name": None})),
    Case("lead language stays", *_lead_patch({"language": None})),
    Case("lead phone is a phone", *_lead_patch({"phone": "12"})),
    Case("lead text has no control character", *_lead_patch({"commune": "Je\u0000tte"})),
    Case("lead session is one the caller sees", *_lead_ref("session_id", "other_session")),
    Case("lead venue is one the caller sees", *_lead_ref("venue_id", "other_venue")),
    Case("follow-up kind is a known one", *_followup_patch({"kind": "<script>"})),
    Case("follow-up due day stays", *_followup_patch({"due_on": None})),
    Case("follow-up due day in a sane window", *_followup_patch({"due_on": "9999-12-31"})),
    Case("follow-up note has no control character", *_followup_patch({"note": "a\u001bb"})),
    Case(
        "session ends after it starts",
        *_session_patch({"ended_at": "2026-11-20T08:00:00Z"}),
    ),
    Case("session channel stays", *_session_patch({"channel": None})),
    Case("session starts in the world", *_session_patch({"started_at": "0001-01-01T00:00:00Z"})),
    Case("session venue is one the caller sees", *_session_patch({"venue_id": "x"})),
    Case("venue name stays", *_venue_patch({"name": None})),
    Case("venue next visit in a sane window", *_venue_patch({"next_visit_on": "0001-01-01"})),
    Case(
        "a status change is never voided",
        lambda r: ("POST", f"/api/interactions/{r.status_log}/void", {"reason": "Wrong"}),
        lambda r: ("interaction.void", {"id": r.status_log, "reason": "Wrong"}),
    ),
]


def _row_state(client: TestClient, world: World, r: Records) -> list[Any]:
    """What the caller reads of the records (before and after must be equal)."""
    h = world.auth("agent")
    lead = client.get(f"/api/leads/{r.lead}", headers=h).json()
    session = client.get(f"/api/sessions/{r.session}", headers=h).json()
    venue = client.get(f"/api/venues/{r.venue}", headers=h).json()
    return [lead, session, venue]


def test_a_rule_refused_over_rest_is_refused_through_sync(
    client: TestClient, world: World, phone: PhoneFactory, db: Session
) -> None:
    """All cases on one set of records: each is refused, so each leaves them as they were
    for the next."""
    r = _records(phone, db)
    before = _row_state(client, world, r)
    p: Phone = phone("agent")
    broken: dict[str, Any] = {}
    for case in CASES:
        method, url, body = case.rest(r)
        answer = client.request(method, url, json=body, headers=world.auth("agent"))
        name, args = case.sync(r)
        [result] = p.push([p.mutation(name, args)])["results"]
        refused = 400 <= answer.status_code < 500, result["status"] == "rejected"
        if refused != (True, True):
            broken[case.rule] = (answer.status_code, result)
        elif _row_state(client, world, r) != before:
            broken[case.rule] = "changed the record"
    assert broken == {}
    assert len(CASES) >= 15
