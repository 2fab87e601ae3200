"""Send-back: a coordinator asks the agent for more information, the phone gets it at its
next pull, the agent fixes the lead and answers, the coordinator sees what changed.
The REST endpoints and the pushed mutations are one rule (lead.send_back, lead.answer)."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.leads.models import Lead
from tests.conftest import World
from tests.leads.helpers import create_lead
from tests.sync.helpers import Phone, now_ms


def _send_back(
    client: TestClient, world: World, lead_id: str, who: str = "coordinator", **body: Any
) -> Any:
    return client.post(
        f"/api/leads/{lead_id}/send-back",
        json=body or {"comment": "Which commune? The phone number has a digit missing."},
        headers=world.auth(who),
    )


def _detail(client: TestClient, world: World, lead_id: str, who: str = "coordinator") -> Any:
    r = client.get(f"/api/leads/{lead_id}", headers=world.auth(who))
    assert r.status_code == 200, r.text
    return r.json()


def _fold_in(phone: Phone, pages: list[dict[str, Any]]) -> None:
    """What the app's clock does with a pull's serverHLC: never behind the server's."""
    server_ms = int(pages[-1]["serverHLC"][:13])
    phone.wall_ms, phone.counter = max(now_ms(), server_ms) + 1, 0


def test_the_whole_round_trip_through_the_phone(
    client: TestClient, world: World, db: Session
) -> None:
    phone = Phone(client, world.auth("agent"))
    lead_id = str(uuid.uuid4())
    phone.push([phone.create_lead(uuid.UUID(lead_id), commune=None)])
    phone.pull()

    r = _send_back(client, world, lead_id)
    assert r.status_code == 200, r.text
    assert r.json()["sent_back_at"] is not None and r.json()["answered_at"] is None
    state = _detail(client, world, lead_id)["send_back"]
    assert state["comment"].startswith("Which commune?")
    assert state["by"] == str(world.coordinator.id) and state["by_name"] == "Coordinator"
    assert state["answered_at"] is None and state["changed_fields"] == []

    _fold_in(phone, phone.pull())
    on_phone = phone.of_type("lead")[lead_id]
    assert on_phone["sent_back_note"].startswith("Which commune?")
    assert on_phone["sent_back_at"] is not None and on_phone.get("answered_at") is None

    fix = phone.mutation(
        "lead.patch",
        {"id": lead_id, "set": {"commune": "Schaerbeek"}, "base": {"commune": None}},
    )
    answer = phone.mutation("lead.answer", {"id": lead_id, "note": "Fixed the commune."})
    results = phone.push([fix, answer])["results"]
    assert [x["status"] for x in results] == ["applied", "applied"], results

    state = _detail(client, world, lead_id)["send_back"]
    assert state["answered_at"] is not None and state["answer"] == "Fixed the commune."
    assert state["changed_fields"] == ["commune"]
    listed = client.get("/api/leads?sent_back=answered", headers=world.auth("coordinator"))
    assert [i["id"] for i in listed.json()["items"]] == [lead_id]
    waiting = client.get("/api/leads?sent_back=waiting", headers=world.auth("coordinator"))
    assert waiting.json()["total"] == 0
    phone.pull()
    assert phone.of_type("lead")[lead_id]["answered_at"] is not None


def test_sending_back_again_opens_a_new_round(client: TestClient, world: World) -> None:
    lead = create_lead(client, world)
    assert _send_back(client, world, lead["id"]).status_code == 200
    r = client.post(f"/api/leads/{lead['id']}/answer", json={}, headers=world.auth("agent"))
    assert r.status_code == 200 and r.json()["answered_at"] is not None
    assert _send_back(client, world, lead["id"], comment="And the e-mail?").status_code == 200
    state = _detail(client, world, lead["id"])["send_back"]
    assert state["comment"] == "And the e-mail?" and state["answered_at"] is None
    waiting = client.get("/api/leads?sent_back=waiting", headers=world.auth("coordinator"))
    assert [i["id"] for i in waiting.json()["items"]] == [lead["id"]]


def test_a_second_round_through_the_phone_and_the_rounds_on_the_lead_page(
    client: TestClient, world: World
) -> None:
    """Sent back, answered on the phone, sent back again: the phone gets the new question
    (unanswered), answers it too, and the lead page's timeline holds both rounds."""
    phone = Phone(client, world.auth("agent"))
    lead_id = str(uuid.uuid4())
    phone.push([phone.create_lead(uuid.UUID(lead_id), commune=None)])
    rounds = [("Which commune?", "Schaerbeek."), ("And the e-mail?", None)]
    for question, reply in rounds:
        assert _send_back(client, world, lead_id, comment=question).status_code == 200
        _fold_in(phone, phone.pull())
        on_phone = phone.of_type("lead")[lead_id]
        assert (on_phone["sent_back_note"], on_phone.get("answered_at")) == (question, None)
        answer = phone.mutation("lead.answer", {"id": lead_id, "note": reply})
        assert phone.push([answer])["results"][0]["status"] == "applied"
        state = _detail(client, world, lead_id)["send_back"]
        assert (state["comment"], state["answer"]) == (question, reply)
        assert state["answered_at"] is not None
        phone.pull()
        assert phone.of_type("lead")[lead_id]["answered_at"] is not None
    notes = [
        i["body"]
        for i in sorted(_detail(client, world, lead_id)["timeline"], key=lambda i: i["occurred_at"])
        if i["kind"] == "note"
    ]
    assert notes == [
        "Sent back to the agent:\nWhich commune?",
        "Answered the send-back.\nSchaerbeek.",
        "Sent back to the agent:\nAnd the e-mail?",
        "Answered the send-back.",
    ]
    # An answer older than the latest question answers nothing and logs nothing.
    old = phone.mutation(
        "lead.answer", {"id": lead_id}, hlc=f"{now_ms() - 3_600_000:013d}-0000-{phone.client}"
    )
    assert phone.push([old])["results"][0]["status"] == "applied"
    assert len([i for i in _detail(client, world, lead_id)["timeline"] if i["kind"] == "note"]) == 4


def test_an_answer_made_before_the_send_back_answers_nothing(
    client: TestClient, world: World
) -> None:
    phone = Phone(client, world.auth("agent"))
    lead_id = str(uuid.uuid4())
    phone.push([phone.create_lead(uuid.UUID(lead_id))])
    assert _send_back(client, world, lead_id).status_code == 200
    # Stamped an hour ago: made offline before the coordinator's question.
    old = phone.mutation(
        "lead.answer", {"id": lead_id}, hlc=f"{now_ms() - 3_600_000:013d}-0000-{phone.client}"
    )
    assert phone.push([old])["results"][0]["status"] == "applied"
    assert _detail(client, world, lead_id)["send_back"]["answered_at"] is None


def test_who_may_send_back_and_answer(client: TestClient, world: World, db: Session) -> None:
    lead = create_lead(client, world)
    # Antwerp's coordinator does not see a Brussels lead; agents do not send back.
    assert _send_back(client, world, lead["id"], who="coordinator2").status_code == 404
    assert _send_back(client, world, lead["id"], who="agent").status_code == 403
    assert _send_back(client, world, lead["id"], comment="   ").status_code == 422
    assert _send_back(client, world, str(uuid.uuid4())).status_code == 404
    r = client.post(f"/api/leads/{lead['id']}/answer", json={}, headers=world.auth("agent"))
    assert r.status_code == 409 and r.json()["error"] == "not_sent_back"
    row = db.get(Lead, uuid.UUID(lead["id"]), populate_existing=True)
    assert row is not None and row.sent_back_at is None
    # A lead a coordinator made has no agent to send it back to.
    own = create_lead(client, world, "coordinator")
    r = _send_back(client, world, own["id"])
    assert r.status_code == 409 and r.json()["error"] == "no_agent"
    # Pushed by an agent's phone: refused and kept, like any refused mutation.
    phone = Phone(client, world.auth("agent"))
    m = phone.mutation("lead.send_back", {"id": lead["id"], "comment": "Me?"})
    [result] = phone.push([m])["results"]
    assert result["status"] == "rejected" and result["code"] == "permission_denied"


def test_the_assignee_gets_it_rather_than_the_creator(client: TestClient, world: World) -> None:
    lead = create_lead(client, world, "coordinator")
    r = client.post(
        f"/api/leads/{lead['id']}/assign",
        json={"agent_id": str(world.agent.id)},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 200
    assert _send_back(client, world, lead["id"]).status_code == 200
    phone = Phone(client, world.auth("agent"))
    phone.pull()
    assert phone.of_type("lead")[lead["id"]]["sent_back_note"] is not None
