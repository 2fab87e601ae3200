"""AC-1: no probe from another team reads, changes or deletes a lead, nor leaks its data.

A Brussels lead carries canary strings in its fields, its interaction and its follow-up.
Antwerp's agent and coordinator try every lead endpoint on it: every answer is 403/404 (or
a list without it), none contains a canary, and the stored rows are exactly as before.
The positive side: Brussels' agent and coordinator and the admin get through.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, select

from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads import rules
from api.leads.models import Lead
from sync.models import SyncConflict
from tests.conftest import World
from tests.leads.helpers import create_lead, lead_body

CANARIES = (
    "Zqxcanaryfirst",
    "Zqxcanarylast",
    "zqx.canary@example.org",
    "+32470987654",
    "Zqxcanarycommune",
    "Zqxcanaryidea",
    "Zqxcanarybody",
    "Zqxcanarynote",
)


@dataclass
class Target:
    lead_id: str
    interaction_id: str
    followup_id: str


def _brussels_lead(client: TestClient, world: World) -> Target:
    lead = create_lead(
        client,
        world,
        first_name=CANARIES[0],
        last_name=CANARIES[1],
        email=CANARIES[2],
        phone=CANARIES[3],
        commune=CANARIES[4],
        project_idea=CANARIES[5],
    )
    headers = world.auth("agent")
    interaction = client.post(
        f"/api/leads/{lead['id']}/interactions",
        json={"kind": "note", "body": CANARIES[6]},
        headers=headers,
    ).json()
    followup = client.patch(
        f"/api/followups/{rules.first_followup_id(uuid.UUID(lead['id']))}",
        json={"note": CANARIES[7]},
        headers=headers,
    ).json()
    return Target(lead["id"], interaction["id"], followup["id"])


def _probes(t: Target, world: World, me: uuid.UUID) -> list[tuple[str, str, dict[str, Any]]]:
    lead = f"/api/leads/{t.lead_id}"
    return [
        ("GET", f"{lead}", {}),
        ("PATCH", f"{lead}", {"json": {"first_name": "Hacked", "phone": "0470000000"}}),
        ("POST", f"{lead}/status", {"json": {"status": "withdrawn"}}),
        ("POST", f"{lead}/assign", {"json": {"agent_id": str(me)}}),
        ("POST", f"{lead}/assign", {"json": {"agent_id": str(world.agent.id)}}),
        ("DELETE", f"{lead}", {}),
        ("POST", f"{lead}/restore", {}),
        ("GET", f"{lead}/interactions", {}),
        ("POST", f"{lead}/interactions", {"json": {"kind": "note", "body": "probe"}}),
        ("POST", f"/api/interactions/{t.interaction_id}/void", {"json": {"reason": "probe"}}),
        ("POST", f"{lead}/followups", {"json": {"due_on": "2030-01-01"}}),
        ("PATCH", f"/api/followups/{t.followup_id}", {"json": {"done": True}}),
        ("POST", "/api/leads", {"json": _replay_body(t.lead_id)}),
    ]


def _replay_body(lead_id: str) -> dict[str, Any]:
    return lead_body(id=lead_id, first_name="Probe")


def _lists(t: Target, world: World) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("/api/leads", {}),
        ("/api/leads", {"q": "Zqxcanary"}),
        ("/api/leads", {"team_id": str(world.brussels.id)}),
        ("/api/leads", {"agent": str(world.agent.id)}),
        ("/api/followups", {"team_id": str(world.brussels.id)}),
        ("/api/followups", {"agent": str(world.agent.id)}),
        ("/api/followups", {}),
    ]


def _snapshot(db: Session, lead_id: str) -> tuple[Any, ...]:
    lid = uuid.UUID(lead_id)
    lead = db.get(Lead, lid, populate_existing=True)
    assert lead is not None
    interactions = db.execute(
        select(Interaction.id, Interaction.voided_at, Interaction.version).where(
            Interaction.lead_id == lid
        )
    ).all()
    followups = db.execute(
        select(Followup.id, Followup.done_at, Followup.version).where(Followup.lead_id == lid)
    ).all()
    conflicts = db.execute(select(func.count()).select_from(SyncConflict)).scalar_one()
    leads = db.execute(select(func.count()).select_from(Lead)).scalar_one()
    return (
        lead.model_dump(),
        sorted(map(tuple, interactions)),
        sorted(map(tuple, followups)),
        conflicts,
        leads,
    )


@pytest.mark.parametrize("who", ["agent2", "coordinator2"])
def test_other_team_gets_nothing(client: TestClient, world: World, db: Session, who: str) -> None:
    target = _brussels_lead(client, world)
    before = _snapshot(db, target.lead_id)
    me: uuid.UUID = getattr(world, who).id
    succeeded: list[str] = []
    probes = _probes(target, world, me)
    for method, path, kwargs in probes:
        r = client.request(method, path, headers=world.auth(who), **kwargs)
        if r.status_code not in (403, 404, 409):
            succeeded.append(f"{method} {path} → {r.status_code}")
        leaked = [c for c in CANARIES if c.lower() in r.text.lower()]
        assert not leaked, (method, path, leaked)
        assert target.lead_id not in r.text, (method, path)
    for path, params in _lists(target, world):
        r = client.get(path, params=params, headers=world.auth(who))
        assert r.status_code in (200, 403), (path, params, r.status_code)
        if r.status_code == 200 and r.json()["total"]:
            succeeded.append(f"GET {path} {params} listed {r.json()['total']}")
        assert not [c for c in CANARIES if c.lower() in r.text.lower()], (path, params)
    assert succeeded == [], f"{len(succeeded)} of {len(probes)} probes succeeded: {succeeded}"
    assert _snapshot(db, target.lead_id) == before


@pytest.mark.parametrize("who", ["agent", "coordinator", "admin"])
def test_own_team_and_admin_get_through(
    client: TestClient, world: World, db: Session, who: str
) -> None:
    target = _brussels_lead(client, world)
    lead = f"/api/leads/{target.lead_id}"
    headers = world.auth(who)
    detail = client.get(lead, headers=headers)
    assert detail.status_code == 200 and CANARIES[0] in detail.text
    assert CANARIES[6] in detail.text and CANARIES[7] in detail.text
    listed = client.get("/api/leads", params={"q": "zqxcanary"}, headers=headers).json()
    assert [i["id"] for i in listed["items"]] == [target.lead_id]

    ok = [
        ("PATCH", lead, {"json": {"sector": "catering"}}),
        ("POST", f"{lead}/status", {"json": {"status": "contacted"}}),
        ("GET", f"{lead}/interactions", {}),
        ("POST", f"{lead}/interactions", {"json": {"kind": "call"}}),
        ("POST", f"/api/interactions/{target.interaction_id}/void", {"json": {"reason": "dup"}}),
        ("POST", f"{lead}/followups", {"json": {"due_on": "2030-01-01"}}),
        ("PATCH", f"/api/followups/{target.followup_id}", {"json": {"done": True}}),
    ]
    if who != "agent":
        ok.append(("POST", f"{lead}/assign", {"json": {"agent_id": str(world.agent.id)}}))
    ok.append(("DELETE", lead, {}))  # the agent created it; coordinators and admins may too
    if who != "agent":
        ok.append(("POST", f"{lead}/restore", {}))
    for method, path, kwargs in ok:
        r = client.request(method, path, headers=headers, **kwargs)
        assert r.status_code < 300, (method, path, r.status_code, r.text)
    if who == "agent":
        assign = client.post(
            f"{lead}/assign", json={"agent_id": str(world.agent.id)}, headers=headers
        )
        assert assign.status_code == 403
