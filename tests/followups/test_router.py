"""Follow-ups: the to-do list, due days in Europe/Brussels, patches merged like leads."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.config import get_settings
from api.followups import service
from api.followups.models import Followup
from api.followups.schemas import DueFilter
from api.leads import rules
from api.users import service as user_service
from api.users.actor import Actor
from sync.models import SyncConflict
from tests.conftest import World
from tests.leads.helpers import count, create_lead, new_id


def _add(client: TestClient, world: World, lead_id: str, who: str = "agent", **body: Any) -> Any:
    return client.post(f"/api/leads/{lead_id}/followups", json=body, headers=world.auth(who))


def _list(client: TestClient, world: World, who: str = "agent", **params: Any) -> dict[str, Any]:
    r = client.get("/api/followups", params=params, headers=world.auth(who))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    assert body["total"] == len(body["items"])
    return body


def test_add_and_list_mine_by_due(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world, first_name="Karim", phone="0470 11 22 33")
    today = rules.brussels_today(datetime.now(UTC))
    made = {}
    for label, day in (("overdue", -1), ("today", 0), ("upcoming", 5)):
        due = (today + timedelta(days=day)).isoformat()
        r = _add(client, world, lead["id"], due_on=due, kind="visit", note=label)
        assert r.status_code == 201, r.text
        assert r.json()["assigned_to"] == str(world.agent.id)
        made[label] = r.json()["id"]
    first_call = str(rules.first_followup_id(uuid.UUID(lead["id"])))

    everything = _list(client, world)
    assert [i["id"] for i in everything["items"]] == [
        made["overdue"],
        made["today"],
        first_call,
        made["upcoming"],
    ]
    item = everything["items"][0]
    assert item["lead_first_name"] == "Karim" and item["lead_phone"] == "+32470112233"
    assert [i["id"] for i in _list(client, world, due="today")["items"]] == [made["today"]]
    assert [i["id"] for i in _list(client, world, due="overdue")["items"]] == [made["overdue"]]
    assert [i["id"] for i in _list(client, world, due="upcoming")["items"]] == [
        first_call,
        made["upcoming"],
    ]
    # Someone else's list does not contain mine.
    assert _list(client, world, "coordinator")["total"] == 0
    r = client.get("/api/followups", params={"due": "someday"}, headers=world.auth("agent"))
    assert r.status_code == 422


def _actor(db: Session, world: World, who: str) -> Actor:
    return user_service.authenticate(db, token=world.tokens[who], settings=get_settings())


def test_today_is_the_brussels_day(client: TestClient, world: World, db: Session) -> None:
    """At 00:30 in Brussels it is still yesterday in UTC: "today" follows Brussels."""
    lead = create_lead(client, world)
    for day in (28, 29, 30):
        assert _add(client, world, lead["id"], due_on=f"2026-03-{day}").status_code == 201
    actor = _actor(db, world, "agent")
    now = datetime(2026, 3, 28, 23, 30, tzinfo=UTC)  # 2026-03-29 00:30 (CET) in Brussels

    def due_days(due: DueFilter) -> list[date]:
        rows, _total = service.list_followups(
            db, actor=actor, filters=service.FollowupFilters(due=due), now=now
        )
        return [f.due_on for f, _lead in rows if f.due_on.year == 2026 and f.due_on.month == 3]

    assert due_days(DueFilter.today) == [date(2026, 3, 29)]
    assert due_days(DueFilter.overdue) == [date(2026, 3, 28)]
    assert due_days(DueFilter.upcoming) == [date(2026, 3, 30)]


def test_coordinator_filters_by_agent_and_team(client: TestClient, world: World) -> None:
    lead = create_lead(client, world)
    create_lead(client, world, "agent2")  # Antwerp: its follow-up is out of scope
    mine = _list(client, world, "coordinator", agent=str(world.agent.id))
    assert [i["lead_id"] for i in mine["items"]] == [lead["id"]]
    team = _list(client, world, "coordinator", team_id=str(world.brussels.id))
    assert [i["lead_id"] for i in team["items"]] == [lead["id"]]
    assert _list(client, world, "coordinator", agent=str(world.agent2.id))["total"] == 0
    assert _list(client, world, "coordinator", team_id=str(world.antwerp.id))["total"] == 0
    assert _list(client, world, "admin", team_id=str(world.antwerp.id))["total"] == 1
    # Agents see their own list only.
    r = client.get(
        "/api/followups", params={"agent": str(world.agent2.id)}, headers=world.auth("agent")
    )
    assert r.status_code == 403
    assert _list(client, world, "agent", agent=str(world.agent.id))["total"] == 1


def test_assigning_a_followup_to_someone_else(client: TestClient, world: World) -> None:
    lead = create_lead(client, world)
    body = {"due_on": "2030-05-01", "assigned_to": str(world.agent.id)}
    r = _add(client, world, lead["id"], "coordinator", **body)
    assert r.status_code == 201 and r.json()["assigned_to"] == str(world.agent.id)
    r = _add(
        client,
        world,
        lead["id"],
        "agent",
        due_on="2030-05-01",
        assigned_to=str(world.coordinator.id),
    )
    assert r.status_code == 403
    r = _add(
        client,
        world,
        lead["id"],
        "coordinator",
        due_on="2030-05-01",
        assigned_to=str(world.agent2.id),
    )
    assert r.status_code == 422 and r.json()["error"] == "invalid_assignee"


def test_replayed_add_returns_the_same_row(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    fid = new_id()
    first = _add(client, world, lead["id"], id=fid, due_on="2030-01-02")
    again = _add(client, world, lead["id"], id=fid, due_on="2031-01-02")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert count(db, Followup, id=uuid.UUID(fid)) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, "missing"),
        ({"due_on": "tomorrow"}, "date_from_datetime_parsing"),
        ({"due_on": "2030-01-01", "kind": "dance"}, "enum"),
        ({"due_on": "2030-01-01", "note": "n" * 1001}, "string_too_long"),
    ],
)
def test_invalid_add_stores_nothing(
    client: TestClient, world: World, db: Session, body: dict[str, Any], code: str
) -> None:
    lead = create_lead(client, world)
    r = _add(client, world, lead["id"], **body)
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    assert [f["code"] for f in r.json()["fields"]] == [code]
    assert count(db, Followup, lead_id=uuid.UUID(lead["id"])) == 1  # only the 48 h call


def test_patch_done_reschedule_and_reopen(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    fid = str(rules.first_followup_id(uuid.UUID(lead["id"])))
    url = f"/api/followups/{fid}"
    r = client.patch(
        url, json={"done": True, "note": "Left a message"}, headers=world.auth("agent")
    )
    assert r.status_code == 200, r.text
    done = r.json()
    assert done["done_at"] is not None and done["note"] == "Left a message"
    assert done["version"] > lead["version"]
    assert _list(client, world)["total"] == 0
    assert _list(client, world, include_done=True)["total"] == 1
    # Ticking it again keeps the first time it was done.
    again = client.patch(url, json={"done": True}, headers=world.auth("agent")).json()
    assert again["done_at"] == done["done_at"]

    r = client.patch(
        url,
        json={
            "done": False,
            "due_on": "2030-02-03",
            "kind": "visit",
            "lead_id": new_id(),
            "assigned_to": str(world.agent2.id),
        },
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 200
    body = r.json()
    assert body["done_at"] is None and body["due_on"] == "2030-02-03" and body["kind"] == "visit"
    assert body["lead_id"] == lead["id"] and body["assigned_to"] == str(world.agent.id)
    row = db.get(Followup, uuid.UUID(fid), populate_existing=True)
    assert row is not None
    assert set(row.field_hlc) >= {"due_on", "kind", "note", "done_at"}


@pytest.mark.parametrize("body", [{"due_on": None}, {"done": None}, {"kind": "x"}])
def test_invalid_patch_changes_nothing(
    client: TestClient, world: World, db: Session, body: dict[str, Any]
) -> None:
    lead = create_lead(client, world)
    fid = rules.first_followup_id(uuid.UUID(lead["id"]))
    r = client.patch(f"/api/followups/{fid}", json=body, headers=world.auth("agent"))
    assert r.status_code == 422
    row = db.get(Followup, fid, populate_existing=True)
    assert row is not None and row.version == lead["version"] and row.kind == "call"


def test_patch_losing_to_a_newer_stamp_is_kept_as_conflict(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world)
    fid = rules.first_followup_id(uuid.UUID(lead["id"]))
    row = db.get(Followup, fid, populate_existing=True)
    assert row is not None
    row.field_hlc = {**row.field_hlc, "note": "9999999999999-0000-phone"}
    row.note = "from the phone"
    db.add(row)
    db.commit()
    r = client.patch(
        f"/api/followups/{fid}", json={"note": "from the office"}, headers=world.auth("coordinator")
    )
    assert r.status_code == 200 and r.json()["note"] == "from the phone"
    rows = db.execute(select(SyncConflict).where(SyncConflict.entity_id == fid)).scalars()
    assert [(c.entity, c.field, c.losing_value) for c in rows] == [
        ("followup", "note", "from the office")
    ]


def test_unknown_or_deleted_lead_followup_is_404(client: TestClient, world: World) -> None:
    lead = create_lead(client, world)
    fid = rules.first_followup_id(uuid.UUID(lead["id"]))
    assert (
        client.patch(
            f"/api/followups/{uuid.uuid4()}", json={"done": True}, headers=world.auth("agent")
        ).status_code
        == 404
    )
    client.delete(f"/api/leads/{lead['id']}", headers=world.auth("agent"))
    assert (
        client.patch(
            f"/api/followups/{fid}", json={"done": True}, headers=world.auth("agent")
        ).status_code
        == 404
    )
    assert _list(client, world)["total"] == 0
