from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.leads.models import Lead
from api.partners.models import Partner
from api.referrals.models import Referral
from api.users.models import Team
from tests.conftest import World

CANARY = "CANARY-BXL-REFERRAL-2208"


def _lead(db: Session, team: Team, **fields: Any) -> Lead:
    lead = Lead(
        id=uuid.uuid4(),
        team_id=team.id,
        first_name="Canary",
        phone="+32470000001",
        channel="coffee_stand",
        **fields,
    )
    db.add(lead)
    db.commit()
    return lead


@pytest.fixture
def partner(db: Session, world: World) -> Partner:
    p = Partner(organisation_id=world.org.id, name="VDAB", kind="employment_service")
    db.add(p)
    db.commit()
    return p


def _refer(
    client: TestClient, world: World, lead: Lead, partner: Partner, who: str = "agent", **body: Any
) -> dict[str, Any]:
    payload = {"partner_id": str(partner.id), "direction": "out", "note": CANARY} | body
    r = client.post(f"/api/leads/{lead.id}/referrals", json=payload, headers=world.auth(who))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def test_refer_out_list_and_echo_status(
    client: TestClient, world: World, db: Session, partner: Partner
) -> None:
    lead = _lead(db, world.brussels)
    out = _refer(client, world, lead, partner)
    assert out["status"] == "proposed" and out["direction"] == "out"
    assert out["partner_name"] == "VDAB" and out["created_by"] == str(world.agent.id)
    incoming = _refer(
        client, world, lead, partner, "coordinator", direction="in", status="accepted"
    )
    listed = client.get(f"/api/leads/{lead.id}/referrals", headers=world.auth("agent")).json()
    assert listed["total"] == 2
    assert {i["id"] for i in listed["items"]} == {out["id"], incoming["id"]}
    r = client.patch(
        f"/api/referrals/{out['id']}", json={"status": "in_progress"}, headers=world.auth("agent")
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress" and r.json()["note"] == CANARY
    r = client.patch(
        f"/api/referrals/{out['id']}",
        json={"status": "completed", "note": None},
        headers=world.auth("coordinator"),
    )
    assert r.json()["status"] == "completed" and r.json()["note"] is None
    one = client.get(f"/api/referrals/{out['id']}", headers=world.auth("admin"))
    assert one.status_code == 200 and one.json()["status"] == "completed"


def test_replayed_create_is_not_a_duplicate(
    client: TestClient, world: World, db: Session, partner: Partner
) -> None:
    lead = _lead(db, world.brussels)
    rid = str(uuid.uuid4())
    first = _refer(client, world, lead, partner, id=rid)
    r = client.post(
        f"/api/leads/{lead.id}/referrals",
        json={"id": rid, "partner_id": str(partner.id), "direction": "out", "note": CANARY},
        headers=world.auth("agent"),
    )
    assert r.status_code == 200 and r.json() == first
    other = _lead(db, world.brussels)
    r = client.post(
        f"/api/leads/{other.id}/referrals",
        json={"id": rid, "partner_id": str(partner.id), "direction": "out"},
        headers=world.auth("agent"),
    )
    assert r.status_code == 409 and r.json()["error"] == "id_taken"
    assert (
        client.get(f"/api/leads/{lead.id}/referrals", headers=world.auth("agent")).json()["total"]
        == 1
    )


def test_scope_other_team_gets_404_and_no_leak(
    client: TestClient, world: World, db: Session, partner: Partner
) -> None:
    lead = _lead(db, world.brussels)
    ref = _refer(client, world, lead, partner)
    for who in ("agent2", "coordinator2"):
        h = world.auth(who)
        for r in (
            client.get(f"/api/leads/{lead.id}/referrals", headers=h),
            client.post(
                f"/api/leads/{lead.id}/referrals",
                json={"partner_id": str(partner.id), "direction": "out"},
                headers=h,
            ),
            client.get(f"/api/referrals/{ref['id']}", headers=h),
            client.patch(f"/api/referrals/{ref['id']}", json={"status": "declined"}, headers=h),
        ):
            assert r.status_code == 404, (who, r.text)
            assert r.json()["error"] == "not_found"
            assert CANARY not in r.text and "VDAB" not in r.text and str(lead.id) not in r.text
    after = client.get(f"/api/leads/{lead.id}/referrals", headers=world.auth("agent")).json()
    assert after["total"] == 1 and after["items"][0]["status"] == "proposed"
    # Unknown ids look exactly like out-of-scope ones.
    r = client.get(f"/api/referrals/{uuid.uuid4()}", headers=world.auth("agent2"))
    assert r.status_code == 404 and r.json()["error"] == "not_found"


def test_agent_assigned_to_a_lead_of_another_team_sees_its_referrals(
    client: TestClient, world: World, db: Session, partner: Partner
) -> None:
    lead = _lead(db, world.brussels, assigned_to=world.agent2.id)
    ref = _refer(client, world, lead, partner)
    r = client.get(f"/api/referrals/{ref['id']}", headers=world.auth("agent2"))
    assert r.status_code == 200
    # ... but a coordinator of that other team does not.
    r = client.get(f"/api/referrals/{ref['id']}", headers=world.auth("coordinator2"))
    assert r.status_code == 404


def test_deleted_lead_has_no_referrals(
    client: TestClient, world: World, db: Session, partner: Partner
) -> None:
    lead = _lead(db, world.brussels, deleted_at=datetime.now(UTC))
    r = client.get(f"/api/leads/{lead.id}/referrals", headers=world.auth("admin"))
    assert r.status_code == 404


def test_partner_must_exist_and_be_active(
    client: TestClient, world: World, db: Session, partner: Partner
) -> None:
    lead = _lead(db, world.brussels)
    url = f"/api/leads/{lead.id}/referrals"
    h = world.auth("agent")
    r = client.post(url, json={"partner_id": str(uuid.uuid4()), "direction": "out"}, headers=h)
    assert r.status_code == 422 and r.json()["error"] == "unknown_partner"
    partner.is_active = False
    db.add(partner)
    db.commit()
    r = client.post(url, json={"partner_id": str(partner.id), "direction": "out"}, headers=h)
    assert r.status_code == 422 and r.json()["error"] == "unknown_partner"
    assert client.get(url, headers=h).json()["total"] == 0


def test_validation_shape_and_mass_assignment(
    client: TestClient, world: World, db: Session, partner: Partner
) -> None:
    lead = _lead(db, world.brussels)
    url = f"/api/leads/{lead.id}/referrals"
    h = world.auth("agent")
    for body, loc, code in (
        ({"direction": "out"}, ["partner_id"], "missing"),
        ({"partner_id": str(partner.id), "direction": "sideways"}, ["direction"], "enum"),
        ({"partner_id": str(partner.id), "direction": "in", "status": "lost"}, ["status"], "enum"),
        ({"partner_id": "nope", "direction": "in"}, ["partner_id"], "uuid_parsing"),
        (
            {"partner_id": str(partner.id), "direction": "in", "note": "x" * 1001},
            ["note"],
            "string_too_long",
        ),
    ):
        r = client.post(url, json=body, headers=h)
        assert r.status_code == 422, body
        err = r.json()
        assert err["error"] == "validation_error"
        assert [(f["loc"], f["code"]) for f in err["fields"]] == [(loc, code)], err
    other_lead = _lead(db, world.brussels)
    other_partner = Partner(organisation_id=world.org.id, name="Actiris", kind="employment_service")
    db.add(other_partner)
    db.commit()
    ref = _refer(
        client,
        world,
        lead,
        partner,
        lead_id=str(other_lead.id),
        created_by=str(world.admin.id),
        created_at="2001-01-01T00:00:00Z",
    )
    assert ref["lead_id"] == str(lead.id) and ref["created_by"] == str(world.agent.id)
    r = client.patch(
        f"/api/referrals/{ref['id']}",
        json={
            "lead_id": str(other_lead.id),
            "partner_id": str(other_partner.id),
            "direction": "in",
        },
        headers=h,
    )
    assert r.status_code == 200
    assert r.json() == ref  # nothing it may change was given
    stored = db.get(Referral, uuid.UUID(ref["id"]))
    assert stored is not None and stored.lead_id == lead.id and stored.partner_id == partner.id
    r = client.patch(f"/api/referrals/{ref['id']}", json={"status": None}, headers=h)
    assert r.status_code == 422 and r.json()["fields"][0]["code"] == "required"
