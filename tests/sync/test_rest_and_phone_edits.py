"""A coordinator's REST edit and an agent's offline edit of one lead (issue 11).

Both are lead.patch mutations of the one write path; they differ only in their base. The
phone's base is the stamps it pulled before going offline; a REST edit is based on the lead
as stored when it arrives (the coordinator's screen shows the stored lead), and its stamp
is the server's clock at that moment.

- Different fields: both survive, whichever arrives first.
- The same field, edits concurrent (the phone edited offline from a base older than the
  coordinator's edit): the later stamp wins and the other value is kept as a conflict for a
  coordinator to pick — whether the later one is the coordinator's or the phone's.
- The same field, the phone's edit arriving first: the coordinator then edits the stored
  value, which already is the phone's — an ordinary later edit, not a conflict.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.leads.models import Lead
from tests.conftest import World
from tests.sync.conftest import PhoneFactory
from tests.sync.helpers import Phone, now_ms, stamp


def _lead_on_phone(phone: PhoneFactory) -> tuple[Phone, uuid.UUID, dict[str, str]]:
    """The agent's lead, made ten minutes ago and pulled: the stamps the phone edits from."""
    p = phone()
    p.wall_ms = now_ms() - 600_000
    lead_id = uuid.uuid4()
    p.push([p.create_lead(lead_id, commune="Molenbeek", sector="food")])
    p.pull()
    stamps: dict[str, str] = p.records[("lead", str(lead_id))]["_hlc"]
    return p, lead_id, stamps


def _offline_edit(
    p: Phone, lead_id: uuid.UUID, stamps: dict[str, str], at_ms: int, **values: Any
) -> None:
    base = {f: stamps.get(f, stamps["*"]) for f in values}
    mutation = p.mutation(
        "lead.patch",
        {"id": str(lead_id), "set": values, "base": base},
        hlc=stamp(at_ms, 0, p.client),
    )
    result = p.push([mutation])
    assert result["results"][0]["status"] == "applied", result


def _rest_edit(client: TestClient, world: World, lead_id: uuid.UUID, **values: Any) -> None:
    r = client.patch(f"/api/leads/{lead_id}", json=values, headers=world.auth("coordinator"))
    assert r.status_code == 200, r.text


def _state(
    client: TestClient, world: World, db: Session, lead_id: uuid.UUID
) -> tuple[dict[str, Any], list[tuple[str, Any, Any]]]:
    db.expire_all()
    lead = db.get(Lead, lead_id)
    assert lead is not None
    r = client.get(f"/api/leads/{lead_id}/conflicts", headers=world.auth("coordinator"))
    assert r.status_code == 200, r.text
    conflicts = [(c["field"], c["losing_value"], c["winning_value"]) for c in r.json()["items"]]
    return {"commune": lead.commune, "sector": lead.sector}, conflicts


@pytest.mark.parametrize("first", ["rest", "phone"])
def test_edits_of_different_fields_both_survive(
    first: str, phone: PhoneFactory, client: TestClient, world: World, db: Session
) -> None:
    p, lead_id, stamps = _lead_on_phone(phone)
    offline_at = now_ms() - 60_000  # edited a minute ago, without signal
    edits = {
        "rest": lambda: _rest_edit(client, world, lead_id, sector="retail"),
        "phone": lambda: _offline_edit(p, lead_id, stamps, offline_at, commune="Anderlecht"),
    }
    for who in (first, *(w for w in edits if w != first)):
        edits[who]()
    values, conflicts = _state(client, world, db, lead_id)
    assert values == {"commune": "Anderlecht", "sector": "retail"}
    assert conflicts == []
    # The phone ends with both too.
    p.pull()
    held = p.records[("lead", str(lead_id))]
    assert (held["commune"], held["sector"]) == ("Anderlecht", "retail")


@pytest.mark.parametrize(
    ("phone_offset_ms", "winner", "loser"),
    [
        # The agent edited offline before the coordinator did: the coordinator's is later.
        (-60_000, "Schaerbeek", "Anderlecht"),
        # The agent edited offline after the coordinator (and synced later still).
        (1, "Anderlecht", "Schaerbeek"),
    ],
    ids=["coordinator-later", "phone-later"],
)
def test_concurrent_edits_of_one_field_later_stamp_wins_loser_kept(
    phone_offset_ms: int,
    winner: str,
    loser: str,
    phone: PhoneFactory,
    client: TestClient,
    world: World,
    db: Session,
) -> None:
    p, lead_id, stamps = _lead_on_phone(phone)
    _rest_edit(client, world, lead_id, commune="Schaerbeek")
    # Relative to the coordinator's stamp: the server's clock may run ahead of the wall clock
    # (a phone's stamp up to 5 minutes ahead moves it, earlier tests in this process too).
    db.expire_all()
    lead = db.get(Lead, lead_id)
    assert lead is not None
    rest_ms = int(lead.field_hlc["commune"].split("-", 1)[0])
    at = rest_ms + phone_offset_ms if phone_offset_ms > 0 else now_ms() + phone_offset_ms
    _offline_edit(p, lead_id, stamps, at, commune="Anderlecht")
    values, conflicts = _state(client, world, db, lead_id)
    assert values["commune"] == winner
    assert conflicts == [("commune", loser, winner)]
    p.pull()
    assert p.records[("lead", str(lead_id))]["commune"] == winner


def test_a_coordinator_editing_after_the_phones_edit_arrived_is_no_conflict(
    phone: PhoneFactory, client: TestClient, world: World, db: Session
) -> None:
    p, lead_id, stamps = _lead_on_phone(phone)
    _offline_edit(p, lead_id, stamps, now_ms() - 60_000, commune="Anderlecht")
    _rest_edit(client, world, lead_id, commune="Schaerbeek")
    values, conflicts = _state(client, world, db, lead_id)
    assert values["commune"] == "Schaerbeek" and conflicts == []
