"""PD-4 erasure: after it, a scan of every table and text column finds 0 traces of the
person; tombstones remove them from phones; the audit keeps a pseudonymous reference only."""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.audit.models import AuditEvent
from api.config import Settings
from api.privacy.models import Erasure
from api.privacy.pseudonym import pseudonym
from tests.conftest import World
from tests.privacy.conftest import PhoneFactory, canary_fields
from tests.privacy.scan import id_traces, text_traces
from tests.support import canary
from tests.sync.helpers import Phone, lead_fields

TRACES = (
    canary.FIRST,
    canary.LAST,
    canary.PHONE,
    canary.PHONE_NATIONAL,
    canary.EMAIL,
    canary.IDEA,
    canary.NOTE,
)
# Rows the phones still need to drop the person: their own ids, nothing else.
TOMBSTONE_KEYS = {
    ("lead", "id"),
    ("interaction", "id"),
    ("interaction", "lead_id"),
    ("followup", "id"),
    ("followup", "lead_id"),
}


def _person_everywhere(agent: Phone, other: Phone) -> dict[str, Any]:
    """The person, entered on a phone, with their traces in every kind of place."""
    lead_id, interaction_id, followup_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    other_lead, venue_id = uuid.uuid4(), uuid.uuid4()
    full_name = f"{canary.FIRST} {canary.LAST}"
    out = agent.push(
        [
            agent.mutation("lead.create", {"id": str(lead_id), "fields": canary_fields()}),
            agent.mutation(
                "interaction.add",
                {
                    "id": str(interaction_id),
                    "lead_id": str(lead_id),
                    "kind": "call",
                    "occurred_at": "2026-12-01T10:00:00+00:00",
                    "body": canary.NOTE,
                },
            ),
            agent.mutation(
                "followup.create",
                {
                    "id": str(followup_id),
                    "lead_id": str(lead_id),
                    "due_on": "2026-12-20",
                    "note": canary.NOTE,
                },
            ),
            # Refused (unknown kind), stored with its args: the person's note in it.
            agent.mutation(
                "interaction.add",
                {
                    "id": str(uuid.uuid4()),
                    "lead_id": str(lead_id),
                    "kind": "telepathy",
                    "occurred_at": "2026-12-01T10:00:00+00:00",
                    "body": canary.NOTE,
                },
            ),
            # Other records that mention the person.
            agent.mutation(
                "lead.create",
                {
                    "id": str(other_lead),
                    "fields": lead_fields(
                        first_name="Other", project_idea=f"Partner of {full_name}"
                    ),
                },
            ),
            agent.mutation(
                "venue.create",
                {
                    "id": str(venue_id),
                    "fields": {
                        "name": "Épicerie du coin",
                        "notes": f"Ask for {canary.PHONE_NATIONAL}",
                    },
                },
            ),
        ]
    )
    assert [r["status"] for r in out["results"]] == ["applied"] * 3 + ["rejected"] + ["applied"] * 2
    # Two phones edit the same field offline: the loser is kept as a conflict.
    base = {"project_idea": None}
    for who, idea in ((agent, f"{canary.IDEA} v2"), (other, f"{canary.IDEA} v3")):
        args = {"id": str(lead_id), "set": {"project_idea": idea}, "base": base}
        assert who.push([who.mutation("lead.patch", args)])["results"][0]["status"] == "applied"
    return {
        "lead": lead_id,
        "interaction": interaction_id,
        "followup": followup_id,
        "other_lead": other_lead,
        "venue": venue_id,
    }


def test_pd_4_erasure_leaves_no_trace_anywhere(
    client: TestClient, world: World, db: Session, phone: PhoneFactory, settings: Settings
) -> None:
    agent, peer = phone("agent"), phone("coordinator")
    ids = _person_everywhere(agent, peer)
    agent.pull()
    assert str(ids["lead"]) in agent.of_type("lead")
    conn = db.connection()
    assert {t for t, _c, _n in text_traces(conn, TRACES)} >= {
        "lead",
        "interaction",
        "followup",
        "sync_rejected",
        "sync_conflict",
        "venue",
    }

    r = client.post(f"/api/privacy/leads/{ids['lead']}/erase", headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    assert r.json() == {"erased": 1}

    assert text_traces(conn, [*TRACES, str(ids["lead"])]) == []
    person = [ids["lead"], ids["interaction"], ids["followup"]]
    assert id_traces(conn, person, allowed=TOMBSTONE_KEYS) == []
    # Whoever mentioned them keeps their record, with the mention cut out.
    venue = client.get(f"/api/venues/{ids['venue']}", headers=world.auth("agent")).json()
    assert venue["notes"] == "Ask for […]"

    # The phone drops the person, their contacts and follow-ups at its next pull.
    agent.pull()
    for kind in ("lead", "interaction", "followup"):
        assert str(ids[kind]) not in agent.of_type(kind)
    assert str(ids["other_lead"]) in agent.of_type("lead")

    # The audit trail and the ledger name them by pseudonym only.
    subject = pseudonym(ids["lead"])
    events = db.execute(select(AuditEvent).where(AuditEvent.action == "lead.erase")).scalars()
    assert [(e.object_type, e.object_ref, e.actor_id) for e in events] == [
        ("person", subject, world.admin.id)
    ]
    assert db.get(Erasure, subject) is not None
    log = settings.resolved_erasure_log().read_text().splitlines()
    assert subject in {json.loads(line)["subject"] for line in log}


def test_pd_4_an_offline_phone_cannot_bring_an_erased_person_back(
    client: TestClient, world: World, db: Session, phone: PhoneFactory
) -> None:
    agent, late = phone("agent"), phone("agent")
    lead_id = uuid.uuid4()
    agent.push([agent.mutation("lead.create", {"id": str(lead_id), "fields": canary_fields()})])
    assert client.post(
        f"/api/privacy/leads/{lead_id}/erase", headers=world.auth("admin")
    ).json() == {"erased": 1}
    # A phone that was offline still holds the person and pushes edits and a re-create.
    out = late.push(
        [
            late.mutation("lead.patch", {"id": str(lead_id), "set": {"last_name": canary.LAST}}),
            late.mutation("lead.create", {"id": str(lead_id), "fields": canary_fields()}),
            late.mutation(
                "interaction.add",
                {
                    "id": str(uuid.uuid4()),
                    "lead_id": str(lead_id),
                    "kind": "call",
                    "occurred_at": "2026-12-01T10:00:00+00:00",
                    "body": canary.NOTE,
                },
            ),
        ]
    )
    assert [(r["status"], r.get("code")) for r in out["results"]] == [("rejected", "erased")] * 3
    assert text_traces(db.connection(), TRACES) == []
    # Nobody restores an erased lead, and a second erasure changes nothing.
    admin = world.auth("admin")
    assert client.post(f"/api/leads/{lead_id}/restore", headers=admin).status_code == 404
    again = client.post(f"/api/privacy/leads/{lead_id}/erase", headers=admin)
    assert again.status_code == 200 and again.json() == {"erased": 0}


def test_only_admins_erase(client: TestClient, world: World, phone: PhoneFactory) -> None:
    agent = phone("agent")
    lead_id = uuid.uuid4()
    agent.push([agent.mutation("lead.create", {"id": str(lead_id), "fields": canary_fields()})])
    for who in ("agent", "coordinator"):
        r = client.post(f"/api/privacy/leads/{lead_id}/erase", headers=world.auth(who))
        assert r.status_code == 403
    # Pushed from a phone, the mutator refuses too.
    out = agent.push([agent.mutation("lead.erase", {"id": str(lead_id)})])
    assert out["results"][0]["code"] == "permission_denied"
    lead = client.get(f"/api/leads/{lead_id}", headers=world.auth("agent")).json()
    assert lead["first_name"] == canary.FIRST
