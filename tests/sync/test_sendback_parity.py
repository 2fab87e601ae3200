"""Assign, send-back and merge are one rule each (issue 11): the REST call and the same
mutation pushed by a device leave the same rows, stamps and push messages behind."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.interactions.models import Interaction
from api.leads.models import Lead
from api.push.models import PushOutbox
from tests.conftest import World
from tests.leads.helpers import create_lead
from tests.sync.helpers import Phone

# Columns that differ between any two writes (ids, times, versions, stamps' values).
_VOLATILE = {
    "id",
    "version",
    "created_at",
    "updated_at",
    "first_touch_at",
    "last_touch_at",
    "status_changed_at",
    "sent_back_at",
    "sent_back_hlc",
    "answered_at",
    "deleted_at",
    "merged_into",
    "field_hlc",
}


def _row(db: Session, lead_id: str) -> dict[str, Any]:
    lead = db.get(Lead, uuid.UUID(lead_id), populate_existing=True)
    assert lead is not None
    values = {k: v for k, v in lead.model_dump().items() if k not in _VOLATILE}
    # Times differ between two writes; whether each is set must not.
    values.update(
        {
            k: v is not None
            for k, v in lead.model_dump().items()
            if k.endswith("_at") or k == "merged_into"
        }
    )
    values["stamped"] = sorted(lead.field_hlc)
    return values


def _pair(client: TestClient, world: World) -> tuple[str, str]:
    return create_lead(client, world)["id"], create_lead(client, world)["id"]


def test_assign_and_send_back_leave_the_same_rows_either_way(
    client: TestClient, world: World, db: Session
) -> None:
    by_rest, by_push = _pair(client, world)
    tablet = Phone(client, world.auth("coordinator"))
    agent = str(world.agent2.id)
    # The admin assigns across teams (agent2 is in Antwerp); the coordinator sends back.
    admin = Phone(client, world.auth("admin"))
    r = client.post(
        f"/api/leads/{by_rest}/assign", json={"agent_id": agent}, headers=world.auth("admin")
    )
    assert r.status_code == 200, r.text
    m = admin.mutation("lead.assign", {"id": by_push, "agent_id": agent})
    assert admin.push([m])["results"][0]["status"] == "applied"
    comment = {"comment": "Quel est le projet ?"}
    r = client.post(
        f"/api/leads/{by_rest}/send-back", json=comment, headers=world.auth("coordinator")
    )
    assert r.status_code == 200, r.text
    m = tablet.mutation("lead.send_back", {"id": by_push, **comment})
    assert tablet.push([m])["results"][0]["status"] == "applied"
    rest, pushed = _row(db, by_rest), _row(db, by_push)
    assert rest == pushed
    assert rest["assigned_to"] == world.agent2.id and rest["sent_back_note"] == comment["comment"]
    assert "assigned_to" in rest["stamped"]
    kinds = {
        lead_id: sorted(
            o.kind
            for o in db.exec(select(PushOutbox).where(PushOutbox.lead_id == uuid.UUID(lead_id)))
        )
        for lead_id in (by_rest, by_push)
    }
    assert kinds[by_rest] == kinds[by_push]


def test_merge_leaves_the_same_rows_either_way(
    client: TestClient, world: World, db: Session
) -> None:
    outcomes = []
    tablet = Phone(client, world.auth("coordinator"))
    for how in ("rest", "push"):
        survivor, other = _pair(client, world)
        for lead_id in (survivor, other):
            r = client.post(
                f"/api/leads/{lead_id}/interactions",
                json={"kind": "call", "body": "Rappel"},
                headers=world.auth("agent"),
            )
            assert r.status_code == 201, r.text
        if how == "rest":
            r = client.post(
                f"/api/leads/{survivor}/merge",
                json={"other_id": other},
                headers=world.auth("coordinator"),
            )
            assert r.status_code == 200, r.text
        else:
            m = tablet.mutation("lead.merge", {"id": survivor, "other_id": other})
            assert tablet.push([m])["results"][0]["status"] == "applied"
        moved = db.exec(
            select(Interaction).where(col(Interaction.lead_id) == uuid.UUID(survivor))
        ).all()
        outcomes.append((_row(db, survivor), _row(db, other), sorted(i.kind for i in moved)))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][2].count("call") == 2
