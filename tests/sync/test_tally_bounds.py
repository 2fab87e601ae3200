"""One bound for a tally increment on both write paths (api/fields.py TallyDelta): the
phone's +1 and its undo -1, a count entered afterwards up to TALLY_MAX, a correction down
to -TALLY_MAX; zero and anything beyond are refused by REST and by the mutator alike."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from api.fields import TALLY_MAX
from tests.conftest import World
from tests.sync.conftest import PhoneFactory

STAND = {"channel": "coffee_stand", "started_at": "2026-11-20T09:00:00Z"}
DELTAS = [-TALLY_MAX - 1, -TALLY_MAX, -1, 0, 1, TALLY_MAX, TALLY_MAX + 1]


def test_rest_and_sync_accept_the_same_tally_deltas(
    client: TestClient, world: World, phone: PhoneFactory
) -> None:
    p = phone("agent")
    session = str(uuid.uuid4())
    [created] = p.push([p.mutation("session.create", {"id": session, "fields": STAND})])["results"]
    assert created["status"] == "applied"
    rest, sync = {}, {}
    for delta in DELTAS:
        r = client.post(
            f"/api/sessions/{session}/tallies",
            json={"kind": "coffees", "delta": delta},
            headers=world.auth("agent"),
        )
        rest[delta] = r.status_code == 201
        args = {
            "id": str(uuid.uuid4()),
            "session_id": session,
            "kind": "conversations",
            "delta": delta,
            "occurred_at": "2026-11-20T10:00:00Z",
        }
        [result] = p.push([p.mutation("tally.add", args)])["results"]
        sync[delta] = result["status"] == "applied"
    accepted = {d: -TALLY_MAX <= d <= TALLY_MAX and d != 0 for d in DELTAS}
    assert rest == sync == accepted
    totals = client.get(f"/api/sessions/{session}", headers=world.auth("agent")).json()["totals"]
    assert totals["coffees"] == totals["conversations"] == 0  # -500, -1, +1, +500
