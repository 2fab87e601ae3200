"""Leads REST API: create, read, list, patch, delete/restore, validation, mass assignment."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.followups.models import Followup
from api.leads import rules
from api.leads.models import Consent, Lead, LeadMarker
from sync.models import SyncConflict
from tests.conftest import World
from tests.leads.helpers import CONSENT, SHA, count, create_lead, lead_body, new_id


def test_create_stores_lead_consent_and_first_followup(
    client: TestClient, world: World, db: Session
) -> None:
    lead_id = new_id()
    lead = create_lead(client, world, id=lead_id, needs=["credit", "coaching"])
    assert lead["id"] == lead_id
    assert lead["phone"] == "+32470123456"  # normalised to E.164
    assert lead["team_id"] == str(world.brussels.id)
    assert lead["agent_id"] == lead["created_by"] == str(world.agent.id)
    assert lead["status"] == "new" and lead["version"] > 0
    assert lead["first_touch_at"] == lead["last_touch_at"]
    assert "markers" not in lead and "field_hlc" not in lead

    row = db.get(Lead, uuid.UUID(lead_id), populate_existing=True)
    assert row is not None
    for name in ("first_name", "last_name", "phone", "channel", "language", "needs"):
        assert name in row.field_hlc, name
    # Not set by the request, so not stamped (as after a pushed lead.create): the e-mail,
    # and the status every new lead starts with.
    assert "email" not in row.field_hlc and "status" not in row.field_hlc

    consent = db.execute(select(Consent).where(Consent.lead_id == row.id)).scalar_one()
    assert consent.text_sha256 == SHA and consent.channel == "agent"
    assert consent.agent_id == world.agent.id and consent.purposes == ["contact"]

    followup = db.get(Followup, rules.first_followup_id(row.id))
    assert followup is not None
    assert followup.assigned_to == world.agent.id
    assert followup.due_on == rules.first_followup_due(row.created_at)
    assert followup.version == row.version


def test_replayed_create_returns_the_same_lead(
    client: TestClient, world: World, db: Session
) -> None:
    lead_id = new_id()
    first = create_lead(client, world, id=lead_id)
    again = client.post(
        "/api/leads", json=lead_body(id=lead_id, first_name="Other"), headers=world.auth("agent")
    )
    assert again.status_code == 200, again.text
    assert again.json()["first_name"] == "Amina"
    assert again.json()["version"] == first["version"]
    assert count(db, Lead, id=uuid.UUID(lead_id)) == 1
    assert count(db, Consent, lead_id=uuid.UUID(lead_id)) == 1
    assert count(db, Followup, lead_id=uuid.UUID(lead_id)) == 1


def test_create_with_an_id_of_someone_elses_lead_is_refused(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world, first_name="Secretname")
    r = client.post("/api/leads", json=lead_body(id=lead["id"]), headers=world.auth("agent2"))
    assert r.status_code == 409
    assert r.json()["error"] == "id_taken"
    assert "Secretname" not in r.text and "+32470123456" not in r.text


def test_markers_are_stored_but_never_shown(client: TestClient, world: World, db: Session) -> None:
    consent = dict(CONSENT, purposes=["contact", "markers", "sensitive_markers"])
    markers = {"gender": "woman", "age_band": "25_29", "migrant_background": "yes"}
    lead = create_lead(client, world, consent=consent, markers=markers)
    row = db.get(LeadMarker, uuid.UUID(lead["id"]))
    assert row is not None
    assert (row.gender, row.age_band, row.migrant_background) == ("woman", "25_29", "yes")
    assert row.sensitive_consent_id is not None
    detail = client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent"))
    listing = client.get("/api/leads", headers=world.auth("coordinator"))
    for text in (detail.text, listing.text):
        assert "migrant" not in text and "25_29" not in text and "woman" not in text


def test_migrant_background_needs_sensitive_consent(
    client: TestClient, world: World, db: Session
) -> None:
    consent = dict(CONSENT, purposes=["contact", "markers"])
    body = lead_body(consent=consent, markers={"gender": "man", "migrant_background": "no"})
    before = count(db, Lead)
    r = client.post("/api/leads", json=body, headers=world.auth("agent"))
    assert r.status_code == 422
    assert r.json()["error"] == "sensitive_consent_required"
    assert count(db, Lead) == before and count(db, LeadMarker) == 0
    # Other markers need no such consent.
    lead = create_lead(client, world, consent=consent, markers={"gender": "man"})
    row = db.get(LeadMarker, uuid.UUID(lead["id"]))
    assert row is not None and row.sensitive_consent_id is None


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"phone": "12"}, "phone", "invalid_phone"),
        ({"email": "not-an-email"}, "email", "invalid_email"),
        ({"channel": "teleport"}, "channel", "enum"),
        ({"language": "xx"}, "language", "enum"),
        ({"needs": ["money"]}, "needs", "enum"),
        ({"first_name": "x" * 101}, "first_name", "string_too_long"),
        ({"project_idea": "x" * 2001}, "project_idea", "string_too_long"),
        ({"postcode": "123"}, "postcode", "invalid_postcode"),
        ({"first_name": ""}, "first_name", "string_too_short"),
        ({"consent": dict(CONSENT, text_sha256="zz")}, "consent", "string_pattern_mismatch"),
        ({"consent": dict(CONSENT, purposes=["newsletter"])}, "consent", "consent_required"),
        ({"consent": dict(CONSENT, given_at="2026-01-01T10:00:00")}, "consent", "timezone_aware"),
        ({"phone": None, "email": None}, None, "contact_required"),
    ],
)
def test_invalid_create_is_422_and_stores_nothing(
    client: TestClient,
    world: World,
    db: Session,
    overrides: dict[str, Any],
    field: str | None,
    code: str,
) -> None:
    before = (count(db, Lead), count(db, Consent), count(db, Followup))
    r = client.post("/api/leads", json=lead_body(**overrides), headers=world.auth("agent"))
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["error"] == "validation_error" and body["detail"]
    assert any(f["code"] == code for f in body["fields"]), body["fields"]
    if field is not None:
        assert any(f["loc"] and f["loc"][0] == field for f in body["fields"]), body["fields"]
    assert (count(db, Lead), count(db, Consent), count(db, Followup)) == before


def test_unknown_reference_is_422_not_a_database_error(
    client: TestClient, world: World, db: Session
) -> None:
    before = count(db, Lead)
    r = client.post("/api/leads", json=lead_body(venue_id=new_id()), headers=world.auth("agent"))
    assert r.status_code == 422 and r.json()["error"] == "unknown_venue"
    assert count(db, Lead) == before


def test_admin_without_team_cannot_create(client: TestClient, world: World) -> None:
    r = client.post("/api/leads", json=lead_body(), headers=world.auth("admin"))
    assert r.status_code == 422 and r.json()["error"] == "no_team"


def test_mass_assignment_on_create_and_patch_changes_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    sneaky: dict[str, Any] = {
        "team_id": str(world.antwerp.id),
        "assigned_to": str(world.agent2.id),
        "agent_id": str(world.agent2.id),
        "created_by": str(world.agent2.id),
        "created_at": "2020-01-01T00:00:00Z",
        "status": "financed",
        "version": 10**9,
        "deleted_at": "2020-01-01T00:00:00Z",
        "field_hlc": {"phone": "9999999999999-0000-x"},
        "role": "admin",
    }
    lead = create_lead(client, world, **sneaky)
    assert lead["team_id"] == str(world.brussels.id)
    assert lead["assigned_to"] is None and lead["status"] == "new"
    assert lead["agent_id"] == lead["created_by"] == str(world.agent.id)
    assert not lead["created_at"].startswith("2020") and lead["version"] < 10**9

    r = client.patch(f"/api/leads/{lead['id']}", json=sneaky, headers=world.auth("agent"))
    assert r.status_code == 200
    after = client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent")).json()
    for key in ("team_id", "assigned_to", "status", "agent_id", "created_by", "created_at"):
        assert after[key] == lead[key], key
    assert after["version"] == lead["version"]  # nothing patchable given: no write at all
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None and row.deleted_at is None
    assert not str(row.field_hlc.get("phone", "")).startswith("9999")


def test_patch_changes_given_fields_and_stamps_them(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world)
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None
    old_stamp = row.field_hlc["first_name"]
    r = client.patch(
        f"/api/leads/{lead['id']}",
        json={"first_name": "Aminata", "email": "A@Example.org", "last_name": None},
        headers=world.auth("agent"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["first_name"] == "Aminata" and body["email"] == "a@example.org"
    assert body["last_name"] is None and body["phone"] == "+32470123456"
    assert body["version"] > lead["version"]
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None
    assert row.field_hlc["first_name"] > old_stamp
    assert row.field_hlc["email"] == row.field_hlc["first_name"]
    assert row.field_hlc["phone"] == old_stamp


@pytest.mark.parametrize(
    "patch",
    [{"first_name": None}, {"channel": None}, {"phone": "abc"}, {"sector": "y" * 81}],
)
def test_invalid_patch_changes_nothing(
    client: TestClient, world: World, patch: dict[str, Any]
) -> None:
    lead = create_lead(client, world)
    r = client.patch(f"/api/leads/{lead['id']}", json=patch, headers=world.auth("agent"))
    assert r.status_code == 422 and r.json()["error"] == "validation_error"
    after = client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent")).json()
    assert {k: after[k] for k in lead} == lead


def test_patch_losing_to_a_newer_stamp_is_kept_as_conflict(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world)
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None
    # A phone's edit stamped (within the allowed skew) ahead of the server clock.
    future = "9999999999999-0000-phone"
    row.field_hlc = {**row.field_hlc, "phone": future}
    db.add(row)
    db.commit()
    r = client.patch(
        f"/api/leads/{lead['id']}",
        json={"phone": "0470 99 88 77", "sector": "bakery"},
        headers=world.auth("agent"),
    )
    assert r.status_code == 200
    assert r.json()["phone"] == "+32470123456" and r.json()["sector"] == "bakery"
    conflict = db.execute(
        select(SyncConflict).where(SyncConflict.entity_id == uuid.UUID(lead["id"]))
    ).scalar_one()
    assert (conflict.entity, conflict.field, conflict.kind) == ("lead", "phone", "concurrent")
    assert conflict.losing_value == "+32470998877" and conflict.winning_hlc == future
    assert conflict.user_id == world.agent.id


def test_list_filters(client: TestClient, world: World) -> None:
    a = create_lead(client, world, first_name="Fatima", commune="Schaerbeek", language="ar")
    b = create_lead(
        client, world, "coordinator", first_name="Jan", channel="shop_visit", phone="0471000001"
    )
    c = create_lead(client, world, first_name="Ioana", email="ioana@example.org", phone=None)
    create_lead(client, world, "agent2", first_name="Pieter")  # Antwerp: never listed here
    client.post(
        f"/api/leads/{c['id']}/status", json={"status": "contacted"}, headers=world.auth("agent")
    )

    def ids(who: str = "coordinator", **params: Any) -> set[str]:
        r = client.get("/api/leads", params=params, headers=world.auth(who))
        assert r.status_code == 200, r.text
        assert r.json()["total"] == len(r.json()["items"])
        return {item["id"] for item in r.json()["items"]}

    assert ids() == {a["id"], b["id"], c["id"]}
    assert ids(status="contacted") == {c["id"]}
    assert ids(status=["contacted", "new"]) == {a["id"], b["id"], c["id"]}
    assert ids(channel="shop_visit") == {b["id"]}
    assert ids(agent=str(world.coordinator.id)) == {b["id"]}
    assert ids(team_id=str(world.brussels.id)) == {a["id"], b["id"], c["id"]}
    assert ids(team_id=str(world.antwerp.id)) == set()
    assert ids(commune="schaerbeek") == {a["id"]}
    assert ids(language="ar") == {a["id"]}
    assert ids(q="fati") == {a["id"]}
    assert ids(q="IOANA@") == {c["id"]}
    assert ids(q="0471 00 00 01") == {b["id"]}  # typed like a Belgian number
    assert ids(q="471000001") == {b["id"]}
    assert ids(q="%") == set()  # wildcards are literal
    assert ids("admin", q="Pieter") != set()
    bad = client.get("/api/leads", params={"status": "lost"}, headers=world.auth("agent"))
    assert bad.status_code == 422 and bad.json()["error"] == "validation_error"


def test_list_sort_and_pagination(client: TestClient, world: World) -> None:
    names = ["Chloé", "adam", "Bruno", "Emma", "david"]
    made = [create_lead(client, world, first_name=n) for n in names]

    def page(**params: Any) -> dict[str, Any]:
        r = client.get("/api/leads", params=params, headers=world.auth("agent"))
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    newest_first = [i["id"] for i in page(sort="-created_at")["items"]]
    assert newest_first == [m["id"] for m in reversed(made)]  # the default too
    assert [i["id"] for i in page()["items"]] == newest_first
    assert [i["id"] for i in page(sort="created_at")["items"]] == newest_first[::-1]
    by_name = [i["first_name"] for i in page(sort="first_name")["items"]]
    assert by_name == ["adam", "Bruno", "Chloé", "david", "Emma"]
    assert [i["first_name"] for i in page(sort="-first_name")["items"]] == by_name[::-1]

    seen: list[str] = []
    for offset in range(0, 6, 2):
        body = page(sort="first_name", limit=2, offset=offset)
        assert body["total"] == 5
        seen += [i["first_name"] for i in body["items"]]
    assert seen == by_name
    assert page(limit=200)["total"] == 5
    for bad in ({"limit": 201}, {"limit": 0}, {"offset": -1}, {"sort": "phone"}):
        r = client.get("/api/leads", params=bad, headers=world.auth("agent"))
        assert r.status_code == 422, bad


def test_list_sort_by_last_touch_and_status(client: TestClient, world: World) -> None:
    a = create_lead(client, world, first_name="A")
    b = create_lead(client, world, first_name="B")
    r = client.post(
        f"/api/leads/{a['id']}/interactions", json={"kind": "call"}, headers=world.auth("agent")
    )
    assert r.status_code == 201
    client.post(
        f"/api/leads/{b['id']}/status", json={"status": "contacted"}, headers=world.auth("agent")
    )
    touched = client.get(
        "/api/leads", params={"sort": "-last_touch_at"}, headers=world.auth("agent")
    ).json()["items"]
    assert [i["id"] for i in touched] == [a["id"], b["id"]]
    by_status = client.get(
        "/api/leads", params={"sort": "status"}, headers=world.auth("agent")
    ).json()["items"]
    assert [i["status"] for i in by_status] == ["contacted", "new"]


def test_delete_and_restore(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    url = f"/api/leads/{lead['id']}"
    other = create_lead(client, world, "coordinator")
    # An agent may delete only leads they created.
    r = client.delete(f"/api/leads/{other['id']}", headers=world.auth("agent"))
    assert r.status_code == 403
    r = client.delete(url, headers=world.auth("agent"))
    assert r.status_code == 204
    assert client.delete(url, headers=world.auth("agent")).status_code == 204  # idempotent
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None and row.deleted_at is not None and row.version > lead["version"]
    deleted_version = row.version
    assert client.get(url, headers=world.auth("agent")).status_code == 404
    assert client.patch(url, json={"sector": "x"}, headers=world.auth("agent")).status_code == 404
    listed = client.get("/api/leads", headers=world.auth("coordinator")).json()
    assert lead["id"] not in {i["id"] for i in listed["items"]}

    assert client.post(f"{url}/restore", headers=world.auth("agent")).status_code == 403
    r = client.post(f"{url}/restore", headers=world.auth("coordinator"))
    assert r.status_code == 200 and r.json()["version"] > deleted_version
    assert client.get(url, headers=world.auth("agent")).status_code == 200


def test_unknown_lead_is_404(client: TestClient, world: World) -> None:
    r = client.get(f"/api/leads/{new_id()}", headers=world.auth("admin"))
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    # Not a UUID: not a lead's path at all (api/openapi.py strict_uuid_paths).
    r = client.get("/api/leads/not-a-uuid", headers=world.auth("admin"))
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert client.get("/api/leads").status_code == 401


def test_the_token_is_checked_before_the_parameters(client: TestClient, world: World) -> None:
    """The queue and the detail authenticate on their own thread (api/deps.py `as_actor`)
    after FastAPI validated their parameters; a bad token is still the 401, never a 422
    telling a stranger which parameters were wrong."""
    bad = "/api/leads?limit=0&status=nope&from=0"
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}):
        r = client.get(bad, headers=headers)
        assert r.status_code == 401 and r.json()["error"] == "not_authenticated", r.text
        r = client.get(f"/api/leads/{new_id()}", headers=headers)
        assert r.status_code == 401 and r.json()["error"] == "not_authenticated", r.text
    r = client.get(bad, headers=world.auth("coordinator"))
    assert r.status_code == 422
    assert [f["loc"] for f in r.json()["fields"]] == [
        ["query", "status", 0],
        ["query", "from"],
        ["query", "limit"],
    ]


def test_every_write_raises_the_version(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    url = f"/api/leads/{lead['id']}"
    versions = [lead["version"]]
    writes = [
        ("patch", url, {"sector": "food"}, "agent"),
        ("post", f"{url}/status", {"status": "contacted"}, "agent"),
        ("post", f"{url}/assign", {"agent_id": str(world.agent.id)}, "coordinator"),
        ("post", f"{url}/interactions", {"kind": "note", "body": "called back"}, "agent"),
        ("delete", url, None, "agent"),
        ("post", f"{url}/restore", None, "coordinator"),
    ]
    for method, path, body, who in writes:
        kwargs: dict[str, Any] = {"headers": world.auth(who)}
        if body is not None:
            kwargs["json"] = body
        r = client.request(method.upper(), path, **kwargs)
        assert r.status_code < 300, (path, r.text)
        row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
        assert row is not None
        versions.append(row.version)
    assert all(b > a for a, b in itertools.pairwise(versions)), versions
