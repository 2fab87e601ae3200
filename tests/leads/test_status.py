"""Status changes: the funnel's transitions, each logged as a status_change interaction."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.interactions.models import Interaction
from api.leads import rules
from api.leads.models import Lead
from tests.conftest import World
from tests.leads.helpers import count, create_lead


def test_valid_transition_writes_status_and_interaction(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world)
    r = client.post(
        f"/api/leads/{lead['id']}/status",
        json={"status": "contacted", "comment": "Reached on the phone"},
        headers=world.auth("agent"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "contacted" and body["version"] > lead["version"]
    assert body["status_changed_at"] > lead["status_changed_at"]

    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None
    stamp = row.field_hlc["status"]
    interaction = db.execute(select(Interaction).where(Interaction.lead_id == row.id)).scalar_one()
    assert interaction.id == rules.status_interaction_id(row.id, stamp)
    assert interaction.kind == "status_change"
    assert (interaction.from_status, interaction.to_status) == ("new", "contacted")
    assert interaction.body == "Reached on the phone"
    assert interaction.author_id == world.agent.id
    assert interaction.version == row.version

    timeline = client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent")).json()
    assert timeline["timeline"][0]["kind"] == "status_change"


def test_full_funnel_path(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    path = ["contacted", "qualified", "applied", "financed", "coached"]
    for status in path:
        r = client.post(
            f"/api/leads/{lead['id']}/status",
            json={"status": status},
            headers=world.auth("coordinator"),
        )
        assert r.status_code == 200, (status, r.text)
    rows = db.execute(
        select(Interaction)
        .where(Interaction.lead_id == uuid.UUID(lead["id"]))
        .order_by(Interaction.version)
    ).scalars()
    assert [(i.from_status, i.to_status) for i in rows] == list(
        zip(["new", *path[:-1]], path, strict=True)
    )


@pytest.mark.parametrize(
    ("path", "bad"),
    [
        ([], "financed"),
        ([], "applied"),
        (["contacted"], "new"),
        (["not_eligible"], "qualified"),
        (["contacted", "qualified", "applied", "financed"], "withdrawn"),
    ],
)
def test_invalid_transition_is_422_and_changes_nothing(
    client: TestClient, world: World, db: Session, path: list[str], bad: str
) -> None:
    lead = create_lead(client, world)
    url = f"/api/leads/{lead['id']}"
    for status in path:
        ok = client.post(f"{url}/status", json={"status": status}, headers=world.auth("agent"))
        assert ok.status_code == 200
    before = client.get(url, headers=world.auth("agent")).json()
    n_interactions = count(db, Interaction, lead_id=uuid.UUID(lead["id"]))
    r = client.post(f"{url}/status", json={"status": bad}, headers=world.auth("agent"))
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_transition" and r.json()["detail"]
    assert client.get(url, headers=world.auth("agent")).json() == before
    assert count(db, Interaction, lead_id=uuid.UUID(lead["id"])) == n_interactions


def test_unknown_status_is_a_validation_error(client: TestClient, world: World) -> None:
    lead = create_lead(client, world)
    r = client.post(
        f"/api/leads/{lead['id']}/status", json={"status": "won"}, headers=world.auth("agent")
    )
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    assert r.json()["fields"][0]["loc"] == ["status"]


def test_same_status_is_a_no_op(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    r = client.post(
        f"/api/leads/{lead['id']}/status", json={"status": "new"}, headers=world.auth("agent")
    )
    assert r.status_code == 200 and r.json()["version"] == lead["version"]
    assert count(db, Interaction, lead_id=uuid.UUID(lead["id"])) == 0


def test_status_write_wins_over_a_skewed_phone_stamp(
    client: TestClient, world: World, db: Session
) -> None:
    """The actor saw the current status: their change is ordered after it by the HLC."""
    lead = create_lead(client, world)
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None
    ahead = f"{int(row.field_hlc['first_name'][:13]) + 60_000:013d}-0000-phone"
    row.field_hlc = {**row.field_hlc, "status": ahead}
    db.add(row)
    db.commit()
    r = client.post(
        f"/api/leads/{lead['id']}/status",
        json={"status": "contacted"},
        headers=world.auth("agent"),
    )
    assert r.status_code == 200 and r.json()["status"] == "contacted"
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None and row.field_hlc["status"] > ahead
