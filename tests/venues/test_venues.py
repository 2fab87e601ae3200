from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from api.venues.models import Venue
from sync.space import current_version
from tests.conftest import World

CANARY = "CANARY-BXL-VENUE-9051"


def _create(client: TestClient, world: World, who: str = "agent", **body: Any) -> dict[str, Any]:
    payload = {"name": CANARY, "kind": "grocery", "commune": "Schaerbeek"} | body
    r = client.post("/api/venues", json=payload, headers=world.auth(who))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def test_create_in_the_creators_team_with_a_new_version(
    client: TestClient, world: World, db: Session
) -> None:
    before = current_version(db.connection())
    v = _create(client, world, address="Chaussée de Haecht 1", next_visit_on="2026-06-01")
    assert v["team_id"] == str(world.brussels.id) and v["created_by"] == str(world.agent.id)
    assert v["next_visit_on"] == "2026-06-01" and v["last_visit_at"] is None
    assert v["version"] == current_version(db.connection()) == before + 1


def test_create_replay_is_idempotent(client: TestClient, world: World, db: Session) -> None:
    vid = str(uuid.uuid4())
    first = _create(client, world, id=vid)
    r = client.post("/api/venues", json={"id": vid, "name": CANARY}, headers=world.auth("agent"))
    assert r.status_code == 200 and r.json()["version"] == first["version"]
    n = db.execute(
        select(func.count()).select_from(Venue).where(col(Venue.id) == uuid.UUID(vid))
    ).scalar_one()
    assert n == 1
    r = client.post("/api/venues", json={"id": vid, "name": "x"}, headers=world.auth("agent2"))
    assert r.status_code == 409 and CANARY not in r.text


def test_mass_assignment_changes_nothing(client: TestClient, world: World) -> None:
    v = _create(
        client,
        world,
        team_id=str(world.antwerp.id),
        created_by=str(world.agent2.id),
        last_visit_at="2020-01-01T00:00:00Z",
        created_at="2001-01-01T00:00:00Z",
        version=424242,
    )
    assert v["team_id"] == str(world.brussels.id) and v["created_by"] == str(world.agent.id)
    assert v["last_visit_at"] is None and v["version"] != 424242
    r = client.patch(
        f"/api/venues/{v['id']}",
        json={"team_id": str(world.antwerp.id), "last_visit_at": "2020-01-01T00:00:00Z"},
        headers=world.auth("agent"),
    )
    assert r.status_code == 200
    assert r.json()["team_id"] == str(world.brussels.id) and r.json()["last_visit_at"] is None
    assert r.json()["version"] == v["version"]  # nothing it may change was given


def test_update_and_validation(client: TestClient, world: World, db: Session) -> None:
    v = _create(client, world)
    h = world.auth("agent")
    r = client.patch(
        f"/api/venues/{v['id']}", json={"notes": "owner speaks Berber", "kind": ""}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["notes"] == "owner speaks Berber" and r.json()["kind"] is None
    assert r.json()["version"] == current_version(db.connection()) > v["version"]
    for body, loc, code in (
        ({"name": None}, ["name"], "required"),
        ({"name": ""}, ["name"], "string_too_short"),
        ({"next_visit_on": "soon"}, ["next_visit_on"], "date_from_datetime_parsing"),
        ({"address": "x" * 201}, ["address"], "string_too_long"),
    ):
        r = client.patch(f"/api/venues/{v['id']}", json=body, headers=h)
        assert r.status_code == 422, body
        err = r.json()
        assert err["error"] == "validation_error" and err["detail"]
        assert err["fields"][0]["loc"] == loc and err["fields"][0]["code"] == code, err
        assert err["fields"][0]["message"]
    assert client.get(f"/api/venues/{v['id']}", headers=h).json()["name"] == CANARY


def test_visit_moves_last_visit_forward_only(client: TestClient, world: World) -> None:
    v = _create(client, world)
    url = f"/api/venues/{v['id']}/visits"
    h = world.auth("agent")
    r = client.post(url, headers=h)
    assert r.status_code == 200, r.text
    first_visit = datetime.fromisoformat(r.json()["last_visit_at"])
    assert abs(first_visit - datetime.now(UTC)) < timedelta(minutes=1)
    older = (first_visit - timedelta(days=3)).isoformat()
    r = client.post(url, json={"visited_at": older, "next_visit_on": "2026-07-01"}, headers=h)
    assert r.status_code == 200
    assert datetime.fromisoformat(r.json()["last_visit_at"]) == first_visit
    assert r.json()["next_visit_on"] == "2026-07-01"
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    r = client.post(url, json={"visited_at": future}, headers=h)
    assert r.status_code == 422 and r.json()["fields"][0]["code"] == "in_future"
    r = client.post(url, json={"next_visit_on": None}, headers=h)
    assert r.status_code == 200 and r.json()["next_visit_on"] is None


def test_list_filters(client: TestClient, world: World) -> None:
    a = _create(client, world, name="Boucherie Atlas", next_visit_on="2026-05-01")
    b = _create(client, world, name="atelier 100%", commune="Anderlecht")
    c = _create(client, world, name="Café Central", next_visit_on="2026-09-01")
    _create(client, world, "agent2", name="Bakkerij Antwerpen")
    h = world.auth("agent")

    def names(**params: Any) -> list[str]:
        r = client.get("/api/venues", params=params, headers=h)
        assert r.status_code == 200, r.text
        return [i["name"] for i in r.json()["items"]]

    assert names() == ["atelier 100%", "Boucherie Atlas", "Café Central"]
    assert names(q="ATLAS") == [a["name"]]
    assert names(q="100%") == [b["name"]]
    assert names(q="%") == [b["name"]]  # a wildcard typed in the search is literal
    assert names(commune="anderlecht") == [b["name"]]
    assert names(due_by="2026-06-30") == [a["name"]]
    page = client.get("/api/venues", params={"limit": 1, "offset": 2}, headers=h).json()
    assert page == {"items": [page["items"][0]], "total": 3}
    assert page["items"][0]["id"] == c["id"]


def test_scope_other_team_gets_404_and_no_leak(client: TestClient, world: World) -> None:
    v = _create(client, world)
    url = f"/api/venues/{v['id']}"
    for who in ("agent2", "coordinator2"):
        h = world.auth(who)
        for r in (
            client.get(url, headers=h),
            client.patch(url, json={"name": "taken over"}, headers=h),
            client.post(f"{url}/visits", json={}, headers=h),
        ):
            assert r.status_code == 404, (who, r.text)
            assert r.json()["error"] == "not_found"
            assert CANARY not in r.text and v["id"] not in r.text
        assert client.get("/api/venues", headers=h).json() == {"items": [], "total": 0}
    after = client.get(url, headers=world.auth("coordinator")).json()
    assert after["name"] == CANARY and after["last_visit_at"] is None
    assert client.get(url, headers=world.auth("admin")).status_code == 200
    assert client.get(url).status_code == 401
