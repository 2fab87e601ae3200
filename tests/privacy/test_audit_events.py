"""PD-6 audit: each role change and device revocation writes exactly one audit row, with no
personal field (the person changed is a staff id, never their name or e-mail)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlmodel import Session

from api.audit.models import AuditEvent
from api.users.models import Device
from tests.conftest import World


def _events(db: Session, action: str) -> list[tuple[str | None, str | None]]:
    rows = db.execute(select(AuditEvent).where(AuditEvent.action == action)).scalars()
    return [(e.object_ref, str(e.actor_id)) for e in rows]


def test_pd_6_role_changes_and_revocations_are_audited_once(
    client: TestClient, world: World, db: Session
) -> None:
    admin = world.auth("admin")
    me = str(world.admin.id)
    r = client.patch(
        f"/api/admin/users/{world.agent.id}", json={"role": "coordinator"}, headers=admin
    )
    assert r.status_code == 200, r.text
    # The same role again is no change: nothing more is audited.
    client.patch(f"/api/admin/users/{world.agent.id}", json={"role": "coordinator"}, headers=admin)
    assert _events(db, "user.role") == [(str(world.agent.id), me)]
    device = db.execute(select(Device).where(Device.user_id == world.agent2.id)).scalars().first()
    assert device is not None
    r = client.post(f"/api/admin/devices/{device.id}/revoke", json={"wipe": True}, headers=admin)
    assert r.status_code == 200, r.text
    assert _events(db, "device.revoke") == [(str(device.id), me)]
    r = client.post(f"/api/admin/users/{world.coordinator2.id}/disable", headers=admin)
    assert r.status_code == 200, r.text
    assert _events(db, "user.disable") == [(str(world.coordinator2.id), me)]
    everything = " ".join(
        str(v) for e in db.execute(select(AuditEvent)).scalars() for v in e.model_dump().values()
    )
    for personal in (world.agent.email, world.agent.name, world.coordinator2.email):
        assert personal not in everything
