"""Audit: one row per view of a person's detail, no personal fields, append-only."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import exc, func, text
from sqlmodel import Session, col, select

from api.audit.models import AuditEvent
from api.privacy.pseudonym import pseudonym
from tests.conftest import World
from tests.leads.helpers import create_lead


def _views(db: Session, lead_id: str) -> int:
    return db.execute(
        select(func.count())
        .select_from(AuditEvent)
        .where(
            col(AuditEvent.action) == "lead.view",
            col(AuditEvent.object_ref) == pseudonym(uuid.UUID(lead_id)),
        )
    ).scalar_one()


def test_each_detail_view_writes_exactly_one_audit_row(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world)
    assert _views(db, lead["id"]) == 0
    for n in (1, 2):
        assert client.get(f"/api/leads/{lead['id']}", headers=world.auth("coordinator")).is_success
        assert _views(db, lead["id"]) == n
    ref = pseudonym(uuid.UUID(lead["id"]))
    row = db.execute(select(AuditEvent).where(col(AuditEvent.object_ref) == ref)).scalars()
    event = next(iter(row))
    # The person is named by pseudonym, not by their lead id.
    assert event.object_type == "person" and lead["id"] not in str(event.object_ref)
    assert event.actor_id == world.coordinator.id
    # No personal field is copied into the audit trail.
    assert lead["first_name"] not in " ".join(str(v) for v in event.model_dump().values())


def test_a_denied_view_is_not_audited_as_a_view(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world)
    assert client.get(f"/api/leads/{lead['id']}", headers=world.auth("agent2")).status_code == 404
    assert _views(db, lead["id"]) == 0


def test_audit_rows_cannot_be_changed_or_deleted(
    client: TestClient, world: World, db: Session
) -> None:
    lead = create_lead(client, world)
    client.get(f"/api/leads/{lead['id']}", headers=world.auth("coordinator"))
    for statement in ("UPDATE audit_event SET action = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(exc.DBAPIError), db.begin_nested():
            db.execute(text(statement))
    assert _views(db, lead["id"]) == 1
