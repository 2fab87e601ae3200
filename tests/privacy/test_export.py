"""PD-3 access export of one person: JSON and readable HTML covering 100 % of the columns
tagged personal, audited with its row count."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from api.audit.models import AuditEvent
from api.privacy.catalog import LEAD_LINKS, table
from api.privacy.pseudonym import pseudonym
from sync.personal import personal_columns
from tests.conftest import World
from tests.privacy.conftest import PhoneFactory, canary_fields
from tests.support import canary


def _person(phone: PhoneFactory) -> uuid.UUID:
    agent = phone("agent")
    lead_id = uuid.uuid4()
    agent.push(
        [
            agent.mutation("lead.create", {"id": str(lead_id), "fields": canary_fields()}),
            agent.mutation(
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
    return lead_id


def test_pd_3_access_export_covers_every_personal_column(
    client: TestClient, world: World, db: Session, phone: PhoneFactory
) -> None:
    lead_id = _person(phone)
    r = client.get(f"/api/privacy/leads/{lead_id}/export", headers=world.auth("admin"))
    assert r.status_code == 200, r.text
    export = r.json()
    assert export["subject"] == pseudonym(lead_id)
    conn = db.connection()
    covered = 0
    for name, (column, _how) in LEAD_LINKS.items():
        t = table(name)
        stored = conn.execute(select(t).where(t.c[column] == lead_id)).mappings().all()
        assert len(export["tables"][name]) == len(stored), name
        for row, exported in zip(stored, export["tables"][name], strict=True):
            for c in personal_columns(t):
                value = row[c.name]
                got = exported["personal"][c.name]
                assert got == (str(value) if isinstance(value, uuid.UUID) else value), c.name
                covered += 1
    assert covered >= 20
    text = r.text
    for value in (canary.FIRST, canary.LAST, canary.PHONE, canary.EMAIL, canary.IDEA, canary.NOTE):
        assert value in text
    assert export["tables"]["lead_marker"][0]["personal"]["migrant_background"] == "yes"
    # Audited once, with its row count, naming the person by pseudonym.
    events = (
        db.execute(select(AuditEvent).where(AuditEvent.action == "lead.access_export"))
        .scalars()
        .all()
    )
    assert [(e.object_ref, e.row_count) for e in events] == [
        (pseudonym(lead_id), sum(len(v) for v in export["tables"].values()))
    ]


def test_pd_3_the_readable_export_escapes_what_people_typed(
    client: TestClient, world: World, phone: PhoneFactory
) -> None:
    agent = phone("agent")
    lead_id = uuid.uuid4()
    fields = canary_fields(project_idea='<script>alert("x")</script> & co')
    agent.push([agent.mutation("lead.create", {"id": str(lead_id), "fields": fields})])
    r = client.get(f"/api/privacy/leads/{lead_id}/export.html", headers=world.auth("admin"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert "<script>" not in r.text and "&lt;script&gt;" in r.text
    assert canary.FIRST in r.text and canary.PHONE in r.text


def test_only_admins_export(client: TestClient, world: World, phone: PhoneFactory) -> None:
    lead_id = _person(phone)
    for who in ("agent", "coordinator"):
        r = client.get(f"/api/privacy/leads/{lead_id}/export", headers=world.auth(who))
        assert r.status_code == 403
    missing = client.get(f"/api/privacy/leads/{uuid.uuid4()}/export", headers=world.auth("admin"))
    assert missing.status_code == 404
