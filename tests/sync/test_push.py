"""Push: exactly once (T1, T2, T3, T16), limits, versions, ownership (T14), rejections (I8)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, event, select, update
from sqlmodel import Session, col

from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Consent, Lead, LeadMarker
from api.leads.rules import first_followup_id, status_interaction_id
from api.sessions.models import OutreachSession, Tally
from api.syncapi.handlers import REGISTRY
from api.users.models import Device
from api.venues.models import Venue
from sync.models import SyncClient, SyncConflict, SyncRejected
from sync.push import Apply, Mutator
from sync.space import current_version
from sync.sqltypes import utcnow
from tests.conftest import World
from tests.sync.conftest import PhoneFactory, count
from tests.sync.helpers import Phone, now_ms, stamp


def _interaction(phone: Phone, lead_id: uuid.UUID, **over: Any) -> dict[str, Any]:
    args = {
        "id": str(uuid.uuid4()),
        "lead_id": str(lead_id),
        "kind": "conversation",
        "occurred_at": "2026-11-20T10:00:00Z",
        "body": "Talked about a bakery",
    }
    args.update(over)
    return phone.mutation("interaction.add", args)


def _counts(db: Session) -> dict[str, int]:
    models = (Lead, Interaction, Followup, Consent, LeadMarker, Tally, SyncRejected, SyncConflict)
    return {m.__name__: count(db, m) for m in models}


def _batch(phone: Phone) -> list[dict[str, Any]]:
    lead = uuid.uuid4()
    session_id = uuid.uuid4()
    return [
        phone.create_lead(lead, markers={"gender": "woman"}),
        _interaction(phone, lead),
        phone.mutation("lead.patch", {"id": str(lead), "set": {"commune": "Anderlecht"}}),
        phone.mutation(
            "session.create",
            {
                "id": str(session_id),
                "fields": {"channel": "coffee_stand", "started_at": "2026-11-20T09:00:00Z"},
            },
        ),
        phone.mutation(
            "tally.add",
            {
                "id": str(uuid.uuid4()),
                "session_id": str(session_id),
                "kind": "coffees",
                "delta": 12,
                "occurred_at": "2026-11-20T11:00:00Z",
            },
        ),
        phone.mutation("lead.patch", {"id": str(lead), "set": {"phone": "not a phone"}}),
    ]


def test_lead_create_writes_lead_consent_markers_and_first_followup(
    phone: PhoneFactory, db: Session, world: World
) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    body = p.push([p.create_lead(lead_id, markers={"gender": "woman", "job_seeker": "yes"})])
    assert body["results"] == [{"id": 1, "status": "applied"}]
    lead = db.get(Lead, lead_id)
    assert lead is not None
    assert lead.team_id == world.brussels.id and lead.created_by == world.agent.id
    assert lead.version == body["version"] and lead.status == "new"
    assert set(lead.field_hlc) >= {"first_name", "phone", "channel"}
    followup = db.get(Followup, first_followup_id(lead_id))
    assert followup is not None and followup.version == body["version"]
    consent = db.execute(select(Consent).where(col(Consent.lead_id) == lead_id)).scalar_one()
    assert consent.purposes == ["contact"] and consent.agent_id == world.agent.id
    marker = db.get(LeadMarker, lead_id)
    assert marker is not None and marker.gender == "woman" and marker.migrant_background is None


def test_t1_replaying_a_batch_changes_nothing(phone: PhoneFactory, db: Session) -> None:
    p = phone()
    batch = _batch(p)
    first = p.push(batch)
    assert first["lastMutationID"] == 6
    assert [r["status"] for r in first["results"]] == ["applied"] * 5 + ["rejected"]
    before = _counts(db)
    versions = {lead.id: lead.version for lead in db.execute(select(Lead)).scalars()}
    for _ in range(3):
        again = p.push(batch)
        assert again["lastMutationID"] == 6
        # The client learns the same outcome, the rejection included (I3).
        assert [(r["id"], r["status"], r.get("code")) for r in again["results"]] == [
            (r["id"], r["status"], r.get("code")) for r in first["results"]
        ]
    db.expire_all()
    assert _counts(db) == before
    assert {lead.id: lead.version for lead in db.execute(select(Lead)).scalars()} == versions


def test_t2_batch_cut_before_commit_is_safe_to_retry(phone: PhoneFactory, db: Session) -> None:
    """The server dies after applying part of a batch in memory (here: the fifth mutation
    crashes it); nothing is committed and the identical request later succeeds once."""
    tally = REGISTRY.get("tally.add")
    assert tally is not None

    def crash(_ctx: Apply, _parsed: object) -> None:
        raise RuntimeError("server died mid-batch")

    p = phone()
    batch = _batch(p)
    REGISTRY.add(Mutator("tally.add", tally.parse, tally.needs, crash))
    try:
        with pytest.raises(RuntimeError):
            p.push(batch)
    finally:
        REGISTRY.add(tally)
    assert _counts(db) == dict.fromkeys(_counts(db), 0)
    assert db.get(SyncClient, p.client) is None
    body = p.push(batch)
    assert body["lastMutationID"] == 6
    counts = _counts(db)
    assert counts["Lead"] == 1 and counts["Interaction"] == 1 and counts["Tally"] == 1


def test_t2_response_lost_after_commit_is_safe_to_retry(phone: PhoneFactory, db: Session) -> None:
    p = phone()
    batch = _batch(p)
    p.push(batch)  # committed; pretend the response never arrived
    counts = _counts(db)
    body = p.push(batch)
    assert body["lastMutationID"] == 6
    assert body["results"][-1]["status"] == "rejected"
    assert _counts(db) == counts


def test_t3_gap_is_refused_and_nothing_applied(phone: PhoneFactory, db: Session) -> None:
    p = phone()
    first = [p.create_lead() for _ in range(3)]
    assert p.push(first)["lastMutationID"] == 3
    lost = p.create_lead()  # id 4 never reaches the server
    later = [p.create_lead(), p.create_lead()]
    body = p.push(later)
    assert body["gap"] == {"expected": 4}
    assert body["lastMutationID"] == 3 and body["results"] == []
    assert count(db, Lead) == 3
    body = p.push([lost, *later])
    assert body["lastMutationID"] == 6 and "gap" not in body
    assert count(db, Lead) == 6


def test_t3_hole_inside_a_batch_applies_the_contiguous_run(
    phone: PhoneFactory, db: Session
) -> None:
    p = phone()
    m1, m2, m3 = p.create_lead(), p.create_lead(), p.create_lead()
    body = p.push([m1, m3])
    assert body["lastMutationID"] == 1
    assert body["gap"] == {"expected": 2}
    assert [r["id"] for r in body["results"]] == [1]
    assert p.push([m2, m3])["lastMutationID"] == 3
    assert count(db, Lead) == 3


def test_t16_lost_client_state_resend_under_new_client_creates_no_duplicates(
    phone: PhoneFactory, db: Session
) -> None:
    p = phone()
    batch = _batch(p)
    p.push(batch[:4])
    counts = _counts(db)
    # The server loses what it knew about this client (e.g. restored from a backup).
    db.execute(delete(SyncClient).where(col(SyncClient.id) == p.client))
    db.commit()
    r = p.http.post("/api/sync/push", json=p.body(batch[4:]), headers=p.headers)
    assert r.status_code == 409
    assert r.json()["error"] == "ClientStateNotFound"
    # The phone takes a new clientID and re-sends every pending mutation, numbered from 1,
    # including the ones that had in fact been applied.
    p.client = uuid.uuid4()
    resent = [{**m, "id": i + 1} for i, m in enumerate(batch)]
    body = p.push(resent)
    assert body["lastMutationID"] == 6
    after = _counts(db)
    assert after["Lead"] == counts["Lead"] == 1
    assert after["Interaction"] == counts["Interaction"] == 1
    assert after["Consent"] == 1 and after["Followup"] == 1 and after["Tally"] == 1


def test_unknown_client_starting_past_one(phone: PhoneFactory, db: Session) -> None:
    # A browser profile never seen: its first batches are still on their way → gap.
    p = phone()
    p.next_id = 5
    body = p.push([p.create_lead()])
    assert body["gap"] == {"expected": 1} and body["lastMutationID"] == 0
    assert count(db, Lead) == 0
    # A profile we know, with a client we have no record of: state was lost → 409.
    tab = phone()
    tab.group = p.group
    tab.next_id = 3
    assert tab.push([tab.create_lead()], expect=409)["error"] == "ClientStateNotFound"


def test_too_many_mutations_or_too_large_body_is_413_and_nothing_written(
    phone: PhoneFactory, db: Session
) -> None:
    p = phone()
    version = current_version(db.connection())
    body = p.push([p.create_lead() for _ in range(501)], expect=413)
    assert body["error"] == "payload_too_large"
    p.next_id = 1
    big = p.create_lead(project_idea="x" * 2000)
    big["args"]["padding"] = "y" * (2 * 1024 * 1024)
    assert p.push([big], expect=413)["error"] == "payload_too_large"
    assert current_version(db.connection()) == version
    assert count(db, Lead) == 0 and db.get(SyncClient, p.client) is None


@pytest.mark.parametrize("schema_version", [0, 2])
def test_unsupported_schema_version_is_426(
    phone: PhoneFactory, db: Session, schema_version: int
) -> None:
    p = phone()
    p.schema_version = schema_version
    assert p.push([p.create_lead()], expect=426)["error"] == "VersionNotSupported"
    assert p.pull_page(expect=426)["error"] == "VersionNotSupported"
    assert count(db, Lead) == 0


def test_t14_another_users_client_group_is_403(phone: PhoneFactory, db: Session) -> None:
    mine = phone("agent")
    mine.push([mine.create_lead()])
    thief = phone("agent2")
    thief.group = mine.group
    assert thief.push([thief.create_lead()], expect=403)["error"] == "permission_denied"
    assert thief.pull_page(expect=403)["error"] == "permission_denied"
    # Reusing someone's clientID under another group is refused as well.
    other = phone("agent2")
    other.client = mine.client
    other.next_id = 2
    other.push([other.create_lead()], expect=403)
    assert count(db, Lead) == 1


@pytest.mark.parametrize("how", ["expired", "revoked"])
def test_t14_dead_token_is_401_and_nothing_written(
    phone: PhoneFactory, db: Session, world: World, how: str
) -> None:
    p = phone()
    values = {"expires_at": utcnow() - timedelta(seconds=1)}
    if how == "revoked":
        values = {"revoked_at": utcnow()}
    db.execute(update(Device).where(col(Device.user_id) == world.agent.id).values(**values))
    db.commit()
    version = current_version(db.connection())
    batch = [p.create_lead(), p.create_lead()]
    body = p.push(batch, expect=401)
    assert body["error"] == "not_authenticated"
    assert current_version(db.connection()) == version
    assert count(db, Lead) == 0 and db.get(SyncClient, p.client) is None
    # The outbox is the phone's: after logging in again the same batch goes through.
    db.execute(
        update(Device)
        .where(col(Device.user_id) == world.agent.id)
        .values(expires_at=utcnow() + timedelta(days=1), revoked_at=None)
    )
    db.commit()
    assert p.push(batch)["lastMutationID"] == 2
    assert count(db, Lead) == 2


def test_rejections_are_stored_and_advance_the_client(
    phone: PhoneFactory, db: Session, world: World
) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    batch = [
        p.create_lead(lead_id),
        p.mutation("lead.explode", {}),
        p.create_lead(phone="12"),
        p.create_lead(consent={"purposes": ["newsletter"], "text_version": "1"}),
        p.mutation("lead.patch", {"id": str(lead_id), "set": {"status": "financed"}}),
        p.mutation("lead.patch", {"id": str(uuid.uuid4()), "set": {"commune": "Ixelles"}}),
        p.mutation("lead.patch", {"id": str(lead_id), "set": {"first_name": None}}),
        p.mutation("lead.create", {"id": "nope"}),
        p.mutation("lead.patch", {"id": str(lead_id), "set": {"commune": "Ixelles"}}, hlc="bad"),
    ]
    body = p.push(batch)
    assert body["lastMutationID"] == 9
    codes = [r.get("code") for r in body["results"]]
    assert codes == [
        None,
        "unknown_mutator",
        "invalid_input",
        "invalid_input",
        "invalid_transition",
        "not_found",
        "invalid_input",
        "invalid_input",
        "invalid_hlc",
    ]
    assert "fields.phone: invalid_phone" in body["results"][2]["detail"]
    stored = db.execute(select(SyncRejected).order_by(col(SyncRejected.mutation_id))).scalars()
    rows = list(stored)
    assert [r.mutation_id for r in rows] == list(range(2, 10))
    assert rows[0].code == "unknown_mutator" and rows[0].user_id == world.agent.id
    assert rows[2].args["id"] == batch[3]["args"]["id"]
    # No trace of the refused changes.
    lead = db.get(Lead, lead_id)
    assert lead is not None and lead.status == "new" and lead.commune == "Molenbeek"
    assert count(db, Lead) == 1


def test_agent_cannot_touch_a_lead_outside_scope(phone: PhoneFactory, db: Session) -> None:
    antwerp = phone("agent2")
    lead_id = uuid.uuid4()
    antwerp.push([antwerp.create_lead(lead_id)])
    p = phone("agent")
    body = p.push(
        [
            p.mutation("lead.patch", {"id": str(lead_id), "set": {"first_name": "Hacked"}}),
            _interaction(p, lead_id),
            p.create_lead(lead_id, first_name="Hacked"),
            p.mutation("lead.delete", {"id": str(lead_id)}),
            p.mutation(
                "followup.create",
                {"id": str(uuid.uuid4()), "lead_id": str(lead_id), "due_on": "2026-12-01"},
            ),
        ]
    )
    assert {r["code"] for r in body["results"]} == {"not_found"}
    lead = db.get(Lead, lead_id)
    assert lead is not None and lead.first_name == "Fatima" and lead.deleted_at is None
    assert count(db, Interaction) == 0


def test_mass_assignment_is_ignored(phone: PhoneFactory, db: Session, world: World) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    p.push(
        [
            p.create_lead(lead_id, team_id=str(world.antwerp.id), status="financed"),
            p.mutation(
                "lead.patch",
                {"id": str(lead_id), "set": {"assigned_to": str(world.agent2.id), "version": 1}},
            ),
        ]
    )
    lead = db.get(Lead, lead_id)
    assert lead is not None
    assert lead.team_id == world.brussels.id and lead.status == "new" and lead.assigned_to is None


def test_sensitive_marker_needs_explicit_consent(phone: PhoneFactory, db: Session) -> None:
    p = phone()
    without, with_consent = uuid.uuid4(), uuid.uuid4()
    consent = {
        "purposes": ["contact", "markers", "sensitive_markers"],
        "text_version": "2026-01",
        "text_sha256": "b" * 64,
        "language": "nl",
    }
    body = p.push(
        [
            p.create_lead(without, markers={"migrant_background": "yes"}),
            p.create_lead(with_consent, markers={"migrant_background": "yes"}, consent=consent),
        ]
    )
    assert [r.get("code") for r in body["results"]] == ["sensitive_consent_required", None]
    assert db.get(Lead, without) is None
    marker = db.get(LeadMarker, with_consent)
    assert marker is not None and marker.migrant_background == "yes"
    assert marker.sensitive_consent_id is not None
    # Never sent to phones (AC-2).
    p.pull()
    assert "migrant_background" not in str(p.records)


def test_status_change_is_checked_and_logged(phone: PhoneFactory, db: Session) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    create = p.create_lead(lead_id)
    change = p.mutation("lead.patch", {"id": str(lead_id), "set": {"status": "contacted"}})
    body = p.push([create, change])
    assert body["results"][1]["status"] == "applied"
    lead = db.get(Lead, lead_id)
    assert lead is not None and lead.status == "contacted"
    log = db.get(Interaction, status_interaction_id(lead_id, change["hlc"]))
    assert log is not None and (log.from_status, log.to_status) == ("new", "contacted")
    assert log.kind == "status_change"


def test_interactions_are_immutable_and_voidable(
    phone: PhoneFactory, db: Session, peer_headers: dict[str, str], client: TestClient
) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    create = p.create_lead(lead_id)
    add = _interaction(p, lead_id)
    p.push([create, add])
    changed = p.mutation("interaction.add", {**add["args"], "body": "rewritten"})
    status = p.mutation(
        "interaction.add", {**add["args"], "id": str(uuid.uuid4()), "kind": "status_change"}
    )
    body = p.push([changed, status])
    assert body["results"][0]["status"] == "applied"
    assert body["results"][1]["code"] == "invalid_input"
    row = db.get(Interaction, uuid.UUID(add["args"]["id"]))
    assert row is not None and row.body == "Talked about a bakery"
    # Another agent of the team may see it but not void it; its author may.
    other = Phone(client, peer_headers)
    void = {"id": add["args"]["id"], "reason": "wrong lead"}
    assert other.push([other.mutation("interaction.void", void)])["results"][0]["code"] == (
        "permission_denied"
    )
    assert p.push([p.mutation("interaction.void", void)])["results"][0]["status"] == "applied"
    db.expire_all()
    row = db.get(Interaction, uuid.UUID(add["args"]["id"]))
    assert row is not None and row.voided_at is not None and row.void_reason == "wrong lead"


def test_followups_sessions_tallies_venues(phone: PhoneFactory, db: Session, world: World) -> None:
    p = phone()
    lead_id, followup_id, session_id, venue_id, tally_id = (uuid.uuid4() for _ in range(5))
    tally_args = {
        "id": str(tally_id),
        "session_id": str(session_id),
        "kind": "flyers",
        "delta": 30,
        "occurred_at": "2026-11-20T11:00:00Z",
    }
    session_fields = {
        "channel": "shop_visit",
        "venue_id": str(venue_id),
        "started_at": "2026-11-20T09:00:00Z",
    }
    batch = [
        p.create_lead(lead_id),
        p.mutation(
            "followup.create",
            {"id": str(followup_id), "lead_id": str(lead_id), "due_on": "2026-12-01"},
        ),
        p.mutation("followup.patch", {"id": str(followup_id), "set": {"note": "bring docs"}}),
        p.mutation("venue.create", {"id": str(venue_id), "fields": {"name": "Épicerie Nour"}}),
        p.mutation("session.create", {"id": str(session_id), "fields": session_fields}),
        p.mutation("session.patch", {"id": str(session_id), "set": {"title": "Round"}}),
        p.mutation("venue.patch", {"id": str(venue_id), "set": {"next_visit_on": "2026-12-03"}}),
        p.mutation("tally.add", tally_args),
        p.mutation("tally.add", tally_args),  # the same increment again
        p.mutation("followup.delete", {"id": str(first_followup_id(lead_id))}),
        p.mutation(
            "session.create",
            {"id": str(uuid.uuid4()), "fields": {"channel": "phone", "venue_id": str(lead_id)}},
        ),
    ]
    body = p.push(batch)
    codes = [r.get("code") for r in body["results"]]
    assert codes == [None] * 10 + ["unknown_venue"]
    followup = db.get(Followup, followup_id)
    assert followup is not None and followup.note == "bring docs"
    assert followup.assigned_to == world.agent.id
    first = db.get(Followup, first_followup_id(lead_id))
    assert first is not None and first.deleted_at is not None
    session = db.get(OutreachSession, session_id)
    assert session is not None and session.title == "Round" and session.venue_id == venue_id
    assert session.team_id == world.brussels.id and session.agent_id == world.agent.id
    venue = db.get(Venue, venue_id)
    assert venue is not None and str(venue.next_visit_on) == "2026-12-03"
    assert count(db, Tally) == 1


def test_every_row_of_a_push_gets_its_version(phone: PhoneFactory, db: Session) -> None:
    p = phone()
    first = p.push([p.create_lead() for _ in range(3)])
    second = p.push([p.create_lead() for _ in range(3)])
    assert second["version"] > first["version"]
    versions = sorted(lead.version for lead in db.execute(select(Lead)).scalars())
    assert versions == [first["version"]] * 3 + [second["version"]] * 3
    client_row = db.get(SyncClient, p.client)
    assert client_row is not None and client_row.version == second["version"]
    assert client_row.last_mutation_id == 6 and client_row.pending_count == 3


def test_push_loads_rows_in_bulk(phone: PhoneFactory, db: Session) -> None:
    """No query per mutation: 100 mutations cost a fixed number of statements."""
    p = phone()
    leads = [uuid.uuid4() for _ in range(50)]
    batch = [p.create_lead(lead) for lead in leads] + [_interaction(p, lead) for lead in leads]
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, sql: str, *_args: Any) -> None:
        statements.append(sql)

    engine = db.get_bind().engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        body = p.push(batch)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert all(r["status"] == "applied" for r in body["results"])
    assert len(statements) <= 30, statements
    assert count(db, Interaction) == 50


def test_mutation_ids_must_be_positive(phone: PhoneFactory) -> None:
    p = phone()
    r = p.http.post(
        "/api/sync/push",
        json=p.body([{**p.create_lead(), "id": 0}]),
        headers=p.headers,
    )
    assert r.status_code == 422


@pytest.fixture
def stamps() -> Iterator[int]:
    yield now_ms()


def test_result_reports_conflicts(phone: PhoneFactory, stamps: int) -> None:
    p = phone()
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id)])
    newer = p.mutation(
        "lead.patch",
        {"id": str(lead_id), "set": {"commune": "Schaerbeek"}, "base": {"commune": None}},
        hlc=stamp(stamps + 60_000, 0, p.client),
    )
    older = p.mutation(
        "lead.patch",
        {"id": str(lead_id), "set": {"commune": "Forest"}, "base": {"commune": None}},
        hlc=stamp(stamps + 30_000, 0, p.client),
    )
    body = p.push([newer, older])
    assert body["results"][0]["conflicts"] == [
        {"type": "lead", "id": str(lead_id), "field": "commune", "kind": "concurrent", "won": True}
    ]
    assert body["results"][1]["conflicts"][0]["won"] is False
