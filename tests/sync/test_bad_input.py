"""Issue 8's examples through sync (the classes are probed in tests/robustness): another
team's ids are answered like unknown ones, a lead keeps a phone or an e-mail, a follow-up's
kind is one REST accepts, dates stay in the world, text holds no control characters."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import Session, col

from api.interactions.models import Interaction
from api.leads.models import Lead
from tests.conftest import World
from tests.sync.conftest import PhoneFactory, count
from tests.sync.helpers import Phone, lead_fields


def _one(phone: Phone, name: str, args: dict[str, Any]) -> dict[str, Any]:
    [result] = phone.push([phone.mutation(name, args)])["results"]
    return dict(result)


def _antwerp(phone: PhoneFactory) -> dict[str, str]:
    """A lead with an interaction, a session and a venue of the Antwerp team."""
    p = phone("agent2")
    lead, interaction, session, venue = (str(uuid.uuid4()) for _ in range(4))
    p.push(
        [
            p.create_lead(uuid.UUID(lead)),
            p.mutation(
                "interaction.add",
                {
                    "id": interaction,
                    "lead_id": lead,
                    "kind": "conversation",
                    "occurred_at": "2026-11-20T10:00:00Z",
                },
            ),
            p.mutation(
                "session.create",
                {
                    "id": session,
                    "fields": {"channel": "coffee_stand", "started_at": "2026-11-20T09:00:00Z"},
                },
            ),
            p.mutation("venue.create", {"id": venue, "fields": {"name": "Antwerp shop"}}),
        ]
    )
    return {"lead": lead, "interaction": interaction, "session_id": session, "venue_id": venue}


@pytest.mark.parametrize("column", ["session_id", "venue_id"])
def test_another_teams_reference_is_rejected_like_a_made_up_one(
    phone: PhoneFactory, db: Session, column: str
) -> None:
    theirs = _antwerp(phone)[column]
    p = phone("agent")
    made_up = _one(p, "lead.create", {"id": str(uuid.uuid4()), "fields": _fields(column, None)})
    invisible = _one(p, "lead.create", {"id": str(uuid.uuid4()), "fields": _fields(column, theirs)})
    assert made_up["status"] == invisible["status"] == "rejected"
    assert {k: v for k, v in made_up.items() if k != "id"} == {
        k: v for k, v in invisible.items() if k != "id"
    }
    lead = str(uuid.uuid4())
    p.push([p.create_lead(uuid.UUID(lead))])
    patched = _one(p, "lead.patch", {"id": lead, "set": {column: theirs}})
    assert {k: v for k, v in patched.items() if k != "id"} == {
        k: v for k, v in made_up.items() if k != "id"
    }


def _fields(column: str, value: str | None) -> dict[str, Any]:
    return lead_fields(**{column: value or str(uuid.uuid4())})


def test_interaction_add_with_another_teams_id_is_not_applied(
    phone: PhoneFactory, db: Session
) -> None:
    theirs = _antwerp(phone)
    p = phone("agent")
    mine = str(uuid.uuid4())
    p.push([p.create_lead(uuid.UUID(mine))])
    args = {"lead_id": mine, "kind": "conversation", "occurred_at": "2026-11-21T10:00:00Z"}
    taken = _one(p, "interaction.add", {"id": theirs["interaction"], **args})
    unseen_lead = _one(
        p, "interaction.add", {**args, "id": str(uuid.uuid4()), "lead_id": theirs["lead"]}
    )
    assert taken["status"] == "rejected" and taken["code"] == unseen_lead["code"] == "not_found"
    row = db.get(Interaction, uuid.UUID(theirs["interaction"]), populate_existing=True)
    assert row is not None and str(row.lead_id) == theirs["lead"]


@pytest.mark.parametrize("change", [{"phone": None, "email": None}, {"phone": None}])
def test_lead_patch_keeps_a_phone_or_an_email(
    phone: PhoneFactory, db: Session, change: dict[str, Any]
) -> None:
    p = phone("agent")
    lead = uuid.uuid4()
    p.push([p.create_lead(lead)])  # a phone, no e-mail
    result = _one(p, "lead.patch", {"id": str(lead), "set": change})
    assert result["status"] == "rejected" and result["code"] == "contact_required"
    row = db.get(Lead, lead, populate_existing=True)
    assert row is not None and row.phone == "+32470123456"


def test_followup_kind_is_checked_like_rest(phone: PhoneFactory, db: Session) -> None:
    p = phone("agent")
    lead = uuid.uuid4()
    p.push([p.create_lead(lead)])
    args = {"id": str(uuid.uuid4()), "lead_id": str(lead), "due_on": "2027-01-05"}
    bad = _one(p, "followup.create", {**args, "kind": "<script>"})
    assert bad["status"] == "rejected" and bad["code"] == "invalid_input"
    assert "kind" in bad["detail"]
    good = _one(p, "followup.create", {**args, "id": str(uuid.uuid4()), "kind": "visit"})
    assert good["status"] == "applied"


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z"])
def test_interaction_dates_stay_in_the_world(
    phone: PhoneFactory, db: Session, world: World, when: str
) -> None:
    p = phone("agent")
    lead = uuid.uuid4()
    p.push([p.create_lead(lead)])
    before = db.get(Lead, lead, populate_existing=True)
    assert before is not None
    touched = before.last_touch_at
    args = {"id": str(uuid.uuid4()), "lead_id": str(lead), "kind": "call", "occurred_at": when}
    result = _one(p, "interaction.add", args)
    assert result["status"] == "rejected" and result["code"] == "invalid_input"
    after = db.get(Lead, lead, populate_existing=True)
    assert after is not None and after.last_touch_at == touched
    assert count(db, Interaction) == 0 or db.get(Interaction, uuid.UUID(args["id"])) is None


@pytest.mark.parametrize(("value", "ok"), [("Ab\u0000cd", False), ("Ab\tcd", True)])
def test_lead_text_refuses_control_characters(phone: PhoneFactory, value: str, ok: bool) -> None:
    p = phone("agent")
    result = p.push([p.create_lead(first_name=value)])["results"][0]
    if ok:
        assert result["status"] == "applied"
    else:
        assert result["status"] == "rejected" and "control_character" in result["detail"]


def test_a_session_ends_after_it_starts_like_over_rest(phone: PhoneFactory) -> None:
    p = phone("agent")
    session = str(uuid.uuid4())
    fields = {"channel": "coffee_stand", "started_at": "2026-11-20T09:00:00Z"}
    backwards = {**fields, "ended_at": "2026-11-20T08:00:00Z"}
    bad = _one(p, "session.create", {"id": session, "fields": backwards})
    assert bad["status"] == "rejected" and bad["code"] == "ended_before_started"
    assert _one(p, "session.create", {"id": session, "fields": fields})["status"] == "applied"
    bad = _one(p, "session.patch", {"id": session, "set": {"ended_at": "2026-11-20T08:59:00Z"}})
    assert bad["status"] == "rejected" and bad["code"] == "ended_before_started"


def test_a_status_change_cannot_be_voided_like_over_rest(phone: PhoneFactory, db: Session) -> None:
    p = phone("agent")
    lead = uuid.uuid4()
    p.push(
        [
            p.create_lead(lead),
            p.mutation("lead.patch", {"id": str(lead), "set": {"status": "contacted"}}),
        ]
    )
    logged = db.execute(
        select(Interaction).where(
            col(Interaction.lead_id) == lead, col(Interaction.kind) == "status_change"
        )
    ).scalar_one()
    result = _one(p, "interaction.void", {"id": str(logged.id), "reason": "Wrong"})
    assert result["status"] == "rejected" and result["code"] == "status_change_immutable"
    db.refresh(logged)
    assert logged.voided_at is None
