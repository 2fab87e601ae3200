"""Pull: paging (T9), delete/restore (T10), losing access (T11), old clients (T12), the
tombstone horizon (T13), acknowledgements (I6), what a phone may receive (I10, AC-2)."""

from __future__ import annotations

import gzip
import json
import uuid
from dataclasses import replace
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, update
from sqlmodel import Session, col

from api.config import Settings
from api.leads.models import Lead
from api.leads.rules import first_followup_id
from api.syncapi.handlers import REGISTRY
from api.syncapi.visibility import LEAD_COLUMNS, feeds_for
from api.users import service as user_service
from api.users.models import TeamMember, User
from sync import cookie as cookies
from sync.protocol import MutationIn
from sync.space import bump_version, current_version
from sync.sqltypes import table_of, utcnow
from tests.conftest import World
from tests.sync.conftest import PhoneFactory
from tests.sync.helpers import DAY_MS, Phone, now_ms


def _interaction(p: Phone, lead_id: uuid.UUID) -> dict[str, Any]:
    return p.mutation(
        "interaction.add",
        {
            "id": str(uuid.uuid4()),
            "lead_id": str(lead_id),
            "kind": "call",
            "occurred_at": "2026-11-21T10:00:00Z",
        },
    )


def _lead_with_history(p: Phone) -> uuid.UUID:
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id), _interaction(p, lead_id), _interaction(p, lead_id)])
    return lead_id


def _children(p: Phone, lead_id: uuid.UUID) -> set[tuple[str, str]]:
    return {(t, i) for (t, i), v in p.records.items() if v.get("lead_id") == str(lead_id)}


def test_first_pull_resets_and_brings_everything_visible(phone: PhoneFactory) -> None:
    p = phone()
    lead_id = _lead_with_history(p)
    pages = p.pull()
    assert pages[0]["reset"] is True and pages[-1]["more"] is False
    assert ("lead", str(lead_id)) in p.records
    assert len(_children(p, lead_id)) == 3  # two interactions and the first follow-up
    assert pages[-1]["lastMutationIDChanges"] == {str(p.client): 3}
    again = p.pull()
    assert again[0]["reset"] is False and again[0]["patch"] == []


def test_lead_values_hold_agent_visible_fields_only(phone: PhoneFactory, world: World) -> None:
    p = phone()
    consent = {
        "purposes": ["contact", "sensitive_markers"],
        "text_version": "1",
        "text_sha256": "c" * 64,
        "language": "fr",
    }
    lead_id = uuid.uuid4()
    p.push(
        [
            p.create_lead(
                lead_id,
                consent=consent,
                markers={"migrant_background": "yes", "gender": "woman"},
                project_idea="Une boulangerie de quartier avec des produits du Maroc",
            )
        ]
    )
    page = p.pull_page()
    (op,) = [o for o in page["patch"] if o["type"] == "lead"]
    assert set(op["value"]) <= {*LEAD_COLUMNS, "_hlc"}
    # What the app never reads is not sent; agent_id is ("my leads" on the phone).
    assert not {"team_id", "created_by", "status_changed_at"} & set(op["value"])
    assert op["value"]["agent_id"] == str(world.agent.id)
    for secret in ("migrant_background", "gender", "woman", "field_hlc", "deleted_at", "consent"):
        assert secret not in json.dumps(page)
    # Budget: a typical lead stays under 700 bytes on the wire before compression.
    assert len(orjson.dumps(op)) <= 700, len(orjson.dumps(op))


def test_feeds_are_built_once_per_scope(db: Session, world: World, settings: Settings) -> None:
    """The pull's statements are cached with the feeds: the same caller gets the same feeds,
    a caller with other teams (or another user) gets their own."""
    agent = user_service.authenticate(db, token=world.tokens["agent"], settings=settings)
    again = user_service.authenticate(db, token=world.tokens["agent"], settings=settings)
    assert feeds_for(agent) is feeds_for(again)
    moved = replace(agent, team_ids=frozenset({world.antwerp.id}))
    assert feeds_for(moved) is not feeds_for(agent)
    other = user_service.authenticate(db, token=world.tokens["agent2"], settings=settings)
    assert feeds_for(other) is not feeds_for(agent)


def test_pull_is_gzipped(phone: PhoneFactory) -> None:
    p = phone()
    p.push([p.create_lead() for _ in range(20)])
    body = {"protocol": 1, "clientGroupID": str(p.group), "schemaVersion": 1, "cookie": None}
    r = p.http.post("/api/sync/pull", json=body, headers={**p.headers, "Accept-Encoding": "gzip"})
    assert r.status_code == 200 and r.headers["content-encoding"] == "gzip"
    assert r.headers["cache-control"] == "no-store"
    assert int(r.headers["content-length"]) < len(gzip.compress(r.content)) * 2
    assert len(r.json()["patch"]) == 40


def test_t9_rows_at_one_version_across_pages(
    phone: PhoneFactory, db: Session, world: World
) -> None:
    """1,200 rows written at one version (a bulk import) page out exactly once."""
    conn = db.connection()
    version = bump_version(conn)
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "team_id": world.brussels.id,
            "first_name": f"Person {i}",
            "language": "fr",
            "needs": [],
            "channel": "event",
            "status": "new",
            "first_touch_at": now,
            "last_touch_at": now,
            "status_changed_at": now,
            "created_at": now,
            "updated_at": now,
            "version": version,
            "field_hlc": {},
        }
        for i in range(1200)
    ]
    conn.execute(insert(table_of(Lead)), rows)
    db.commit()
    p = phone()
    pages = p.pull(limit=500)
    sizes = [len(page["patch"]) for page in pages]
    assert sizes[:3] == [500, 500, 200] and sum(sizes) == 1200
    ids = [op["id"] for page in pages for op in page["patch"]]
    assert len(ids) == len(set(ids)) == 1200
    assert set(ids) == {str(r["id"]) for r in rows}
    assert {op["version"] for page in pages for op in page["patch"]} == {version}
    assert all(page["more"] for page in pages[:-1]) and not pages[-1]["more"]
    assert "lastMutationIDChanges" not in pages[0]


def test_t10_delete_and_restore(phone: PhoneFactory, db: Session) -> None:
    p = phone()
    coordinator = phone("coordinator")
    lead_id = _lead_with_history(p)
    p.pull()
    coordinator.pull()
    children = _children(p, lead_id)
    body = p.push([p.mutation("lead.delete", {"id": str(lead_id)})])
    assert body["results"][0]["status"] == "applied"
    # A patch made after the delete (here: by the coordinator, later) is kept aside.
    late = coordinator.mutation("lead.patch", {"id": str(lead_id), "set": {"commune": "Evere"}})
    late_body = coordinator.push([late])
    assert late_body["results"][0]["conflicts"][0]["kind"] == "after_delete"
    page = p.pull_page()
    dels = {(op["type"], op["id"]) for op in page["patch"] if op["op"] == "del"}
    assert ("lead", str(lead_id)) in dels and children <= dels
    assert ("lead", str(lead_id)) not in p.records and not _children(p, lead_id)
    # Agents cannot restore; coordinators can, and the history comes back with the lead.
    refused = p.push([p.mutation("lead.restore", {"id": str(lead_id)})])
    assert refused["results"][0]["code"] == "permission_denied"
    coordinator.push([coordinator.mutation("lead.restore", {"id": str(lead_id)})])
    p.pull()
    assert ("lead", str(lead_id)) in p.records and _children(p, lead_id) == children
    lead = db.get(Lead, lead_id)
    assert lead is not None
    db.refresh(lead)
    assert lead.deleted_at is None and lead.commune == "Molenbeek"


def _assign(client: TestClient, world: World, lead_id: uuid.UUID, agent_id: uuid.UUID) -> None:
    """Through the REST lead service (it bumps the space version like a push does)."""
    r = client.post(
        f"/api/leads/{lead_id}/assign",
        json={"agent_id": str(agent_id)},
        headers=world.auth("admin"),
    )
    assert r.status_code == 200, r.text


def test_t11_reassignment_brings_and_removes_rows(
    phone: PhoneFactory, client: TestClient, world: World
) -> None:
    antwerp = phone("agent2")
    lead_id = _lead_with_history(antwerp)
    p = phone("agent")
    p.pull()
    assert ("lead", str(lead_id)) not in p.records
    # Assigned to the Brussels agent: the lead and its whole history arrive.
    _assign(client, world, lead_id, world.agent.id)
    p.pull()
    assert p.records[("lead", str(lead_id))]["assigned_to"] == str(world.agent.id)
    assert len(_children(p, lead_id)) == 3
    # Assigned away again: everything about it is removed from the phone.
    _assign(client, world, lead_id, world.agent2.id)
    page = p.pull_page()
    assert {op["op"] for op in page["patch"]} == {"del"}
    assert ("lead", str(lead_id)) not in p.records and not _children(p, lead_id)


def test_t11_team_change_resets_the_phone(phone: PhoneFactory, db: Session, world: World) -> None:
    p = phone("agent")
    lead_id = _lead_with_history(p)
    teammate = phone("coordinator")
    other = _lead_with_history(teammate)
    p.pull()
    assert ("lead", str(other)) in p.records
    # The agent moves to Antwerp: membership changes and the access epoch is bumped.
    db.execute(
        update(TeamMember)
        .where(col(TeamMember.user_id) == world.agent.id)
        .values(team_id=world.antwerp.id)
    )
    db.execute(update(User).where(col(User.id) == world.agent.id).values(access_epoch=1))
    db.commit()
    pages = p.pull()
    assert pages[0]["reset"] is True
    assert ("lead", str(other)) not in p.records
    assert ("lead", str(lead_id)) in p.records  # created by the agent: still theirs


def test_i10_other_teams_rows_never_arrive(phone: PhoneFactory) -> None:
    antwerp = phone("agent2")
    hidden = _lead_with_history(antwerp)
    p = phone("agent")
    mine = _lead_with_history(p)
    p.pull()
    assert ("lead", str(mine)) in p.records
    assert str(hidden) not in json.dumps(list(p.records))
    # Later changes to the hidden lead reach an incremental pull only as a `del` of its id.
    antwerp.push(
        [antwerp.mutation("lead.patch", {"id": str(hidden), "set": {"commune": "Deurne"}})]
    )
    page = p.pull_page()
    assert all(op["op"] == "del" for op in page["patch"])
    assert "Deurne" not in json.dumps(page) and "Fatima" not in json.dumps(page)
    admin = phone("admin")
    admin.pull()
    assert ("lead", str(hidden)) in admin.records and ("lead", str(mine)) in admin.records


def test_i6_acknowledgement_never_precedes_the_effects(phone: PhoneFactory) -> None:
    p = phone()
    for _ in range(3):
        p.push([p.create_lead()])
    second = phone()
    second.group = p.group  # another tab: same client group, own clientID
    first_page = p.pull_page(limit=2)
    assert first_page["more"] is True
    # Pushed while the pull cycle is under way: committed above its upper bound S.
    pushed = second.create_lead()
    second.push([pushed])
    pages = [first_page]
    while pages[-1]["more"]:
        pages.append(p.pull_page(limit=2))
    final = pages[-1]["lastMutationIDChanges"]
    assert final == {str(p.client): 3}
    assert all("lastMutationIDChanges" not in page for page in pages[:-1])
    assert ("lead", pushed["args"]["id"]) not in p.records
    p.pull()
    assert p.acked == {str(p.client): 3, str(second.client): 1}
    assert ("lead", pushed["args"]["id"]) in p.records


def test_t12_a_30_day_old_client_syncs_fine(phone: PhoneFactory, db: Session) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id)])
    p.pull()
    # The phone then stayed offline for 30 days: its cookie and its stamps are old.
    state = cookies.decode(p.cookie)
    assert state is not None
    p.cookie = cookies.encode(
        cookies.Cookie(state.base, state.upper, now_ms() - 30 * DAY_MS, 0, 1, None)
    )
    p.wall_ms = now_ms() - 30 * DAY_MS
    body = p.push(
        [
            p.mutation("lead.patch", {"id": str(lead_id), "set": {"sector": "food"}}),
            _interaction(p, lead_id),
        ]
    )
    assert [r["status"] for r in body["results"]] == ["applied", "applied"]
    pages = p.pull()
    assert pages[0]["reset"] is False
    assert p.records[("lead", str(lead_id))]["sector"] == "food"


def test_t12_upcaster_lifts_an_old_mutation(phone: PhoneFactory, db: Session) -> None:
    """v0 of lead.patch sent `fields` where v1 has `set`; an upcaster rewrites it."""

    def v0_to_v1(m: MutationIn) -> MutationIn:
        args = dict(m.args)
        args["set"] = args.pop("fields")
        return m.model_copy(update={"v": 1, "args": args})

    p = phone()
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id)])
    old = {**p.mutation("lead.patch", {"id": str(lead_id), "fields": {"sector": "retail"}}), "v": 0}
    REGISTRY.add_upcaster("lead.patch", 0, v0_to_v1)
    try:
        body = p.push([old])
    finally:
        REGISTRY.remove_upcaster("lead.patch", 0)
    assert body["results"][0]["status"] == "applied"
    lead = db.get(Lead, lead_id)
    assert lead is not None
    db.refresh(lead)
    assert lead.sector == "retail"
    # Without the upcaster an unknown version is refused (and stored), not guessed at.
    again = {**p.mutation("lead.patch", {"id": str(lead_id), "fields": {"sector": "x"}}), "v": 0}
    assert p.push([again])["results"][0]["code"] == "unknown_mutator"


@pytest.mark.parametrize(("age_days", "reset"), [(89, False), (91, True)])
def test_t13_tombstone_horizon(
    phone: PhoneFactory, db: Session, age_days: int, reset: bool
) -> None:
    p = phone()
    lead_id = _lead_with_history(p)
    p.pull()
    state = cookies.decode(p.cookie)
    assert state is not None
    p.push([p.mutation("lead.delete", {"id": str(lead_id)})])
    aged = cookies.Cookie(state.base, state.upper, now_ms() - age_days * DAY_MS, 0, 1, None)
    p.cookie = cookies.encode(aged)
    page = p.pull_page()
    assert page["reset"] is reset
    if reset:
        # A full download of what is visible now: no partial delta, no tombstones.
        assert all(op["op"] == "put" for op in page["patch"])
    else:
        assert {"op": "del", "type": "lead", "id": str(lead_id)} in page["patch"]
    assert ("lead", str(lead_id)) not in p.records


@pytest.mark.parametrize(
    "tamper",
    ["garbage", "epoch", "schema", "future"],
)
def test_cookie_problems_reset(phone: PhoneFactory, db: Session, tamper: str) -> None:
    p = phone()
    p.push([p.create_lead()])
    p.pull()
    state = cookies.decode(p.cookie)
    assert state is not None
    if tamper == "garbage":
        p.cookie = "bm90IGEgY29va2ll"
    elif tamper == "epoch":
        p.cookie = cookies.encode(cookies.Cookie(state.base, state.upper, state.at_ms, 7, 1, None))
    elif tamper == "schema":
        p.cookie = cookies.encode(cookies.Cookie(state.base, state.upper, state.at_ms, 0, 2, None))
    else:
        high = current_version(db.connection()) + 100
        p.cookie = cookies.encode(cookies.Cookie(high, high, state.at_ms, 0, 1, None))
    page = p.pull_page()
    assert page["reset"] is True and len(page["patch"]) == 2


def test_rest_write_shows_up_in_the_next_pull_with_a_higher_version(
    phone: PhoneFactory, client: TestClient, world: World
) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id)])
    p.pull()
    before = p.records[("lead", str(lead_id))]["version"]
    r = client.patch(
        f"/api/leads/{lead_id}", json={"commune": "Watermael"}, headers=world.auth("agent")
    )
    assert r.status_code == 200, r.text
    p.pull()
    value = p.records[("lead", str(lead_id))]
    assert value["commune"] == "Watermael" and value["version"] > before
    assert value["_hlc"]["commune"].endswith("-server")


def test_sync_created_lead_is_readable_through_rest(
    phone: PhoneFactory, client: TestClient, world: World
) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id), _interaction(p, lead_id)])
    r = client.get(f"/api/leads/{lead_id}", headers=world.auth("agent"))
    assert r.status_code == 200, r.text
    assert r.json()["first_name"] == "Fatima" and r.json()["id"] == str(lead_id)
    # The REST list sees it too, and another team does not.
    listed = client.get("/api/leads", headers=world.auth("coordinator")).json()
    assert str(lead_id) in {item["id"] for item in listed["items"]}
    assert client.get(f"/api/leads/{lead_id}", headers=world.auth("agent2")).status_code == 404


def test_followup_and_interaction_removal_reaches_the_phone(
    phone: PhoneFactory, db: Session
) -> None:
    p = phone()
    lead_id = _lead_with_history(p)
    p.pull()
    first = str(first_followup_id(lead_id))
    assert ("followup", first) in p.records
    p.push([p.mutation("followup.delete", {"id": first})])
    p.pull()
    assert ("followup", first) not in p.records
