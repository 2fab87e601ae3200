"""Merging duplicates: one person, two records; the coordinator picks the survivor.
Every interaction survives, the first touch's attribution is kept, the other record becomes
a tombstone that phones drop, and the merge is audited (lead.merge, by pseudonym)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.audit.models import AuditEvent
from api.followups.models import Followup
from api.interactions.models import Interaction
from api.leads.models import Consent, Lead, LeadMarker
from api.leads.rules import first_followup_id
from api.partners.models import Partner
from api.privacy.pseudonym import pseudonym
from api.referrals.models import Referral
from sync.models import SyncConflict
from tests.conftest import World
from tests.leads.helpers import count, create_lead
from tests.sync.helpers import Phone


def _merge(
    client: TestClient, world: World, survivor: str, other: str, who: str = "coordinator"
) -> Any:
    return client.post(
        f"/api/leads/{survivor}/merge", json={"other_id": other}, headers=world.auth(who)
    )


def _note(client: TestClient, world: World, lead_id: str, body: str) -> None:
    r = client.post(
        f"/api/leads/{lead_id}/interactions",
        json={"kind": "conversation", "body": body},
        headers=world.auth("agent"),
    )
    assert r.status_code == 201, r.text


def _partner(db: Session) -> Partner:
    found = db.exec(select(Partner)).first()
    assert found is not None
    return found


def _pair(client: TestClient, world: World, db: Session) -> tuple[str, str, Phone]:
    """The same person twice: met first at a partner (on the phone, 10 days ago, with
    markers), then at a coffee stand (REST, today, with a different e-mail)."""
    phone = Phone(client, world.auth("agent"))
    other = uuid.uuid4()
    met = (datetime.now(UTC) - timedelta(days=10)).isoformat()
    partner = Partner(organisation_id=world.org.id, name="Actiris", kind="employment_service")
    db.add(partner)
    db.commit()
    phone.push(
        [
            phone.create_lead(
                other,
                channel="partner_referral",
                partner_id=str(partner.id),
                email="amina@example.org",
                project_idea="Traiteur marocain",
                consent={
                    "purposes": ["contact", "sensitive_markers"],
                    "text_version": "2026-01",
                    "text_sha256": "a" * 64,
                    "language": "fr",
                    "given_at": met,
                },
                markers={"gender": "woman", "migrant_background": "yes"},
            )
        ]
    )
    phone.pull()
    survivor = create_lead(
        client, world, first_name="Amina", last_name="Benali", email="amina.b@example.org"
    )
    return survivor["id"], str(other), phone


def test_merge_keeps_every_interaction_and_the_first_touch(
    client: TestClient, world: World, db: Session
) -> None:
    survivor, other, phone = _pair(client, world, db)
    for text in ("Called, no answer", "Met at Actiris"):
        _note(client, world, other, text)
    _note(client, world, survivor, "Coffee stand chat")
    referral = client.post(
        f"/api/leads/{other}/referrals",
        json={"partner_id": str(_partner(db).id), "direction": "in"},
        headers=world.auth("coordinator"),
    )
    assert referral.status_code == 201, referral.text
    before = {
        i.id
        for i in db.exec(
            select(Interaction).where(
                col(Interaction.lead_id).in_([uuid.UUID(survivor), uuid.UUID(other)])
            )
        )
    }
    found = db.get(Lead, uuid.UUID(other))
    assert found is not None
    other_first_touch = found.first_touch_at

    r = _merge(client, world, survivor, other)
    assert r.status_code == 200, r.text
    assert r.json()["channel"] == "partner_referral"  # the first touch's attribution

    db.expire_all()
    kept = db.get(Lead, uuid.UUID(survivor))
    gone = db.get(Lead, uuid.UUID(other))
    assert kept is not None and gone is not None
    assert kept.first_touch_at == other_first_touch and kept.partner_id is not None
    assert kept.project_idea == "Traiteur marocain"  # a gap filled from the other
    assert kept.email == "amina.b@example.org"  # the survivor's own value stays
    after = {i.id for i in db.exec(select(Interaction).where(Interaction.lead_id == kept.id))}
    assert before <= after  # not one interaction lost
    [note] = [
        i
        for i in db.exec(select(Interaction).where(Interaction.lead_id == kept.id))
        if i.id not in before
    ]
    assert "amina@example.org" in (note.body or "")  # the other's differing e-mail, kept
    assert count(db, Interaction, lead_id=gone.id) == 0
    assert count(db, Followup, lead_id=gone.id) == 0 and count(db, Followup, lead_id=kept.id) == 2
    # One person, one "call within 48 h": the earlier (the other's, met first) stays open,
    # the survivor's own is deleted in the same transaction.
    open_calls = db.exec(
        select(Followup).where(
            col(Followup.lead_id) == kept.id,
            col(Followup.done_at).is_(None),
            col(Followup.deleted_at).is_(None),
        )
    ).all()
    assert [f.id for f in open_calls] == [first_followup_id(gone.id)]
    assert count(db, Consent, lead_id=gone.id) == 0 and count(db, Consent, lead_id=kept.id) == 2
    assert count(db, Referral, lead_id=kept.id) == 1
    markers = db.get(LeadMarker, kept.id)
    assert markers is not None and markers.migrant_background == "yes"
    assert markers.sensitive_consent_id is not None
    assert db.get(LeadMarker, gone.id) is None
    # The other: a tombstone without personal data that points to the survivor.
    assert gone.deleted_at is not None and gone.merged_into == kept.id
    assert gone.first_name == "" and gone.email is None and gone.phone is None
    actions = {
        (e.action, e.object_ref)
        for e in db.exec(select(AuditEvent).where(col(AuditEvent.action).like("lead.merge%")))
    }
    assert actions == {("lead.merge", pseudonym(kept.id)), ("lead.merged_away", pseudonym(gone.id))}

    # The phone holding the other drops it at its next pull; its interactions now hang
    # on the survivor.
    phone.pull()
    assert other not in phone.of_type("lead") and survivor in phone.of_type("lead")
    on_phone = phone.of_type("interaction")
    assert {v["lead_id"] for v in on_phone.values()} == {survivor}
    assert client.get(f"/api/leads/{other}", headers=world.auth("coordinator")).status_code == 404
    restore = client.post(f"/api/leads/{other}/restore", headers=world.auth("coordinator"))
    assert restore.status_code == 422 and restore.json()["error"] == "merged"
    dups = client.get("/api/leads/duplicates", headers=world.auth("coordinator")).json()
    assert dups["total"] == 0
    # Merging again is harmless.
    assert _merge(client, world, survivor, other).status_code == 200


def test_who_may_merge(client: TestClient, world: World, db: Session) -> None:
    a = create_lead(client, world)
    b = create_lead(client, world)
    assert _merge(client, world, a["id"], b["id"], who="agent").status_code == 403
    assert _merge(client, world, a["id"], b["id"], who="coordinator2").status_code == 404
    r = _merge(client, world, a["id"], a["id"])
    assert r.status_code == 422 and r.json()["error"] == "same_lead"
    assert _merge(client, world, a["id"], str(uuid.uuid4())).status_code == 404
    # A lead of another team cannot be merged away by Brussels' coordinator.
    antwerp = create_lead(client, world, "agent2")
    assert _merge(client, world, a["id"], antwerp["id"]).status_code == 404
    phone = Phone(client, world.auth("agent"))
    m = phone.mutation("lead.merge", {"id": a["id"], "other_id": b["id"]})
    [result] = phone.push([m])["results"]
    assert result["status"] == "rejected" and result["code"] == "permission_denied"
    for lead in (a, b):
        row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
        assert row is not None and row.deleted_at is None
    assert _merge(client, world, a["id"], b["id"], who="admin").status_code == 200


def test_conflicts_of_the_merged_away_lead_follow_it(
    client: TestClient, world: World, db: Session
) -> None:
    """A value that lost a race on the other record is still the person's: after the merge
    it is a conflict of the survivor, in the coordinator's list, never of the tombstone."""
    survivor, other, phone = _pair(client, world, db)
    r = client.patch(
        f"/api/leads/{other}", json={"commune": "Jette"}, headers=world.auth("coordinator")
    )
    assert r.status_code == 200, r.text
    # The phone edited the commune offline, before the coordinator: it loses, kept aside.
    stale = f"{phone.wall_ms - 60_000:013d}-0000-{phone.client}"
    late = phone.mutation("lead.patch", {"id": other, "set": {"commune": "Ixelles"}}, hlc=stale)
    assert phone.push([late])["results"][0]["status"] == "applied"
    assert count(db, SyncConflict, entity_id=uuid.UUID(other)) == 1

    assert _merge(client, world, survivor, other).status_code == 200
    db.expire_all()
    assert count(db, SyncConflict, entity_id=uuid.UUID(other)) == 0
    [moved] = db.exec(select(SyncConflict).where(SyncConflict.entity_id == uuid.UUID(survivor)))
    assert (moved.field, moved.losing_value, moved.resolved_at) == ("commune", "Ixelles", None)
    listed = client.get("/api/sync/conflicts", headers=world.auth("coordinator")).json()
    assert [c["entity_id"] for c in listed["items"]] == [survivor]
    # And it can be picked on the survivor.
    on_lead = client.get(f"/api/leads/{survivor}/conflicts", headers=world.auth("coordinator"))
    assert [c["losing_value"] for c in on_lead.json()["items"]] == ["Ixelles"]
