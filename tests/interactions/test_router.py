"""Interactions: append-only log of a lead; idempotent adds, voiding by author or coordinator."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.interactions.models import Interaction
from api.leads.models import Lead
from tests.conftest import World
from tests.leads.helpers import count, create_lead, new_id


def _add(client: TestClient, world: World, lead_id: str, who: str = "agent", **body: Any) -> Any:
    return client.post(
        f"/api/leads/{lead_id}/interactions",
        json={"kind": "conversation", **body},
        headers=world.auth(who),
    )


def test_add_sets_author_and_touches_the_lead(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world)
    r = _add(
        client,
        world,
        lead["id"],
        body="Wants a loan for a food truck",
        channel="phone",
        author_id=str(world.coordinator.id),
        voided_at="2020-01-01T00:00:00Z",
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["author_id"] == str(world.agent.id)  # not what the body said
    assert body["voided_at"] is None and body["channel"] == "phone"
    assert body["lead_id"] == lead["id"]
    after = client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent")).json()
    assert after["last_touch_at"] >= body["occurred_at"]
    assert after["last_touch_at"] > lead["last_touch_at"]
    assert after["version"] > lead["version"] and body["version"] == after["version"]


def test_backdated_interaction_does_not_move_last_touch_back(
    client: TestClient, world: World
) -> None:
    lead = create_lead(client, world)
    old = (datetime.now(UTC) - timedelta(days=3)).isoformat()
    assert _add(client, world, lead["id"], occurred_at=old).status_code == 201
    after = client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent")).json()
    assert after["last_touch_at"] == lead["last_touch_at"]


def test_replayed_add_returns_the_same_row(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    iid = new_id()
    when = "2026-01-05T09:30:00+01:00"
    first = _add(client, world, lead["id"], id=iid, body="first", occurred_at=when)
    again = _add(client, world, lead["id"], id=iid, body="second")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json() == first.json()
    assert first.json()["occurred_at"] == "2026-01-05T08:30:00Z"
    assert count(db, Interaction, id=uuid.UUID(iid)) == 1
    other = create_lead(client, world)
    assert _add(client, world, other["id"], id=iid).status_code == 409


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "status_change"}, "use_status_endpoint"),
        ({"kind": "party"}, "enum"),
        ({"body": "x" * 4001}, "string_too_long"),
        ({"channel": "pigeon"}, "enum"),
        ({"occurred_at": "2026-01-01T10:00:00"}, "timezone_aware"),
        ({"occurred_at": (datetime.now(UTC) + timedelta(hours=2)).isoformat()}, "in_future"),
    ],
)
def test_invalid_add_is_422_and_stores_nothing(
    client: TestClient, world: World, db: Session, body: dict[str, Any], code: str
) -> None:
    lead = create_lead(client, world)
    r = _add(client, world, lead["id"], **body)
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    assert [f["code"] for f in r.json()["fields"]] == [code]
    assert count(db, Interaction, lead_id=uuid.UUID(lead["id"])) == 0
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None and row.version == lead["version"]


def test_list_is_newest_first_and_paged(client: TestClient, world: World) -> None:
    lead = create_lead(client, world)
    now = datetime.now(UTC)
    for days in (3, 1, 2):
        when = (now - timedelta(days=days)).isoformat()
        assert _add(client, world, lead["id"], occurred_at=when, body=f"d{days}").status_code == 201
    url = f"/api/leads/{lead['id']}/interactions"
    r = client.get(url, headers=world.auth("coordinator"))
    assert r.status_code == 200
    assert [i["body"] for i in r.json()["items"]] == ["d1", "d2", "d3"]
    page = client.get(url, params={"limit": 1, "offset": 1}, headers=world.auth("agent")).json()
    assert page["total"] == 3 and [i["body"] for i in page["items"]] == ["d2"]


def test_void_by_author_or_coordinator_only(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    mine = _add(client, world, lead["id"]).json()
    theirs = _add(client, world, lead["id"], who="coordinator").json()

    def void(iid: str, who: str, reason: str = "wrong lead") -> Any:
        return client.post(
            f"/api/interactions/{iid}/void", json={"reason": reason}, headers=world.auth(who)
        )

    assert void(theirs["id"], "agent").status_code == 403
    assert void(mine["id"], "agent", reason="  ").status_code == 422
    r = void(mine["id"], "agent")
    assert r.status_code == 200
    assert r.json()["voided_by"] == str(world.agent.id) and r.json()["void_reason"] == "wrong lead"
    assert r.json()["version"] > mine["version"]
    assert r.json()["body"] == mine["body"]  # kept, only marked void
    again = void(mine["id"], "agent", reason="other")
    assert again.status_code == 200 and again.json()["void_reason"] == "wrong lead"
    assert void(theirs["id"], "coordinator").status_code == 200
    assert void(str(uuid.uuid4()), "admin").status_code == 404
    assert count(db, Interaction, lead_id=uuid.UUID(lead["id"])) == 2


def test_status_change_cannot_be_voided(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    client.post(
        f"/api/leads/{lead['id']}/status",
        json={"status": "contacted"},
        headers=world.auth("agent"),
    )
    iid = client.get(f"/api/leads/{lead['id']}/interactions", headers=world.auth("agent")).json()[
        "items"
    ][0]["id"]
    r = client.post(
        f"/api/interactions/{iid}/void", json={"reason": "oops"}, headers=world.auth("coordinator")
    )
    assert r.status_code == 409 and r.json()["error"] == "status_change_immutable"
    row = db.get(Interaction, uuid.UUID(iid), populate_existing=True)
    assert row is not None and row.voided_at is None


def test_interactions_of_a_deleted_lead_are_gone(client: TestClient, world: World) -> None:
    lead = create_lead(client, world)
    assert client.delete(f"/api/leads/{lead['id']}", headers=world.auth("agent")).status_code == 204
    assert _add(client, world, lead["id"]).status_code == 404
    url = f"/api/leads/{lead['id']}/interactions"
    assert client.get(url, headers=world.auth("agent")).status_code == 404
