"""The funnel equals a brute-force count over generated leads and histories (Hypothesis),
for several filters and groupings, through the API, on SQLite and PostgreSQL."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlmodel import Session

from api.interactions.models import Interaction
from api.leads.models import Lead, LeadMarker
from api.vocab import STATUS_TRANSITIONS, LeadStatus
from tests.conftest import World
from tests.funnel.builders import FakeLead, expected, insert, month, utc

EXAMPLES = int(os.environ.get("TERRAIN_FUNNEL_EXAMPLES", "12"))
CHANNELS = ("coffee_stand", "partner_referral", "self_intake")
COMMUNES = ("Molenbeek-Saint-Jean", "Anderlecht", "Borgerhout")
START = utc(2025, 1, 1)


@st.composite
def fake_lead(draw: st.DrawFn, world: World) -> FakeLead:
    created = START + timedelta(seconds=draw(st.integers(0, 540 * 86400)))
    lead = FakeLead(
        team_id=draw(st.sampled_from([world.brussels.id, world.antwerp.id])),
        channel=draw(st.sampled_from(CHANNELS)),
        commune=draw(st.sampled_from(COMMUNES)),
        language=draw(st.sampled_from(("fr", "nl"))),
        agent_id=draw(st.sampled_from([world.agent.id, world.agent2.id, None])),
        created=created,
        gender=draw(st.sampled_from([None, "woman", "man", "prefer_not_to_say"])),
    )
    status, at = LeadStatus.new, created
    for _ in range(draw(st.integers(0, 5))):
        options = sorted(STATUS_TRANSITIONS[status])
        if not options:
            break
        status = draw(st.sampled_from(options))
        # Now and then a step logged before the lead's first touch (a back-dated note).
        at = at + timedelta(seconds=draw(st.integers(-3600, 90 * 86400)))
        lead.steps.append((status.value, at, draw(st.booleans()) and draw(st.booleans())))
    if draw(st.booleans()):
        lead.contacts.append(created + timedelta(hours=draw(st.integers(1, 200))))
    return lead


def _check(
    client: TestClient, world: World, who: str, leads: list[FakeLead], query: dict[str, Any]
) -> None:
    """Compare one /api/funnel answer with the brute force over the leads `who` may see."""
    group_by = query.get("group_by")
    visible = [x for x in leads if who == "admin" or x.team_id == world.brussels.id]
    subset = [x for x in visible if _passes(x, query)]
    keys = {
        None: lambda x: "all",
        "channel": lambda x: x.channel,
        "commune": lambda x: x.commune,
        "team": lambda x: str(x.team_id),
        "agent": lambda x: str(x.agent_id) if x.agent_id else None,
        "language": lambda x: x.language,
        "cohort": lambda x: month(x.created),
    }
    want = expected(subset, keys[group_by])
    r = client.get("/api/funnel", params=query, headers=world.auth(who))
    assert r.status_code == 200, r.text
    got = {row["key"]: row for row in r.json()["groups"] if row["counts"]["leads"]}
    assert set(got) == set(want), (query, set(got), set(want))
    for g, row in want.items():
        counts = {k: v for k, v in got[g]["counts"].items() if k != "reached"}
        assert counts == row["counts"], (query, g)
        assert got[g]["median_days"] == row["median_days"], (query, g)
    total = r.json()["total"]["counts"]
    assert total["leads"] == len(subset)


def _passes(lead: FakeLead, query: dict[str, Any]) -> bool:
    checks = {
        "channel": lambda v: lead.channel == v,
        "commune": lambda v: lead.commune.lower() == v.lower(),
        "language": lambda v: lead.language == v,
        "team_id": lambda v: str(lead.team_id) == v,
        "status": lambda v: lead.status() == v,
        "reached": lambda v: lead.reached(v) is not None,
        "cohort": lambda v: month(lead.created) == v,
    }
    return all(checks[k](v) for k, v in query.items() if k in checks)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_funnel_equals_brute_force(
    client: TestClient, world: World, db: Session, data: st.DataObject
) -> None:
    leads = data.draw(st.lists(fake_lead(world), min_size=1, max_size=25), label="leads")
    for lead in leads:
        insert(db, lead)
    db.commit()
    try:
        some = leads[0]
        queries: list[dict[str, Any]] = [
            {},
            {"group_by": "channel"},
            {"group_by": "commune", "channel": some.channel},
            {"group_by": "agent", "language": some.language},
            {"group_by": "team"},
            {"group_by": "cohort", "reached": "contacted"},
            {"group_by": "language", "status": some.status()},
            {"cohort": month(some.created), "commune": some.commune.upper()},
            {"team_id": str(some.team_id), "group_by": "channel"},
        ]
        for query in queries:
            _check(client, world, "admin", leads, query)
        _check(client, world, "coordinator", leads, {"group_by": "commune"})
    finally:
        ids = [x.id for x in leads]
        db.execute(delete(Interaction).where(Interaction.lead_id.in_(ids)))
        db.execute(delete(LeadMarker).where(LeadMarker.lead_id.in_(ids)))
        db.execute(delete(Lead).where(Lead.id.in_(ids)))
        db.commit()
