"""Impact report (shares over those who answered, cells under 5 suppressed, previous
period), duplicates with reasons, outreach overview, referral counts, open conflicts."""

from __future__ import annotations

import uuid
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session

from api.leads.duplicates import find_pairs, name_key
from api.leads.models import Lead
from api.partners.models import Partner
from api.reports.service import share_of
from tests.conftest import World
from tests.funnel.builders import FakeLead, add_session, insert, utc
from tests.leads.helpers import create_lead


def _financed(world: World, gender: str | None, at_month: int) -> FakeLead:
    created = utc(2026, at_month, 3, 9)
    lead = FakeLead(
        team_id=world.brussels.id,
        channel="coffee_stand",
        commune="Anderlecht",
        language="fr",
        agent_id=world.agent.id,
        created=created,
        gender=gender,
    )
    for i, status in enumerate(("contacted", "qualified", "applied", "financed")):
        lead.steps.append((status, created + timedelta(days=i + 1), False))
    return lead


def test_impact_report_shares_suppression_and_previous_period(
    client: TestClient, world: World, db: Session
) -> None:
    # March: 8 women, 2 men, 3 prefer not to say, 2 unanswered, all financed.
    genders = ["woman"] * 8 + ["man"] * 2 + ["prefer_not_to_say"] * 3 + [None] * 2
    march = [_financed(world, g, 3) for g in genders]
    # February: 6 women and 6 men.
    february = [_financed(world, g, 2) for g in ["woman"] * 6 + ["man"] * 6]
    for lead in march + february:
        insert(db, lead)
    db.execute(update(Lead).where(Lead.id.in_([x.id for x in march])).values(jobs_planned=2))
    add_session(
        db,
        team_id=world.brussels.id,
        channel="coffee_stand",
        commune="Anderlecht",
        at=utc(2026, 3, 10, 10),
        talks=40,
    )
    db.commit()
    r = client.get(
        "/api/reports/impact",
        params={"from": "2026-03-01", "to": "2026-03-31"},
        headers=world.auth("coordinator"),
    )
    assert r.status_code == 200, r.text
    now, before = r.json()["current"], r.json()["previous"]
    assert now["figures"]["leads"] == 15 and now["figures"]["financed"] == 15
    # 40 conversations at the session, and the 15 leads, who came without a session.
    assert now["figures"]["reached"] == 55
    assert now["figures"]["jobs_planned"] == 30
    assert now["figures"]["financed_with_jobs_planned"] == 15
    # 10 answered, 8 women: the 2 others would be a cell under 5 → suppressed.
    women = now["shares"]["financed"]["women"]
    assert women == {"answered": None, "count": None, "share": None, "suppressed": True}
    # The previous period is the 28 days before March (February).
    assert before["start"] == "2026-02-01" and before["end"] == "2026-02-28"
    assert before["shares"]["financed"]["women"] == {
        "answered": 12,
        "count": 6,
        "share": 0.5,
        "suppressed": False,
    }
    # The Antwerp coordinator sees none of it.
    other = client.get(
        "/api/reports/impact",
        params={"from": "2026-03-01", "to": "2026-03-31"},
        headers=world.auth("coordinator2"),
    ).json()["current"]
    assert other["figures"]["leads"] == 0 and other["figures"]["reached"] == 0
    assert other["shares"]["leads"]["women"]["suppressed"]


def test_share_of() -> None:
    assert share_of(20, 10).share == 0.5
    assert share_of(20, 16).suppressed  # the 4 others
    assert share_of(20, 4).suppressed
    assert share_of(4, 2).suppressed
    assert share_of(10, 5).share == 0.5


def test_duplicate_reasons() -> None:
    base = {"status": "new", "assigned_to": None, "email": None, "phone": None}
    t = utc(2026, 1, 1)
    leads = [
        base
        | {
            "id": 1,
            "first_name": "Amina",
            "last_name": "Benali",
            "phone": "+32470123456",
            "commune": "Molenbeek",
            "channel": "coffee_stand",
            "created_at": t,
        },
        base
        | {
            "id": 2,
            "first_name": "AMÍNA",
            "last_name": "benali",
            "phone": "+32470123456",
            "commune": "molenbeek",
            "channel": "self_intake",
            "created_at": t,
        },
        base
        | {
            "id": 3,
            "first_name": "Benali",
            "last_name": "Amina",
            "email": "a@example.org",
            "commune": "Schaerbeek",
            "channel": "partner_referral",
            "created_at": t,
        },
        base
        | {
            "id": 4,
            "first_name": "Jef",
            "last_name": "Peeters",
            "email": "A@example.org ",
            "commune": "Borgerhout",
            "channel": "shop_visit",
            "created_at": t,
        },
    ]
    pairs = {(p.a["id"], p.b["id"]): p.reasons for p in find_pairs(leads)}
    assert pairs == {
        (1, 2): ["same_phone", "similar_name_same_commune"],
        (1, 3): ["referral_and_stand"],
        (3, 4): ["same_email"],
    }
    assert name_key("Àmina", "Ben-Ali") == name_key("amina ben", "ali")


def test_duplicates_endpoint(client: TestClient, world: World) -> None:
    a = create_lead(client, world, first_name="Fatima", last_name="Zahra")
    b = create_lead(
        client, world, first_name="fátima", last_name="ZAHRA", email="f@example.org", phone=None
    )
    create_lead(client, world, "agent2", first_name="Fatima", last_name="Zahra")  # Antwerp
    r = client.get("/api/leads/duplicates", headers=world.auth("coordinator"))
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 1
    assert {items[0]["a"]["id"], items[0]["b"]["id"]} == {a["id"], b["id"]}
    assert items[0]["reasons"] == ["similar_name_same_commune"]
    one = client.get(f"/api/leads/duplicates?lead={a['id']}", headers=world.auth("coordinator"))
    assert one.json()["total"] == 1


def test_outreach_overview(client: TestClient, world: World, db: Session) -> None:
    from api.leads.rules import brussels_today
    from sync.sqltypes import utcnow

    today = brussels_today(utcnow())
    add_session(
        db,
        team_id=world.brussels.id,
        channel="coffee_stand",
        commune="Forest",
        at=utcnow() - timedelta(days=1),
        talks=12,
    )
    add_session(
        db,
        team_id=world.antwerp.id,
        channel="coffee_stand",
        commune="Borgerhout",
        at=utcnow() - timedelta(days=1),
        talks=30,
    )
    db.commit()
    create_lead(client, world, first_name="Nour")
    r = client.get("/api/outreach", headers=world.auth("coordinator"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert [(w["commune"], w["sessions"], w["reached"]) for w in body["weeks"]] == [
        ("Forest", 1, 12)
    ]
    agents = {a["name"]: a for a in body["agents"]}
    assert set(agents) == {"Agent"}  # only the Brussels team's agents
    assert agents["Agent"]["leads"] == 1 and agents["Agent"]["waiting_first_contact"] == 1
    assert body["end"] == today.isoformat()


def test_referral_list_and_counts(client: TestClient, world: World, db: Session) -> None:
    partner = Partner(organisation_id=world.org.id, name="Actiris", kind="employment_service")
    db.add(partner)
    db.commit()
    lead = create_lead(client, world, first_name="Yusuf")
    hidden = create_lead(client, world, "agent2", first_name="Hidden")
    for target, who in ((lead, "coordinator"), (hidden, "coordinator2")):
        r = client.post(
            f"/api/leads/{target['id']}/referrals",
            json={"partner_id": str(partner.id), "direction": "out", "status": "sent"},
            headers=world.auth(who),
        )
        assert r.status_code == 201, r.text
    rows = client.get("/api/referrals", headers=world.auth("coordinator")).json()
    assert rows["total"] == 1 and rows["items"][0]["lead_first_name"] == "Yusuf"
    counts = client.get("/api/referrals/partners", headers=world.auth("coordinator")).json()
    assert counts["items"] == [
        {
            "partner_id": str(partner.id),
            "name": "Actiris",
            "incoming": 0,
            "outgoing": 1,
            "by_status": {"sent": 1},
        }
    ]


def test_open_conflicts_list(client: TestClient, world: World, db: Session) -> None:
    from sync.models import SyncConflict

    mine = create_lead(client, world, first_name="Karim")
    other = create_lead(client, world, "agent2", first_name="Lotte")
    for lead in (mine, other):
        db.add(
            SyncConflict(
                entity="lead",
                entity_id=uuid.UUID(lead["id"]),
                field="commune",
                kind="concurrent",
                losing_value="Forest",
                winning_value="Molenbeek",
            )
        )
    db.commit()
    body = client.get("/api/sync/conflicts", headers=world.auth("coordinator")).json()
    assert body["total"] == 1
    item = body["items"][0]
    assert item["lead_first_name"] == "Karim" and item["current_value"] == "Molenbeek"


def test_previous_period() -> None:
    from datetime import date

    from api.reports.service import previous_period

    assert previous_period(date(2026, 3, 1), date(2026, 3, 31)) == (
        date(2026, 2, 1),
        date(2026, 2, 28),
    )
    assert previous_period(date(2026, 1, 1), date(2026, 3, 31)) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
    )
    assert previous_period(date(2026, 1, 1), date(2026, 12, 31)) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    assert previous_period(date(2026, 3, 5), date(2026, 3, 14)) == (
        date(2026, 2, 23),
        date(2026, 3, 4),
    )
