"""Attribution codes: the REST API, `/q/{code}` through a language switch to the lead and
its funnel, QR images and the printable sheet."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.codes.models import AttributionCode
from api.partners.models import Partner
from api.sessions.models import OutreachSession
from api.venues.models import Venue
from sync.sqltypes import utcnow
from tests.conftest import World
from tests.intake.helpers import answers, post_form, self_intakes, token_of


def create(client: TestClient, world: World, who: str = "coordinator", **body: Any) -> Any:
    return client.post("/api/codes", json=body, headers=world.auth(who))


def test_coordinators_make_codes_of_every_kind(
    client: TestClient, world: World, db: Session
) -> None:
    partner = Partner(organisation_id=world.org.id, name="Actiris", kind="employment_service")
    db.add(partner)
    db.commit()
    made = [
        create(client, world, kind="agent", agent_id=str(world.agent.id), language="ar"),
        create(client, world, kind="partner", partner_id=str(partner.id)),
        create(client, world, kind="campaign", campaign="Ramadan 2026", label="Cup sleeves"),
    ]
    assert [r.status_code for r in made] == [201, 201, 201], [r.text for r in made]
    agent_code = made[0].json()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{6}", agent_code["code"])
    assert agent_code["url"].endswith(f"/q/{agent_code['code']}")
    assert agent_code["team_id"] == str(world.brussels.id)
    assert (agent_code["scans"], agent_code["submissions"]) == (0, 0)
    assert made[1].json()["partner_id"] == str(partner.id)
    assert made[2].json()["campaign"] == "Ramadan 2026"
    listed = client.get("/api/codes", headers=world.auth("coordinator")).json()
    assert listed["total"] == 3
    # Another team's coordinator sees none of them; an agent may not make codes.
    assert client.get("/api/codes", headers=world.auth("coordinator2")).json()["total"] == 0
    other = client.get(f"/api/codes/{agent_code['id']}", headers=world.auth("coordinator2"))
    assert other.status_code == 404
    denied = create(client, world, "agent", kind="campaign", campaign="Mine")
    assert denied.status_code == 403


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"kind": "agent"}, "reference_required"),
        ({"kind": "campaign", "campaign": ""}, "reference_required"),
        ({"kind": "venue", "venue_id": str(uuid.uuid4())}, "unknown_venue"),
        ({"kind": "galaxy", "campaign": "x"}, "enum"),
    ],
)
def test_bad_codes_are_refused_and_nothing_is_made(
    client: TestClient, world: World, db: Session, body: dict[str, Any], code: str
) -> None:
    r = create(client, world, **body)
    assert r.status_code == 422
    payload = r.json()
    found = {f["code"] for f in payload.get("fields", [])} | {payload["error"]}
    assert code in found
    assert db.exec(select(AttributionCode)).all() == []


def test_an_agent_of_another_team_cannot_be_credited(client: TestClient, world: World) -> None:
    r = create(client, world, kind="agent", agent_id=str(world.agent2.id))
    assert r.status_code == 422 and r.json()["error"] == "invalid_assignee"


def test_scan_language_switch_and_submission_reach_the_lead_and_funnel(
    client: TestClient, world: World, db: Session
) -> None:
    code = create(
        client, world, kind="agent", agent_id=str(world.agent.id), language="ar", label="Stand"
    ).json()
    r = client.get(f"/q/{code['code'].lower()}", follow_redirects=False)
    assert r.status_code == 302
    assert r.headers["location"] == f"/ar/intake?c={code['code']}"
    assert r.headers["cache-control"] == "no-store"
    page = client.get(r.headers["location"]).text
    assert f'<input type="hidden" name="c" value="{code["code"]}">' in page
    # The person switches to Dutch: the picker keeps the code.
    switch = re.search(r'<a href="([^"]+)" lang="nl"', page)
    assert switch and switch[1] == f"/nl/intake?c={code['code']}"
    dutch = client.get(switch[1]).text
    assert '<html lang="nl" dir="ltr">' in dutch
    r = client.post(
        "/nl/intake",
        data={"token": token_of(dutch), "c": code["code"], **answers("nl")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    [lead] = self_intakes(db)
    assert (lead.campaign, lead.agent_id, lead.language) == (code["code"], world.agent.id, "nl")
    detail = client.get(f"/api/codes/{code['id']}", headers=world.auth("coordinator")).json()
    assert (detail["scans"], detail["submissions"], detail["funnel"]) == (1, 1, {"new": 1})
    # The lead moves on in the funnel, and the code's funnel follows.
    moved = client.post(
        f"/api/leads/{lead.id}/status",
        json={"status": "contacted"},
        headers=world.auth("coordinator"),
    )
    assert moved.status_code == 200, moved.text
    detail = client.get(f"/api/codes/{code['id']}", headers=world.auth("coordinator")).json()
    assert detail["funnel"] == {"contacted": 1}
    # In the coordinators' funnel: a channel, and a group of its own.
    by_channel = client.get("/api/funnel?group_by=channel", headers=world.auth("coordinator"))
    channels = {g["key"]: g["counts"]["leads"] for g in by_channel.json()["groups"]}
    assert channels == {"self_intake": 1}
    by_code = client.get(
        "/api/funnel?group_by=campaign&channel=self_intake", headers=world.auth("coordinator")
    ).json()
    [group] = by_code["groups"]
    assert (group["key"], group["label"]) == (code["code"], "Stand")
    assert group["counts"]["leads"] == 1 and group["counts"]["contacted"] == 1


@pytest.mark.parametrize("kind", ["session", "venue", "partner"])
def test_a_session_venue_or_partner_code_lands_on_the_lead(
    client: TestClient, world: World, db: Session, kind: str
) -> None:
    venue = Venue(id=uuid.uuid4(), team_id=world.brussels.id, name="Épicerie Sahara")
    partner = Partner(organisation_id=world.org.id, name="Actiris", kind="employment_service")
    db.add_all([venue, partner])
    db.flush()
    outing = OutreachSession(
        id=uuid.uuid4(), team_id=world.brussels.id, channel="coffee_stand", started_at=utcnow()
    )
    db.add(outing)
    db.commit()
    ids = {"session": outing.id, "venue": venue.id, "partner": partner.id}
    made = create(client, world, kind=kind, **{f"{kind}_id": str(ids[kind])})
    assert made.status_code == 201, made.text
    code = made.json()["code"]
    r = post_form(client, "pt", answers("pt", c=code))
    assert r.status_code == 303
    [lead] = self_intakes(db)
    credited = {"session": lead.session_id, "venue": lead.venue_id, "partner": lead.partner_id}
    assert credited == {name: ids[name] if name == kind else None for name in ids}
    assert (lead.campaign, lead.team_id, lead.agent_id) == (code, world.brussels.id, None)


def test_unknown_and_disabled_codes_open_the_form_without_credit(
    client: TestClient, world: World, db: Session
) -> None:
    code = create(client, world, kind="campaign", campaign="Market").json()
    r = client.delete(f"/api/codes/{code['id']}", headers=world.auth("coordinator"))
    assert r.status_code == 204
    for value in (code["code"], "ZZZZZZ", "not-a-code"):
        r = client.get(f"/q/{value}", headers={"Accept-Language": "it"}, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (302, "/it/intake"), value
    row = db.get(AttributionCode, uuid.UUID(code["id"]))
    assert row is not None and row.scans == 0
    # A disabled code posted with a form credits nothing.
    r = client.post(
        "/fr/intake",
        data={"token": uuid.uuid4().hex, "c": code["code"], **answers()},
        follow_redirects=False,
    )
    assert r.status_code == 303
    [lead] = self_intakes(db)
    assert lead.campaign is None and lead.team_id == world.brussels.id


def test_qr_images_and_printable_sheet(client: TestClient, world: World) -> None:
    code = create(client, world, kind="campaign", campaign="Market").json()["code"]
    svg = client.get(f"/q/{code}.svg")
    assert svg.headers["content-type"] == "image/svg+xml"
    root = ET.fromstring(svg.content)
    assert root.tag.endswith("svg") and root.get("viewBox")
    png = client.get(f"/q/{code}.png")
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    sheet = client.get(f"/q/{code}/sheet?layout=stickers&lang=ar&lang2=fr").text
    assert sheet.count('<section class="cell">') == 12
    assert sheet.count(f'src="/q/{code}.svg"') == 12
    assert 'lang="ar" dir="rtl"' in sheet and 'lang="fr" dir="ltr"' in sheet
    assert f"127.0.0.1:8000/q/{code}" in sheet
    flyers = client.get(f"/q/{code}/sheet").text
    assert flyers.count('<section class="cell">') == 4
    assert client.get("/q/ZZZZZZ.svg").status_code == 404
