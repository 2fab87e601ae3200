"""Issue 8.2: every integer a client can send is bounded in the schema, and a value past the
bounds (up to and beyond 64 bits) is a 422 in the usual error shape, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.conftest import World
from tests.robustness.openapi_walk import client_schemas, operations

HUGE = ["9223372036854775807", "9223372036854775808", "-9223372036854775809", "1" + "0" * 30]


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    from api.main import create_app

    return create_app().openapi()


def _integer_nodes(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(w, n) for w, n in client_schemas(doc) if n.get("type") == "integer"]


def test_every_integer_a_client_sends_has_both_bounds(doc: dict[str, Any]) -> None:
    nodes = _integer_nodes(doc)
    # The walk finds the known ones (it is not vacuous): offsets, limits, sync counters.
    wheres = " ".join(w for w, _ in nodes)
    for known in ("GET /api/leads offset", "GET /api/audit limit", "mutations", "delta"):
        assert known in wheres, known
    unbounded = [
        where
        for where, node in nodes
        if ("minimum" not in node and "exclusiveMinimum" not in node)
        or ("maximum" not in node and "exclusiveMaximum" not in node)
    ]
    assert unbounded == []
    # And the bounds fit the databases' 64-bit integers.
    for where, node in nodes:
        assert node.get("minimum", 0) >= -(2**63) and node.get("maximum", 0) < 2**63, where


def _integer_query_params(doc: dict[str, Any]) -> list[tuple[str, str, str, bool]]:
    """(method, path, name, has other required params) of every integer query parameter."""
    found = []
    for method, path, op in operations(doc):
        params = op.get("parameters", [])
        for param in params:
            if param["in"] == "query" and param.get("schema", {}).get("type") == "integer":
                others = any(p.get("required") and p is not param for p in params)
                found.append((method, path, param["name"], others))
    return found


def test_integer_query_parameters_past_64_bits_are_422_in_our_shape(
    client: TestClient, world: World, doc: dict[str, Any]
) -> None:
    params = _integer_query_params(doc)
    assert len(params) >= 20
    for method, path, name, _others in params:
        if "{" in path:
            # A path parameter of the right type that names nothing: the query is checked
            # first all the same.
            path = path.replace("{lead_id}", "00000000-0000-4000-8000-000000000000")
        who = (
            "admin"
            if path.startswith(("/api/admin", "/api/audit", "/api/privacy"))
            else ("coordinator")
        )
        for value in HUGE:
            r = client.request(method, path, params={name: value}, headers=world.auth(who))
            assert r.status_code == 422, (method, path, name, value, r.status_code, r.text)
            body = r.json()
            assert body["error"] == "validation_error"
            assert body["fields"][0]["loc"] == ["query", name]
            assert body["fields"][0]["code"] in ("less_than_equal", "greater_than_equal")
            assert body["fields"][0]["message"]


def test_out_of_range_message_is_translated(client: TestClient, world: World, db: Session) -> None:
    world.coordinator.language = "fr"
    db.commit()
    r = client.get("/api/leads", params={"offset": HUGE[1]}, headers=world.auth("coordinator"))
    assert r.status_code == 422
    assert r.json()["fields"][0]["message"] == "La valeur doit être d'au plus 1000000000."


def test_sync_integers_past_their_bounds_are_422(client: TestClient, world: World) -> None:
    base = {
        "protocol": 1,
        "clientGroupID": "00000000-0000-4000-8000-000000000001",
        "clientID": "00000000-0000-4000-8000-000000000002",
        "schemaVersion": 1,
    }
    op = {"id": 2**63, "name": "lead.patch", "v": 1, "hlc": "0000000000000-0000-x", "args": {}}
    for body in (
        {**base, "mutations": [op]},
        {**base, "schemaVersion": 2**64},
        {**base, "pending": {"count": 2**63}},
    ):
        r = client.post("/api/sync/push", json=body, headers=world.auth("agent"))
        assert r.status_code == 422, r.text
        assert r.json()["error"] == "validation_error"
    pull = {k: v for k, v in base.items() if k != "clientID"}
    r = client.post("/api/sync/pull", json={**pull, "limit": 2**64}, headers=world.auth("agent"))
    assert r.status_code == 422, r.text
    r = client.post(
        "/api/sync/conflicts/9223372036854775808/resolve",
        json={},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 422, r.text
