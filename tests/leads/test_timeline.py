"""Lead detail: timeline newest first, open follow-ups, consent summary, never markers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from tests.conftest import World
from tests.leads.helpers import CONSENT, SHA, create_lead


def test_detail_has_timeline_followups_and_consent(client: TestClient, world: World) -> None:
    consent = dict(CONSENT, purposes=["contact", "sensitive_markers"], language="nl")
    lead = create_lead(client, world, consent=consent, markers={"migrant_background": "yes"})
    url = f"/api/leads/{lead['id']}"
    now = datetime.now(UTC)
    for hours, kind in ((5, "visit"), (1, "call"), (3, "note")):
        when = (now - timedelta(hours=hours)).isoformat()
        r = client.post(
            f"{url}/interactions",
            json={"kind": kind, "occurred_at": when},
            headers=world.auth("agent"),
        )
        assert r.status_code == 201, r.text
    done = client.post(
        f"{url}/followups", json={"due_on": "2030-01-01"}, headers=world.auth("agent")
    ).json()
    client.patch(f"/api/followups/{done['id']}", json={"done": True}, headers=world.auth("agent"))

    r = client.get(url, headers=world.auth("coordinator"))
    assert r.status_code == 200
    body = r.json()
    assert [i["kind"] for i in body["timeline"]] == ["call", "note", "visit"]
    assert [f["kind"] for f in body["followups"]] == ["call"]  # the 48 h call; done one hidden
    assert body["consent"]["purposes"] == ["contact", "sensitive_markers"]
    assert body["consent"]["language"] == "nl" and body["consent"]["channel"] == "agent"
    assert SHA not in r.text
    assert "migrant" not in r.text, r.text
    assert "markers" not in body
    assert "field_hlc" not in body and "deleted_at" not in body
