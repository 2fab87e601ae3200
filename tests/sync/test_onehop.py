"""The one-hop sync endpoints answer bad requests exactly as the rest of the API does."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.users.models import Device
from sync.space import current_version
from tests.conftest import World


def _push_body(**over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "clientGroupID": str(uuid.uuid4()),
        "clientID": str(uuid.uuid4()),
        "schemaVersion": 1,
        "mutations": [],
    }
    body.update(over)
    return body


def test_push_without_or_with_a_bad_token_is_the_usual_401(client: TestClient) -> None:
    usual = client.get("/api/leads")
    assert usual.status_code == 401
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}):
        r = client.post("/api/sync/push", json=_push_body(), headers=headers)
        assert r.status_code == 401
        assert r.json() == usual.json()


def test_push_from_a_wiped_device_says_so(client: TestClient, world: World, db: Session) -> None:
    device = db.exec(select(Device).where(Device.user_id == world.agent.id)).first()
    assert device is not None
    r = client.post(
        f"/api/admin/devices/{device.id}/revoke", json={"wipe": True}, headers=world.auth("admin")
    )
    assert r.status_code == 200, r.text
    r = client.post("/api/sync/push", json=_push_body(), headers=world.auth("agent"))
    assert r.status_code == 401 and r.json()["error"] == "wipe_requested"


def test_malformed_push_is_a_translated_422_and_writes_nothing(
    client: TestClient, world: World, db: Session
) -> None:
    version = current_version(db.connection())
    headers = {**world.auth("agent"), "content-type": "application/json"}
    r = client.post("/api/sync/push", content=b'{"clientID": ', headers=headers)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation_error"
    assert [f["code"] for f in body["fields"]] == ["json_invalid"]

    broken = _push_body(clientID="not-a-uuid", mutations=[{"id": 0, "name": "lead.create"}])
    del broken["schemaVersion"]
    r = client.post("/api/sync/push", json=broken, headers={**world.auth("agent")})
    assert r.status_code == 422
    problems = {tuple(f["loc"]): f["code"] for f in r.json()["fields"]}
    assert problems == {
        ("clientID",): "uuid_parsing",
        ("schemaVersion",): "missing",
        ("mutations", 0, "id"): "greater_than_equal",
        ("mutations", 0, "hlc"): "missing",
    }
    # The same shape a FastAPI body model gives (loc without "body").
    r = client.post("/api/leads", json={"first_name": ""}, headers=world.auth("agent"))
    assert r.status_code == 422 and all(f["loc"][0] != "body" for f in r.json()["fields"])
    assert current_version(db.connection()) == version


def test_push_errors_speak_the_callers_language(
    client: TestClient, world: World, db: Session
) -> None:
    headers = {**world.auth("agent"), "content-type": "application/json"}
    en = client.post("/api/sync/push", content=b"[", headers=headers)
    world.agent.language = "nl"  # the profile language wins for staff
    db.add(world.agent)
    db.commit()
    nl = client.post("/api/sync/push", content=b"[", headers=headers)
    assert en.status_code == nl.status_code == 422
    assert en.json()["fields"][0]["message"] == "The request body is not valid JSON."
    assert nl.json()["fields"][0]["message"] != en.json()["fields"][0]["message"]
    assert nl.headers["content-language"] == "nl"


def test_openapi_documents_the_push_body_and_answer(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    push = spec["paths"]["/api/sync/push"]["post"]
    schema = push["requestBody"]["content"]["application/json"]["schema"]
    assert {"clientGroupID", "clientID", "schemaVersion", "mutations"} <= set(schema["properties"])
    assert "$ref" not in str(schema)  # nothing points at a component that is not there
    answer = push["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["$ref"].endswith("/PushResponse")


def test_pull_errors_are_the_usual_ones(client: TestClient, world: World) -> None:
    body = {"clientGroupID": str(uuid.uuid4()), "schemaVersion": 1}
    r = client.post("/api/sync/pull", json=body)
    assert r.status_code == 401 and r.json()["error"] == "not_authenticated"
    r = client.post("/api/sync/pull", json={"schemaVersion": 1}, headers=world.auth("agent"))
    assert r.status_code == 422
    assert [(f["loc"], f["code"]) for f in r.json()["fields"]] == [(["clientGroupID"], "missing")]
    r = client.post(
        "/api/sync/pull",
        content=b'{"clientGroupID": "' + b"x" * 70_000 + b'"}',
        headers={**world.auth("agent"), "content-type": "application/json"},
    )
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"
    r = client.post("/api/sync/pull", json=body, headers=world.auth("agent"))
    assert r.status_code == 200 and r.json()["reset"] is True


def test_openapi_documents_the_pull_body(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    pull = spec["paths"]["/api/sync/pull"]["post"]
    schema = pull["requestBody"]["content"]["application/json"]["schema"]
    assert {"clientGroupID", "schemaVersion", "cookie", "limit"} <= set(schema["properties"])
