"""The queue's filters (overdue first contact, unassigned, days in stage), its order, and
the progress columns the database derives from the history (void included)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session

from api.interactions.models import Interaction
from api.leads.models import Lead
from sync.sqltypes import utcnow
from tests.conftest import World
from tests.leads.helpers import create_lead


def _age(db: Session, lead_id: str, days: int) -> None:
    at = utcnow() - timedelta(days=days)
    db.execute(
        update(Lead)
        .where(Lead.id == uuid.UUID(lead_id))
        .values(created_at=at, first_touch_at=at, status_changed_at=at)
    )
    db.commit()


def test_queue_filters_and_order(client: TestClient, world: World, db: Session) -> None:
    old = create_lead(client, world, first_name="Old", phone="0470 10 10 10")
    called = create_lead(client, world, first_name="Called", phone="0470 20 20 20")
    fresh = create_lead(client, world, first_name="Fresh", phone="0470 30 30 30")
    _age(db, old["id"], 5)
    _age(db, called["id"], 5)
    r = client.post(
        f"/api/leads/{called['id']}/interactions",
        json={"kind": "call", "body": "ok"},
        headers=world.auth("agent"),
    )
    assert r.status_code == 201, r.text
    who = world.auth("coordinator")

    def names(**params: object) -> list[str]:
        r = client.get("/api/leads", params=params, headers=who)
        assert r.status_code == 200, r.text
        return [x["first_name"] for x in r.json()["items"]]

    assert names(overdue="true") == ["Old"]
    assert sorted(names(min_days_in_stage=4)) == ["Called", "Old"]
    assert len(names(unassigned="true")) == 3  # nobody assigned them yet
    assigned = client.post(
        f"/api/leads/{fresh['id']}/assign",
        json={"agent_id": str(world.agent.id)},
        headers=who,
    )
    assert assigned.status_code == 200
    assert sorted(names(unassigned="true")) == ["Called", "Old"]
    # New and unassigned first (newest first among them), the assigned one last.
    assert names(sort="queue") == ["Called", "Old", "Fresh"]
    detail = client.get(f"/api/leads/{called['id']}", headers=who).json()
    assert detail["first_contact_at"] is not None


def test_progress_follows_history_and_voids(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    who = world.auth("coordinator")
    for status in ("qualified", "applied"):
        r = client.post(f"/api/leads/{lead['id']}/status", json={"status": status}, headers=who)
        assert r.status_code == 200, r.text
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None
    # new → qualified counts as contacted too (stages are cumulative).
    assert row.contacted_at == row.qualified_at and row.applied_at is not None
    assert row.first_contact_at == row.qualified_at
    ids = client.get("/api/leads", params={"reached": "applied"}, headers=who).json()["items"]
    assert [x["id"] for x in ids] == [lead["id"]]
    db.execute(
        update(Interaction)
        .where(Interaction.lead_id == row.id, Interaction.to_status == "applied")
        .values(voided_at=utcnow())
    )
    db.commit()
    row = db.get(Lead, row.id, populate_existing=True)
    assert row is not None and row.applied_at is None and row.qualified_at is not None
    assert client.get("/api/leads", params={"reached": "applied"}, headers=who).json()["total"] == 0
