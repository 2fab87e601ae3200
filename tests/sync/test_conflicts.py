"""Coordinator conflict view: list a lead's unresolved conflicts, keep or pick a value."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session, col

from api.interactions.models import Interaction
from api.leads.models import Lead
from sync.models import SyncConflict
from tests.conftest import World
from tests.sync.conftest import PhoneFactory
from tests.sync.helpers import now_ms, stamp


def _race(phone: PhoneFactory, field: str, loser: object, winner: object) -> uuid.UUID:
    """Two edits of one field from the same base; `winner` is the later one."""
    p = phone()
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id)])
    p.pull()
    stamps = p.records[("lead", str(lead_id))]["_hlc"]
    base = {field: stamps.get(field, stamps["*"]) if field != "status" else None}
    t = now_ms()
    for value, offset in ((winner, 20), (loser, 10)):
        p.push(
            [
                p.mutation(
                    "lead.patch",
                    {"id": str(lead_id), "set": {field: value}, "base": base},
                    hlc=stamp(t + offset, 0, p.client),
                )
            ]
        )
    return lead_id


def test_coordinator_lists_and_picks_the_losing_value(
    phone: PhoneFactory, client: TestClient, world: World, db: Session
) -> None:
    lead_id = _race(phone, "commune", "Evere", "Jette")
    r = client.get(f"/api/leads/{lead_id}/conflicts", headers=world.auth("coordinator"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 1
    (item,) = body["items"]
    assert (item["field"], item["losing_value"], item["winning_value"]) == (
        "commune",
        "Evere",
        "Jette",
    )
    assert item["current_value"] == "Jette" and item["resolved_at"] is None
    version_before = db.get(Lead, lead_id)
    assert version_before is not None
    before = version_before.version

    r = client.post(
        f"/api/sync/conflicts/{item['id']}/resolve",
        json={"pick": True},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["resolution"] == "picked" and r.json()["current_value"] == "Evere"
    lead = db.get(Lead, lead_id)
    assert lead is not None
    db.refresh(lead)
    assert lead.commune == "Evere" and lead.version > before
    assert lead.field_hlc["commune"].endswith("-server")
    # Picked: gone from the list, and not resolvable twice.
    again = client.get(f"/api/leads/{lead_id}/conflicts", headers=world.auth("coordinator"))
    assert again.json() == {"items": [], "total": 0}
    twice = client.post(
        f"/api/sync/conflicts/{item['id']}/resolve",
        json={"pick": False},
        headers=world.auth("coordinator"),
    )
    assert twice.status_code == 409 and twice.json()["error"] == "already_resolved"
    # Phones get the picked value on their next pull.
    p = phone()
    p.pull()
    assert p.records[("lead", str(lead_id))]["commune"] == "Evere"


def test_keeping_the_current_value_changes_nothing(
    phone: PhoneFactory, client: TestClient, world: World, db: Session
) -> None:
    lead_id = _race(phone, "phone", "+32470000009", "+32470000008")
    (item,) = client.get(f"/api/leads/{lead_id}/conflicts", headers=world.auth("admin")).json()[
        "items"
    ]
    r = client.post(
        f"/api/sync/conflicts/{item['id']}/resolve",
        json={"pick": False},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200 and r.json()["resolution"] == "kept"
    lead = db.get(Lead, lead_id)
    assert lead is not None
    db.refresh(lead)
    assert lead.phone == "+32470000008"
    row = db.get(SyncConflict, item["id"])
    assert row is not None and row.resolved_by == world.admin.id


def test_picking_a_status_follows_the_status_rules(
    phone: PhoneFactory, client: TestClient, world: World, db: Session
) -> None:
    lead_id = _race(phone, "status", "contacted", "qualified")
    (item,) = client.get(
        f"/api/leads/{lead_id}/conflicts", headers=world.auth("coordinator")
    ).json()["items"]
    r = client.post(
        f"/api/sync/conflicts/{item['id']}/resolve",
        json={"pick": True},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 200, r.text  # qualified → contacted is allowed
    logs = db.execute(
        select(Interaction).where(
            col(Interaction.lead_id) == lead_id, col(Interaction.kind) == "status_change"
        )
    ).scalars()
    assert sorted((i.from_status, i.to_status) for i in logs) == [
        ("new", "qualified"),
        ("qualified", "contacted"),
    ]


@pytest.mark.parametrize(("who", "status"), [("agent", 403), ("coordinator2", 404)])
def test_conflicts_are_for_coordinators_in_scope(
    phone: PhoneFactory, client: TestClient, world: World, who: str, status: int
) -> None:
    lead_id = _race(phone, "commune", "Evere", "Jette")
    (item,) = client.get(
        f"/api/leads/{lead_id}/conflicts", headers=world.auth("coordinator")
    ).json()["items"]
    r = client.get(f"/api/leads/{lead_id}/conflicts", headers=world.auth(who))
    assert r.status_code == status
    r = client.post(
        f"/api/sync/conflicts/{item['id']}/resolve", json={"pick": True}, headers=world.auth(who)
    )
    assert r.status_code == status
    assert "Evere" not in r.text and "Jette" not in r.text


def test_picking_on_a_deleted_lead_is_refused(
    phone: PhoneFactory, client: TestClient, world: World
) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id), p.mutation("lead.delete", {"id": str(lead_id)})])
    p.push([p.mutation("lead.patch", {"id": str(lead_id), "set": {"commune": "Evere"}})])
    (item,) = client.get(
        f"/api/leads/{lead_id}/conflicts", headers=world.auth("coordinator")
    ).json()["items"]
    assert item["kind"] == "after_delete"
    r = client.post(
        f"/api/sync/conflicts/{item['id']}/resolve",
        json={"pick": True},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 409 and r.json()["error"] == "deleted"
    assert (
        client.get(
            "/api/leads/00000000-0000-0000-0000-000000000000/conflicts",
            headers=world.auth("coordinator"),
        ).status_code
        == 404
    )
    r = client.post(
        "/api/sync/conflicts/999999/resolve", json={"pick": True}, headers=world.auth("coordinator")
    )
    assert r.status_code == 404
