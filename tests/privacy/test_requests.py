"""The register of data-subject requests (due a month after receipt), rectification audited,
and the audit trail browsed and exported by admins."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from api.audit.models import AuditEvent
from api.privacy.pseudonym import pseudonym
from tests.conftest import World
from tests.privacy.conftest import PhoneFactory, canary_fields
from tests.support import canary


def _person(phone: PhoneFactory) -> uuid.UUID:
    agent = phone("agent")
    lead_id = uuid.uuid4()
    agent.push([agent.mutation("lead.create", {"id": str(lead_id), "fields": canary_fields()})])
    return lead_id


def test_requests_are_registered_with_a_due_date_and_closed(
    client: TestClient, world: World, phone: PhoneFactory
) -> None:
    lead_id = _person(phone)
    admin = world.auth("admin")
    body = {
        "kind": "access",
        "lead_id": str(lead_id),
        "channel": "mail",
        "received_at": "2026-11-30T09:00:00+00:00",
    }
    r = client.post("/api/privacy/requests", json=body, headers=admin)
    assert r.status_code == 201, r.text
    request = r.json()
    assert request["due_on"] == str(date(2026, 11, 30) + timedelta(days=30))
    assert request["subject"] == pseudonym(lead_id) and request["status"] == "open"
    listed = client.get("/api/privacy/requests?status=open", headers=admin).json()
    assert [i["id"] for i in listed["items"]] == [request["id"]]
    closed = client.post(
        f"/api/privacy/requests/{request['id']}/close", json={"status": "done"}, headers=admin
    ).json()
    assert closed["status"] == "done" and closed["closed_by"] == str(world.admin.id)
    # Bad input: a clear 4xx with a stable code, nothing registered.
    bad = client.post("/api/privacy/requests", json={**body, "kind": "gossip"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["error"] == "validation_error"
    assert (
        client.post(
            "/api/privacy/requests", json=body, headers=world.auth("coordinator")
        ).status_code
        == 403
    )
    assert client.get("/api/privacy/requests", headers=admin).json()["total"] == 1


def test_rectification_is_applied_and_audited(
    client: TestClient, world: World, db: Session, phone: PhoneFactory
) -> None:
    lead_id = _person(phone)
    r = client.post(
        f"/api/privacy/leads/{lead_id}/rectify",
        json={"set": {"last_name": "Quintavalle-Rossi", "email": None}},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["last_name"] == "Quintavalle-Rossi" and r.json()["email"] is None
    events = db.execute(select(AuditEvent).where(AuditEvent.action == "lead.rectify")).scalars()
    assert [(e.object_ref, e.row_count) for e in events] == [(pseudonym(lead_id), 2)]
    # A phone pulls the corrected value.
    agent = phone("agent")
    agent.pull()
    assert agent.of_type("lead")[str(lead_id)]["last_name"] == "Quintavalle-Rossi"
    bad = client.post(
        f"/api/privacy/leads/{lead_id}/rectify",
        json={"set": {"phone": "not a phone"}},
        headers=world.auth("coordinator"),
    )
    assert bad.status_code == 422


def test_admins_browse_and_export_the_audit_trail(
    client: TestClient, world: World, phone: PhoneFactory
) -> None:
    lead_id = _person(phone)
    for _ in range(2):
        client.get(f"/api/leads/{lead_id}", headers=world.auth("coordinator"))
    admin = world.auth("admin")
    page = client.get(f"/api/audit?lead_id={lead_id}", headers=admin).json()
    assert page["total"] == 2 and {i["action"] for i in page["items"]} == {"lead.view"}
    assert client.get("/api/audit", headers=world.auth("coordinator")).status_code == 403
    r = client.get("/api/audit/export.csv?action=lead.view", headers=admin)
    rows = list(csv.reader(io.StringIO(r.text), delimiter=";"))
    assert rows[0][:4] == ["id", "at", "actor_id", "action"] and len(rows) == 3
    assert canary.FIRST not in r.text and str(lead_id) not in r.text
    exported = client.get("/api/audit?action=audit.export", headers=admin).json()["items"]
    assert [e["row_count"] for e in exported] == [2]
