"""Issue 8's examples over REST (the classes are probed in tests/robustness): references to
another team's records answer like ids that do not exist, a lead keeps a phone or an
e-mail, dates stay in the world, text holds no control characters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.leads.models import Lead
from tests.conftest import World
from tests.leads.helpers import create_lead, lead_body


def _other_team_records(client: TestClient, world: World) -> dict[str, str]:
    h = world.auth("agent2")
    venue = client.post("/api/venues", json={"name": "Antwerp shop"}, headers=h).json()
    session = client.post("/api/sessions", json={"channel": "coffee_stand"}, headers=h).json()
    return {"venue_id": venue["id"], "session_id": session["id"]}


def _answer(r: Any) -> tuple[int, str, str]:
    body = r.json()
    return r.status_code, body["error"], body["detail"]


@pytest.mark.parametrize("column", ["session_id", "venue_id"])
def test_another_teams_reference_answers_like_a_made_up_one(
    client: TestClient, world: World, db: Session, column: str
) -> None:
    theirs = _other_team_records(client, world)[column]
    h = world.auth("agent")
    made_up = client.post("/api/leads", json=lead_body(**{column: str(uuid.uuid4())}), headers=h)
    invisible = client.post("/api/leads", json=lead_body(**{column: theirs}), headers=h)
    assert _answer(invisible) == _answer(made_up)
    assert made_up.status_code == 422 and made_up.json()["error"] == f"unknown_{column[:-3]}"
    lead = create_lead(client, world)
    patched = client.patch(f"/api/leads/{lead['id']}", json={column: theirs}, headers=h)
    assert _answer(patched) == _answer(made_up)
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None and getattr(row, column) is None


def test_a_code_for_another_teams_venue_answers_like_a_made_up_one(
    client: TestClient, world: World
) -> None:
    theirs = _other_team_records(client, world)["venue_id"]
    h = world.auth("coordinator")
    made_up = client.post(
        "/api/codes", json={"kind": "venue", "venue_id": str(uuid.uuid4())}, headers=h
    )
    invisible = client.post("/api/codes", json={"kind": "venue", "venue_id": theirs}, headers=h)
    assert made_up.status_code == 422
    assert _answer(invisible) == _answer(made_up)


@pytest.mark.parametrize(
    "change",
    [{"phone": None, "email": None}, {"phone": None}, {"phone": ""}],
)
def test_a_lead_keeps_a_phone_or_an_email(
    client: TestClient, world: World, db: Session, change: dict[str, Any]
) -> None:
    lead = create_lead(client, world)  # a phone, no e-mail
    r = client.patch(f"/api/leads/{lead['id']}", json=change, headers=world.auth("agent"))
    assert r.status_code == 422 and r.json()["error"] == "contact_required", r.text
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None and row.phone == lead["phone"]
    # With an e-mail given in the same change, the phone may go.
    swap = {"phone": None, "email": "amina@example.org"}
    r = client.patch(f"/api/leads/{lead['id']}", json=swap, headers=world.auth("agent"))
    assert r.status_code == 200 and r.json()["phone"] is None


@pytest.mark.parametrize(
    ("when", "code"),
    [
        ("9999-12-31T23:59:59Z", "in_future"),
        ("0001-01-01T00:00:00Z", "too_early"),
        ("1999-12-31T23:59:59Z", "too_early"),
    ],
)
def test_an_interaction_happens_in_the_world_and_last_touch_stays(
    client: TestClient, world: World, db: Session, when: str, code: str
) -> None:
    lead = create_lead(client, world)
    r = client.post(
        f"/api/leads/{lead['id']}/interactions",
        json={"kind": "call", "occurred_at": when},
        headers=world.auth("agent"),
    )
    assert r.status_code == 422 and [f["code"] for f in r.json()["fields"]] == [code]
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None and row.last_touch_at.year < 9999


@pytest.mark.parametrize(("due", "code"), [("0001-01-01", "too_early"), ("9999-12-31", "too_late")])
def test_a_due_day_is_in_a_sane_window(
    client: TestClient, world: World, due: str, code: str
) -> None:
    lead = create_lead(client, world)
    r = client.post(
        f"/api/leads/{lead['id']}/followups", json={"due_on": due}, headers=world.auth("agent")
    )
    assert r.status_code == 422 and [f["code"] for f in r.json()["fields"]] == [code]


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("first_name", "Ab\u0000cd", False),
        ("first_name", "Ab\u001bcd", False),
        ("first_name", "Ab\ncd", False),  # one line
        ("first_name", "Ab\tcd", True),
        ("project_idea", "Line one\nLine two", True),  # multi-line
        ("project_idea", "Line one\r\nLine two", True),
        ("project_idea", "Bell\u0007", False),
    ],
)
def test_text_refuses_control_characters(
    client: TestClient, world: World, field: str, value: str, ok: bool
) -> None:
    r = client.post("/api/leads", json=lead_body(**{field: value}), headers=world.auth("agent"))
    if ok:
        assert r.status_code == 201, r.text
        assert "\r" not in (r.json()[field] or "")
        return
    assert r.status_code == 422, r.text
    [problem] = r.json()["fields"]
    assert problem["loc"] == [field] and problem["code"] == "control_character"


def test_a_lone_surrogate_is_refused(client: TestClient, world: World) -> None:
    r = client.post(
        "/api/leads",
        content=b'{"first_name": "Ab\\ud800", "channel": "coffee_stand", "phone": "0470123456",'
        b' "consent": {"purposes": ["contact"], "text_version": "1", "language": "fr",'
        b' "text_sha256": "' + b"a" * 64 + b'"}}',
        headers={**world.auth("agent"), "Content-Type": "application/json"},
    )
    assert r.status_code == 422, r.text
    assert r.json()["fields"][0]["loc"] == ["first_name"]
