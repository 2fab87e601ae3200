from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, func, select

from api.sessions.models import OutreachSession, Tally
from api.venues.models import Venue
from sync.space import current_version
from tests.conftest import World

CANARY = "CANARY-BXL-SESSION-4471"


def _version(db: Session) -> int:
    return current_version(db.connection())


def _create(client: TestClient, world: World, who: str = "agent", **body: Any) -> dict[str, Any]:
    payload = {"channel": "coffee_stand", "title": CANARY, "commune": "Molenbeek"} | body
    r = client.post("/api/sessions", json=payload, headers=world.auth(who))
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()
    return data


def test_create_defaults_team_agent_and_bumps_the_sync_version(
    client: TestClient, world: World, db: Session
) -> None:
    before = _version(db)
    s = _create(client, world)
    assert s["team_id"] == str(world.brussels.id)
    assert s["agent_id"] == s["created_by"] == str(world.agent.id)
    assert s["totals"] == {"coffees": 0, "conversations": 0, "flyers": 0}
    assert s["version"] == _version(db) == before + 1
    row = db.get(OutreachSession, uuid.UUID(s["id"]))
    assert row is not None and set(row.field_hlc) >= {"channel", "title", "started_at"}


def test_create_is_idempotent_on_the_client_id(
    client: TestClient, world: World, db: Session
) -> None:
    sid = str(uuid.uuid4())
    first = _create(client, world, id=sid)
    again = client.post(
        "/api/sessions",
        json={"id": sid, "channel": "coffee_stand", "title": CANARY, "commune": "Molenbeek"},
        headers=world.auth("agent"),
    )
    assert again.status_code == 200
    assert again.json()["version"] == first["version"]  # nothing changed, nothing bumped
    count = db.execute(
        select(func.count())
        .select_from(OutreachSession)
        .where(col(OutreachSession.id) == uuid.UUID(sid))
    ).scalar_one()
    assert count == 1


def test_replayed_create_of_another_teams_id_is_refused(client: TestClient, world: World) -> None:
    s = _create(client, world)
    r = client.post(
        "/api/sessions", json={"id": s["id"], "channel": "event"}, headers=world.auth("agent2")
    )
    assert r.status_code == 409
    assert r.json()["error"] == "id_taken"
    assert CANARY not in r.text


def test_update_merges_fields_and_bumps_the_version(
    client: TestClient, world: World, db: Session
) -> None:
    s = _create(client, world)
    row = db.get(OutreachSession, uuid.UUID(s["id"]))
    assert row is not None
    stamp_before = dict(row.field_hlc)
    ended = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    r = client.patch(
        f"/api/sessions/{s['id']}",
        json={"ended_at": ended, "notes": "rainy, short"},
        headers=world.auth("agent"),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["notes"] == "rainy, short" and body["title"] == CANARY
    assert body["version"] == _version(db) > s["version"]
    db.refresh(row)
    # Left empty at creation, notes had no stamp (as after a pushed create); now it has one.
    assert "notes" not in stamp_before and row.field_hlc["notes"] > stamp_before["title"]
    assert row.field_hlc["title"] == stamp_before["title"]  # untouched field keeps its stamp
    # The same patch again changes nothing and takes no version.
    again = client.patch(
        f"/api/sessions/{s['id']}", json={"notes": "rainy, short"}, headers=world.auth("agent")
    )
    assert again.status_code == 200 and again.json()["version"] == body["version"]


def test_update_validation_and_rules(client: TestClient, world: World, db: Session) -> None:
    s = _create(client, world)
    h = world.auth("agent")
    r = client.patch(f"/api/sessions/{s['id']}", json={"channel": None}, headers=h)
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation_error" and body["detail"]
    assert body["fields"] == [
        {"loc": ["channel"], "code": "required", "message": body["fields"][0]["message"]}
    ]
    r = client.patch(f"/api/sessions/{s['id']}", json={"channel": "teleport"}, headers=h)
    assert r.status_code == 422 and r.json()["fields"][0]["code"] == "enum"
    r = client.patch(f"/api/sessions/{s['id']}", json={"title": "x" * 121}, headers=h)
    assert r.status_code == 422 and r.json()["fields"][0]["loc"] == ["title"]
    r = client.patch(
        f"/api/sessions/{s['id']}", json={"started_at": "2026-05-02T10:00:00"}, headers=h
    )
    assert r.status_code == 422 and r.json()["fields"][0]["code"] == "timezone_aware"
    early = (datetime.fromisoformat(s["started_at"]) - timedelta(hours=1)).isoformat()
    r = client.patch(f"/api/sessions/{s['id']}", json={"ended_at": early}, headers=h)
    assert r.status_code == 422 and r.json()["error"] == "ended_before_started"
    r = client.patch(f"/api/sessions/{s['id']}", json={"partner_id": str(uuid.uuid4())}, headers=h)
    assert r.status_code == 422 and r.json()["error"] == "unknown_partner"
    # None of the rejected requests changed anything.
    after = client.get(f"/api/sessions/{s['id']}", headers=h).json()
    assert after == s


def test_mass_assignment_changes_nothing(client: TestClient, world: World) -> None:
    s = _create(
        client,
        world,
        team_id=str(world.antwerp.id),
        agent_id=str(world.agent2.id),
        created_by=str(world.admin.id),
        created_at="2001-01-01T00:00:00Z",
        version=999999,
        role="admin",
    )
    assert s["team_id"] == str(world.brussels.id)
    assert s["agent_id"] == s["created_by"] == str(world.agent.id)
    assert not s["created_at"].startswith("2001") and s["version"] != 999999
    r = client.patch(
        f"/api/sessions/{s['id']}",
        json={"team_id": str(world.antwerp.id), "agent_id": str(world.agent2.id), "version": 1},
        headers=world.auth("agent"),
    )
    assert r.status_code == 200
    assert r.json()["team_id"] == str(world.brussels.id)
    assert r.json()["agent_id"] == str(world.agent.id)
    # agent2 still cannot see it.
    assert client.get(f"/api/sessions/{s['id']}", headers=world.auth("agent2")).status_code == 404


def test_coordinator_names_the_agent_of_their_team_only(client: TestClient, world: World) -> None:
    s = _create(client, world, "coordinator", agent_id=str(world.agent.id))
    assert s["agent_id"] == str(world.agent.id) and s["created_by"] == str(world.coordinator.id)
    r = client.post(
        "/api/sessions",
        json={"channel": "info_session", "agent_id": str(world.agent2.id)},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 422 and r.json()["error"] == "unknown_agent"


def test_admin_without_team_cannot_create(client: TestClient, world: World) -> None:
    r = client.post("/api/sessions", json={"channel": "event"}, headers=world.auth("admin"))
    assert r.status_code == 422 and r.json()["error"] == "no_team"


def test_scope_other_team_gets_404_and_no_leak(client: TestClient, world: World) -> None:
    s = _create(client, world)
    url = f"/api/sessions/{s['id']}"
    for who in ("agent2", "coordinator2"):
        h = world.auth(who)
        for r in (
            client.get(url, headers=h),
            client.patch(url, json={"notes": "mine now"}, headers=h),
            client.post(f"{url}/tallies", json={"kind": "coffees", "delta": 3}, headers=h),
        ):
            assert r.status_code == 404, (who, r.text)
            assert r.json()["error"] == "not_found"
            assert CANARY not in r.text and s["id"] not in r.text
        listed = client.get("/api/sessions", headers=h).json()
        assert listed == {"items": [], "total": 0}
    for who in ("agent", "coordinator", "admin"):
        assert client.get(url, headers=world.auth(who)).status_code == 200
    unchanged = client.get(url, headers=world.auth("agent")).json()
    assert unchanged["notes"] is None and unchanged["totals"]["coffees"] == 0


def test_unauthenticated_is_401(client: TestClient, world: World) -> None:
    assert client.get("/api/sessions").status_code == 401
    r = client.post("/api/sessions", json={"channel": "event"})
    assert r.status_code == 401 and r.json()["error"] == "not_authenticated"


def test_list_filters_and_paging(client: TestClient, world: World) -> None:
    # 2026-03-10 23:30 in Brussels is 22:30 UTC: it belongs to the 10th, not the 11th.
    late = "2026-03-10T22:30:00Z"
    a = _create(client, world, started_at=late, channel="shop_visit")
    b = _create(client, world, started_at="2026-03-11T09:00:00+01:00")
    c = _create(
        client,
        world,
        "coordinator",
        started_at="2026-03-12T09:00:00Z",
        agent_id=str(world.agent.id),
    )
    d = _create(client, world, "agent2", started_at="2026-03-11T10:00:00Z")
    h = world.auth("coordinator")

    def ids(**params: Any) -> list[str]:
        r = client.get("/api/sessions", params=params, headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] >= len(body["items"])
        return [i["id"] for i in body["items"]]

    assert ids() == [c["id"], b["id"], a["id"]]  # latest first, Antwerp's not there
    assert ids(started_from="2026-03-11", started_to="2026-03-11") == [b["id"]]
    assert ids(started_to="2026-03-10") == [a["id"]]
    assert ids(channel="shop_visit") == [a["id"]]
    assert ids(agent_id=str(world.agent.id)) == [c["id"], b["id"], a["id"]]
    assert ids(team_id=str(world.antwerp.id)) == []
    page = client.get("/api/sessions", params={"limit": 2, "offset": 1}, headers=h).json()
    assert page["total"] == 3 and [i["id"] for i in page["items"]] == [b["id"], a["id"]]
    admin = client.get(
        "/api/sessions", params={"team_id": str(world.antwerp.id)}, headers=world.auth("admin")
    )
    assert [i["id"] for i in admin.json()["items"]] == [d["id"]]
    r = client.get("/api/sessions", params={"limit": 0}, headers=h)
    assert r.status_code == 422 and r.json()["fields"][0]["loc"] == ["query", "limit"]
    r = client.get("/api/sessions", params={"started_from": "yesterday"}, headers=h)
    assert r.status_code == 422


def test_tallies_add_up_and_a_replay_never_double_counts(
    client: TestClient, world: World, db: Session
) -> None:
    s = _create(client, world)
    url = f"/api/sessions/{s['id']}/tallies"
    h = world.auth("agent")
    tid = str(uuid.uuid4())
    first = client.post(url, json={"id": tid, "kind": "coffees", "delta": 12}, headers=h)
    assert first.status_code == 201, first.text
    assert first.json()["version"] == _version(db)
    for _ in range(3):
        again = client.post(url, json={"id": tid, "kind": "coffees", "delta": 12}, headers=h)
        assert again.status_code == 200 and again.json() == first.json()
    assert client.post(url, json={"kind": "coffees", "delta": 3}, headers=h).status_code == 201
    assert client.post(url, json={"kind": "flyers", "delta": 40}, headers=h).status_code == 201
    # Colleagues of the team count on the same session.
    r = client.post(
        url, json={"kind": "conversations", "delta": 2}, headers=world.auth("coordinator")
    )
    assert r.status_code == 201
    detail = client.get(f"/api/sessions/{s['id']}", headers=h).json()
    assert detail["totals"] == {"coffees": 15, "conversations": 2, "flyers": 40}
    listed = client.get("/api/sessions", headers=h).json()["items"]
    assert listed[0]["totals"] == detail["totals"]
    rows = db.execute(select(Tally).where(col(Tally.session_id) == uuid.UUID(s["id"]))).scalars()
    assert len(list(rows)) == 4


def test_tally_validation(client: TestClient, world: World) -> None:
    s = _create(client, world)
    other = _create(client, world)
    url = f"/api/sessions/{s['id']}/tallies"
    h = world.auth("agent")
    for body, code in (
        ({"kind": "coffees", "delta": 0}, "zero"),
        ({"kind": "coffees", "delta": -501}, "greater_than_equal"),
        ({"kind": "coffees", "delta": 501}, "less_than_equal"),
        ({"kind": "hugs", "delta": 1}, "enum"),
        ({"kind": "coffees"}, "missing"),
        ({"kind": "coffees", "delta": 1, "occurred_at": "2026-01-01T10:00:00"}, "timezone_aware"),
    ):
        r = client.post(url, json=body, headers=h)
        assert r.status_code == 422, body
        assert r.json()["error"] == "validation_error"
        assert r.json()["fields"][0]["code"] == code, r.json()
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    r = client.post(url, json={"kind": "coffees", "delta": 1, "occurred_at": future}, headers=h)
    assert r.status_code == 422 and r.json()["fields"][0]["code"] == "in_future"
    tid = str(uuid.uuid4())
    assert (
        client.post(url, json={"id": tid, "kind": "coffees", "delta": 1}, headers=h).status_code
        == 201
    )
    r = client.post(
        f"/api/sessions/{other['id']}/tallies",
        json={"id": tid, "kind": "coffees", "delta": 1},
        headers=h,
    )
    assert r.status_code == 409 and r.json()["error"] == "id_taken"
    assert client.get(f"/api/sessions/{s['id']}", headers=h).json()["totals"]["coffees"] == 1
    assert client.get(f"/api/sessions/{other['id']}", headers=h).json()["totals"]["coffees"] == 0


def test_venue_reference_must_be_visible(client: TestClient, world: World, db: Session) -> None:
    antwerp_venue = Venue(id=uuid.uuid4(), team_id=world.antwerp.id, name="Frituur")
    brussels_venue = Venue(id=uuid.uuid4(), team_id=world.brussels.id, name="Épicerie")
    db.add_all([antwerp_venue, brussels_venue])
    db.commit()
    r = client.post(
        "/api/sessions",
        json={"channel": "shop_visit", "venue_id": str(antwerp_venue.id)},
        headers=world.auth("agent"),
    )
    assert r.status_code == 422 and r.json()["error"] == "unknown_venue"
    assert "Frituur" not in r.text
    s = _create(client, world, venue_id=str(brussels_venue.id))
    assert s["venue_id"] == str(brussels_venue.id)


def test_tombstoned_session_is_gone(client: TestClient, world: World, db: Session) -> None:
    s = _create(client, world)
    row = db.get(OutreachSession, uuid.UUID(s["id"]))
    assert row is not None
    row.deleted_at = datetime.now(UTC)
    db.add(row)
    db.commit()
    h = world.auth("agent")
    assert client.get(f"/api/sessions/{s['id']}", headers=h).status_code == 404
    assert client.get("/api/sessions", headers=h).json()["total"] == 0
    r = client.post(
        f"/api/sessions/{s['id']}/tallies", json={"kind": "coffees", "delta": 1}, headers=h
    )
    assert r.status_code == 404
