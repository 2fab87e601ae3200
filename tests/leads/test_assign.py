"""Assignment: coordinators and admins give a lead to an active agent."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.leads.models import Lead
from api.users.models import TeamMember, User
from api.vocab import Role
from tests.conftest import World
from tests.leads.helpers import create_lead


def _assign(client: TestClient, world: World, lead_id: str, who: str, agent: uuid.UUID) -> int:
    r = client.post(
        f"/api/leads/{lead_id}/assign", json={"agent_id": str(agent)}, headers=world.auth(who)
    )
    return r.status_code


def test_coordinator_assigns_to_an_agent_of_the_team(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world, "coordinator")
    r = client.post(
        f"/api/leads/{lead['id']}/assign",
        json={"agent_id": str(world.agent.id), "team_id": str(world.antwerp.id)},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["assigned_to"] == str(world.agent.id)
    assert r.json()["team_id"] == str(world.brussels.id)
    assert r.json()["version"] > lead["version"]
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None and "assigned_to" in row.field_hlc


def test_agents_cannot_assign(client: TestClient, world: World) -> None:
    lead = create_lead(client, world)
    assert _assign(client, world, lead["id"], "agent", world.agent.id) == 403
    after = client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent")).json()
    assert after["assigned_to"] is None and after["version"] == lead["version"]


def test_coordinator_cannot_assign_outside_the_team(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world)
    # agent2 is in Antwerp, the coordinator is not an agent.
    r = client.post(
        f"/api/leads/{lead['id']}/assign",
        json={"agent_id": str(world.agent2.id)},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 422 and r.json()["error"] == "invalid_assignee"
    assert _assign(client, world, lead["id"], "coordinator", world.coordinator.id) == 422
    assert _assign(client, world, lead["id"], "coordinator", uuid.uuid4()) == 422
    after = client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent")).json()
    assert after["assigned_to"] is None and after["version"] == lead["version"]


def test_disabled_agent_cannot_be_assigned(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    gone = User(
        organisation_id=world.org.id,
        email="gone@test.terrain",
        name="Gone",
        role=Role.agent.value,
        password_hash="x",
        is_active=False,
    )
    db.add(gone)
    db.flush()
    db.add(TeamMember(team_id=world.brussels.id, user_id=gone.id))
    db.commit()
    assert _assign(client, world, lead["id"], "coordinator", gone.id) == 422


def test_admin_assigns_any_agent_who_then_sees_the_lead(client: TestClient, world: World) -> None:
    lead = create_lead(client, world)
    assert client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent2")).status_code == 404
    assert _assign(client, world, lead["id"], "admin", world.agent2.id) == 200
    seen = client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent2"))
    assert seen.status_code == 200 and seen.json()["assigned_to"] == str(world.agent2.id)
    listed = client.get("/api/leads", headers=world.auth("agent2")).json()
    assert [i["id"] for i in listed["items"]] == [lead["id"]]


def test_a_pushed_assignment_is_the_same_rule(
    client: TestClient, world: World, db: Session
) -> None:
    """lead.assign from a coordinator's device: applied by the same mutator as the REST
    call; an agent's is refused and kept; a team's outsider is refused."""
    from tests.sync.helpers import Phone

    lead = create_lead(client, world)
    agent_phone = Phone(client, world.auth("agent"))
    mine = agent_phone.mutation("lead.assign", {"id": lead["id"], "agent_id": str(world.agent.id)})
    [refused] = agent_phone.push([mine])["results"]
    assert refused["status"] == "rejected" and refused["code"] == "permission_denied"

    tablet = Phone(client, world.auth("coordinator"))
    wrong = tablet.mutation("lead.assign", {"id": lead["id"], "agent_id": str(world.agent2.id)})
    right = tablet.mutation("lead.assign", {"id": lead["id"], "agent_id": str(world.agent.id)})
    results = tablet.push([wrong, right])["results"]
    assert [(x["status"], x.get("code")) for x in results] == [
        ("rejected", "invalid_assignee"),
        ("applied", None),
    ]
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None and row.assigned_to == world.agent.id
    assert "assigned_to" in row.field_hlc

    outsider = Phone(client, world.auth("coordinator2"))
    m = outsider.mutation("lead.assign", {"id": lead["id"], "agent_id": str(world.agent2.id)})
    [result] = outsider.push([m])["results"]
    assert result["status"] == "rejected" and result["code"] == "not_found"
