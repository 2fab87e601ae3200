"""Scope (an Antwerp coordinator sees no Brussels lead anywhere: queue, funnel, drill-downs,
exports, duplicates), small-cell suppression in marker breakdowns, role checks."""

from __future__ import annotations

import csv
import io
import uuid

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.funnel.rules import suppress_column
from tests.conftest import World
from tests.funnel.builders import FakeLead, insert, utc
from tests.leads.helpers import create_lead

CANARY = "Zorglubette"


def _brussels_and_antwerp(client: TestClient, world: World) -> tuple[dict, dict]:
    brussels = create_lead(client, world, "agent", first_name=CANARY, phone="0470 99 88 77")
    antwerp = create_lead(
        client, world, "agent2", first_name="Jef", phone="0470 11 22 33", commune="Borgerhout"
    )
    return brussels, antwerp


def test_an_antwerp_coordinator_sees_no_brussels_lead(client: TestClient, world: World) -> None:
    brussels, antwerp = _brussels_and_antwerp(client, world)
    who = world.auth("coordinator2")
    # Queue, with and without drill-down filters.
    for params in ({}, {"reached": "contacted"}, {"sort": "queue"}, {"channel": "coffee_stand"}):
        r = client.get("/api/leads", params=params, headers=who)
        assert r.status_code == 200
        assert CANARY not in r.text
    ids = [x["id"] for x in client.get("/api/leads", headers=who).json()["items"]]
    assert antwerp["id"] in ids and brussels["id"] not in ids
    # The funnel counts only Antwerp's lead, whatever the grouping.
    for group_by in ("commune", "team", "agent", "gender"):
        r = client.get("/api/funnel", params={"group_by": group_by}, headers=who)
        assert r.json()["total"]["counts"]["leads"] == 1
        assert CANARY not in r.text and "Molenbeek" not in r.text
    team = client.get("/api/funnel", params={"team_id": str(world.brussels.id)}, headers=who)
    assert team.json()["total"]["counts"]["leads"] == 0
    # Exports and duplicates.
    for path in ("/api/exports/leads.csv", "/api/exports/leads.xlsx", "/api/leads/duplicates"):
        r = client.get(path, headers=who)
        assert r.status_code == 200
        assert CANARY.encode() not in r.content
    rows = list(
        csv.reader(
            io.StringIO(client.get("/api/exports/leads.csv", headers=who).text[1:]), delimiter=";"
        )
    )
    assert [row[0] for row in rows[1:]] == [antwerp["id"]]
    # The Brussels lead's detail is not found, not forbidden (its existence is not leaked).
    assert client.get(f"/api/leads/{brussels['id']}", headers=who).status_code == 404


def test_agents_cannot_read_the_funnel_reports_or_exports(client: TestClient, world: World) -> None:
    for path in (
        "/api/funnel",
        "/api/reports/impact?from=2026-01-01&to=2026-01-31",
        "/api/exports/leads.csv",
        "/api/exports/funnel.xlsx",
        "/api/leads/duplicates",
        "/api/outreach",
        "/api/referrals",
        "/api/sync/conflicts",
    ):
        assert client.get(path, headers=world.auth("agent")).status_code == 403, path


def test_marker_breakdowns_hide_cells_under_five(
    client: TestClient, world: World, db: Session
) -> None:
    # 12 women (7 of them contacted), 3 men (all contacted), 6 who did not answer.
    start = utc(2026, 3, 2, 10)
    people = [("woman", i < 7) for i in range(12)] + [("man", True)] * 3 + [(None, False)] * 6
    for gender, contacted in people:
        lead = FakeLead(
            team_id=world.brussels.id,
            channel="coffee_stand",
            commune="Anderlecht",
            language="fr",
            agent_id=world.agent.id,
            created=start,
            gender=gender,
        )
        if contacted:
            lead.steps.append(("contacted", utc(2026, 3, 5), False))
        insert(db, lead)
    db.commit()
    r = client.get("/api/funnel", params={"group_by": "gender"}, headers=world.auth("admin"))
    rows = {row["key"]: row for row in r.json()["groups"]}
    assert rows["woman"]["counts"]["leads"] == 12 and rows["woman"]["counts"]["contacted"] == 7
    # Men: 3 leads → hidden; being the only hidden cell of the column, the next smallest
    # (not answered: 6) is hidden too, or 21 - 12 - 6 would give the men away.
    assert rows["not_answered"]["counts"]["leads"] is None
    assert rows["man"]["counts"]["leads"] is None and rows["man"]["counts"]["contacted"] is None
    assert "leads" in rows["man"]["suppressed"]
    assert rows["man"]["conversion"]["contacted"] is None
    assert rows["man"]["median_days"]["leads"] is None
    for row in rows.values():
        for value in row["counts"].values():
            assert value is None or value >= 5
    # The same figures without a marker grouping are not suppressed.
    whole = client.get("/api/funnel", headers=world.auth("admin")).json()["total"]["counts"]
    assert whole["leads"] == 21 and whole["contacted"] == 10
    # The export of the breakdown keeps the cells empty.
    text = client.get(
        "/api/exports/funnel.csv", params={"group_by": "gender"}, headers=world.auth("admin")
    ).text
    man = next(line for line in text.splitlines() if line.startswith("man;"))
    assert man.split(";")[2:4] == ["", ""]


def test_complementary_suppression() -> None:
    assert suppress_column({"a": 3, "b": 10, "c": 7}) == {"a", "c"}
    assert suppress_column({"a": 3, "b": 2, "c": 7}) == {"a", "b"}
    assert suppress_column({"a": 30, "b": 10}) == set()
    assert suppress_column({"a": 0, "b": 10}) == {"a", "b"}


def test_bad_filters_are_refused(client: TestClient, world: World) -> None:
    who = world.auth("coordinator")
    for params in (
        {"group_by": "shoe_size"},
        {"reached": "moon"},
        {"cohort": "2026-13"},
        {"min_days_in_stage": -1},
    ):
        r = client.get("/api/funnel", params=params, headers=who)
        assert r.status_code == 422, params
        assert r.json()["error"]
    r = client.get(
        "/api/reports/impact", params={"from": "2026-05-01", "to": "2026-04-01"}, headers=who
    )
    assert r.status_code == 422 and r.json()["error"] == "invalid_period"
    assert (
        client.get(f"/api/funnel?team_id={uuid.uuid4()}", headers=who).json()["total"]["counts"][
            "leads"
        ]
        == 0
    )
