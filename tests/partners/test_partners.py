from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.partners.models import Partner
from api.users.models import Organisation
from tests.conftest import World


def _create(
    client: TestClient, world: World, who: str = "coordinator", **body: Any
) -> dict[str, Any]:
    payload = {"name": "Actiris", "kind": "employment_service", "city": "Brussels"} | body
    r = client.post("/api/partners", json=payload, headers=world.auth(who))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def test_coordinator_and_admin_maintain_partners(client: TestClient, world: World) -> None:
    p = _create(client, world, phone="02 505 14 11", email="Info@Actiris.example")
    assert p["phone"] == "+3225051411" and p["email"] == "info@actiris.example"
    assert p["is_active"] is True
    q = _create(client, world, "admin", name="VDAB", city=None)
    r = client.patch(
        f"/api/partners/{q['id']}", json={"city": "Antwerpen"}, headers=world.auth("coordinator2")
    )
    assert r.status_code == 200 and r.json()["city"] == "Antwerpen" and r.json()["name"] == "VDAB"


def test_agents_read_but_cannot_write(client: TestClient, world: World) -> None:
    p = _create(client, world)
    h = world.auth("agent")
    listed = client.get("/api/partners", headers=h)
    assert listed.status_code == 200 and [i["id"] for i in listed.json()["items"]] == [p["id"]]
    assert client.get(f"/api/partners/{p['id']}", headers=h).status_code == 200
    for r in (
        client.post("/api/partners", json={"name": "X", "kind": "ngo"}, headers=h),
        client.patch(f"/api/partners/{p['id']}", json={"name": "X"}, headers=h),
        client.post(f"/api/partners/{p['id']}/deactivate", headers=h),
        client.post(f"/api/partners/{p['id']}/activate", headers=h),
    ):
        assert r.status_code == 403 and r.json()["error"] == "permission_denied"
    assert client.get(f"/api/partners/{p['id']}", headers=h).json() == p
    assert client.get("/api/partners").status_code == 401


def test_deactivate_hides_from_default_list(client: TestClient, world: World) -> None:
    p = _create(client, world)
    other = _create(client, world, name="CPAS de Molenbeek", kind="welfare_office")
    r = client.post(f"/api/partners/{p['id']}/deactivate", headers=world.auth("coordinator"))
    assert r.status_code == 200 and r.json()["is_active"] is False
    h = world.auth("agent")
    assert [i["id"] for i in client.get("/api/partners", headers=h).json()["items"]] == [
        other["id"]
    ]
    everything = client.get("/api/partners", params={"include_inactive": True}, headers=h).json()
    assert everything["total"] == 2
    r = client.post(f"/api/partners/{p['id']}/activate", headers=world.auth("admin"))
    assert r.status_code == 200 and r.json()["is_active"] is True


def test_list_filters_and_paging(client: TestClient, world: World) -> None:
    _create(client, world, name="Actiris")
    b = _create(client, world, name="Bon asbl", kind="integration_agency")
    _create(client, world, name="CAW", kind="ngo")
    h = world.auth("agent")
    by_kind = client.get("/api/partners", params={"kind": "integration_agency"}, headers=h).json()
    assert [i["id"] for i in by_kind["items"]] == [b["id"]]
    by_name = client.get("/api/partners", params={"q": "bon"}, headers=h).json()
    assert [i["id"] for i in by_name["items"]] == [b["id"]]
    page = client.get("/api/partners", params={"limit": 1, "offset": 1}, headers=h).json()
    assert page["total"] == 3 and [i["name"] for i in page["items"]] == ["Bon asbl"]
    r = client.get("/api/partners", params={"kind": "bank"}, headers=h)
    assert r.status_code == 422 and r.json()["fields"][0]["loc"] == ["query", "kind"]


def test_validation_shape(client: TestClient, world: World) -> None:
    h = world.auth("coordinator")
    for body, loc, code in (
        ({"kind": "ngo"}, ["name"], "missing"),
        ({"name": "X", "kind": "bank"}, ["kind"], "enum"),
        ({"name": "X", "kind": "ngo", "phone": "12"}, ["phone"], "invalid_phone"),
        ({"name": "X", "kind": "ngo", "email": "not-an-email"}, ["email"], "invalid_email"),
    ):
        r = client.post("/api/partners", json=body, headers=h)
        assert r.status_code == 422, body
        err = r.json()
        assert err["error"] == "validation_error" and err["detail"]
        assert [(f["loc"], f["code"]) for f in err["fields"]] == [(loc, code)], err
    p = _create(client, world)
    r = client.patch(f"/api/partners/{p['id']}", json={"name": None}, headers=h)
    assert r.status_code == 422 and r.json()["fields"][0]["code"] == "required"
    assert client.get("/api/partners", headers=h).json()["total"] == 1


def test_mass_assignment_and_other_organisations(
    client: TestClient, world: World, db: Session
) -> None:
    elsewhere = Organisation(name="Another NGO")
    db.add(elsewhere)
    db.flush()
    foreign = Partner(organisation_id=elsewhere.id, name="Foreign partner", kind="ngo")
    db.add(foreign)
    db.commit()
    p = _create(
        client,
        world,
        organisation_id=str(elsewhere.id),
        is_active=False,
        created_at="2001-01-01T00:00:00Z",
        id=str(uuid.uuid4()),
    )
    assert p["is_active"] is True and not p["created_at"].startswith("2001")
    row = db.get(Partner, uuid.UUID(p["id"]))
    assert row is not None and row.organisation_id == world.org.id
    r = client.patch(
        f"/api/partners/{p['id']}", json={"is_active": False}, headers=world.auth("coordinator")
    )
    assert r.status_code == 200 and r.json()["is_active"] is True
    h = world.auth("admin")
    assert client.get(f"/api/partners/{foreign.id}", headers=h).status_code == 404
    r = client.patch(f"/api/partners/{foreign.id}", json={"name": "mine"}, headers=h)
    assert r.status_code == 404 and "Foreign" not in r.text
    listed = client.get("/api/partners", headers=h).json()
    assert [i["id"] for i in listed["items"]] == [p["id"]]
