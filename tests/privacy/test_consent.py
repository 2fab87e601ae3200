"""PD-1 consent withdrawal: as easy as giving it (the agent's phone, a coordinator, the
person's own link), it erases the markers and the lead leaves phones' copies renewed at
their next pull; each consent change writes one audit row."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlmodel import Session

from api.audit.models import AuditEvent
from api.config import Settings
from api.followups.models import Followup
from api.leads.models import Consent, Lead, LeadMarker
from api.privacy.links import consent_url, token_for
from api.privacy.models import PrivacyRequest
from api.privacy.pseudonym import pseudonym
from tests.conftest import World
from tests.privacy.conftest import PhoneFactory, canary_fields
from tests.sync.helpers import Phone


def _person(agent: Phone) -> uuid.UUID:
    lead_id = uuid.uuid4()
    out = agent.push(
        [agent.mutation("lead.create", {"id": str(lead_id), "fields": canary_fields()})]
    )
    assert out["results"][0]["status"] == "applied"
    return lead_id


def _audits(db: Session, lead_id: uuid.UUID) -> int:
    return db.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "consent.withdraw", AuditEvent.object_ref == pseudonym(lead_id))
    ).scalar_one()


def test_pd_1_withdrawal_from_the_phone_erases_the_markers(
    db: Session, phone: PhoneFactory
) -> None:
    agent = phone("agent")
    lead_id = _person(agent)
    agent.pull()
    before = agent.of_type("lead")[str(lead_id)]["version"]
    assert db.get(LeadMarker, lead_id) is not None
    args = {"id": str(lead_id), "purposes": ["markers"]}
    assert (
        agent.push([agent.mutation("consent.withdraw", args)])["results"][0]["status"] == "applied"
    )
    db.expire_all()
    assert db.get(LeadMarker, lead_id) is None
    consent = db.execute(select(Consent).where(Consent.lead_id == lead_id)).scalar_one()
    assert consent.withdrawn_at is not None and consent.withdrawn_purposes == ["markers"]
    assert _audits(db, lead_id) == 1
    # Every phone holding the lead gets it again at its next pull, without any marker.
    agent.pull()
    value = agent.of_type("lead")[str(lead_id)]
    assert value["version"] > before
    assert not {"gender", "age_band", "migrant_background", "markers"} & set(value)


def test_pd_1_a_coordinator_withdraws_the_sensitive_marker_only(
    client: TestClient, world: World, db: Session, phone: PhoneFactory
) -> None:
    lead_id = _person(phone("agent"))
    r = client.post(
        f"/api/leads/{lead_id}/consent/withdraw",
        json={"purposes": ["sensitive_markers"]},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 204, r.text
    db.expire_all()
    markers = db.get(LeadMarker, lead_id)
    assert markers is not None and markers.migrant_background is None
    assert markers.gender == "woman"
    # Someone from another team cannot, and learns nothing.
    other = client.post(
        f"/api/leads/{lead_id}/consent/withdraw",
        json={"purposes": ["markers"]},
        headers=world.auth("coordinator2"),
    )
    assert other.status_code == 404
    assert _audits(db, lead_id) == 1


def test_pd_1_withdrawing_contact_stops_the_calls(
    client: TestClient, world: World, db: Session, phone: PhoneFactory
) -> None:
    lead_id = _person(phone("agent"))
    r = client.post(
        f"/api/leads/{lead_id}/consent/withdraw",
        json={"purposes": ["contact"]},
        headers=world.auth("agent"),
    )
    assert r.status_code == 204
    db.expire_all()
    lead = db.get(Lead, lead_id)
    assert lead is not None and lead.status == "withdrawn"
    open_calls = db.execute(
        select(func.count())
        .select_from(Followup)
        .where(
            Followup.lead_id == lead_id,
            Followup.done_at.is_(None),  # type: ignore[union-attr]
        )
    ).scalar_one()
    assert open_calls == 0


def test_pd_1_the_person_withdraws_on_their_own_page(
    client: TestClient, world: World, db: Session, phone: PhoneFactory, settings: Settings
) -> None:
    lead_id = _person(phone("agent"))
    link = client.get(f"/api/leads/{lead_id}/consent-link?lang=ar", headers=world.auth("agent"))
    assert link.json()["url"] == consent_url(lead_id, "ar", settings)
    path = "/ar/consent/" + token_for(lead_id, settings)
    page = client.get(path)
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text and "موافقتك" in page.text
    assert set(re.findall(r'name="purposes" value="(\w+)"', page.text)) == {
        "contact",
        "markers",
        "sensitive_markers",
    }
    # Nothing ticked: refused, nothing changes.
    assert client.post(path, data={}).status_code == 422
    assert db.get(LeadMarker, lead_id) is not None
    done = client.post(path, data={"purposes": ["markers"], "erase": "1"})
    assert done.status_code == 200 and "تم." in done.text
    db.expire_all()
    assert db.get(LeadMarker, lead_id) is None
    requests = db.execute(
        select(PrivacyRequest.kind, PrivacyRequest.status, PrivacyRequest.channel).where(
            PrivacyRequest.lead_id == lead_id
        )
    ).all()
    assert sorted(requests) == [("erasure", "open", "self"), ("withdrawal", "done", "self")]
    assert _audits(db, lead_id) == 1


def test_a_forged_or_altered_link_is_refused(
    client: TestClient, world: World, phone: PhoneFactory, settings: Settings
) -> None:
    lead_id = _person(phone("agent"))
    token = token_for(lead_id, settings)
    forged = token_for(uuid.uuid4(), settings)[:22] + token[22:]
    # Every other spelling of the last character: those that differ only in its two spare
    # bits decode to the same bytes, and must be refused all the same.
    spellings = [token[:-1] + c for c in "AEIMQUYcgkosw048BCDb" if c != token[-1]]
    for bad in (forged, *spellings, "x" * 43, "short"):
        assert client.get(f"/fr/consent/{bad}").status_code == 404
        assert client.post(f"/fr/consent/{bad}", data={"purposes": ["markers"]}).status_code == 404
    assert client.get(f"/xx/consent/{token}").status_code == 404
