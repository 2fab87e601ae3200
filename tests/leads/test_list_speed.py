"""What keeps the coordinators' lists fast (performance.md P4): the queue's order is read
from its index in both databases, and a large total is counted once per write, not once
per page."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text, update
from sqlmodel import Session

from api.db import make_engine, refresh_statistics
from api.leads import totals
from api.leads.filters import LeadFilters
from api.leads.models import Lead
from api.leads.schemas import LeadSort
from api.leads.service import page_query
from api.users.actor import Actor
from api.users.models import Organisation, Team, User
from sync.sqltypes import utcnow
from tests.conftest import World
from tests.leads.helpers import create_lead
from tests.scratch import scratch_database


def _plan(db: Session, sort: LeadSort, filters: LeadFilters, world: World) -> str:
    viewer = Actor(user=world.coordinator, device=None, team_ids=frozenset({world.brussels.id}))  # type: ignore[arg-type]
    query = page_query(viewer, filters, sort, now=utcnow()).limit(50)
    sql = str(query.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
    if db.get_bind().dialect.name == "sqlite":
        return "\n".join(row[3] for row in db.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
    # A handful of rows: make the planner show whether it can read the order from an index.
    db.execute(text("SET LOCAL enable_seqscan = off"))
    db.execute(text("SET LOCAL enable_sort = off"))
    # Nor a partial sort over another index (chosen once other tests left statistics).
    db.execute(text("SET LOCAL enable_incremental_sort = off"))
    db.execute(text("SET LOCAL enable_bitmapscan = off"))
    return "\n".join(row[0] for row in db.execute(text(f"EXPLAIN (COSTS OFF) {sql}")))


@pytest.mark.parametrize(
    ("sort", "filters", "index"),
    [
        (LeadSort.queue, LeadFilters(), "ix_lead_queue"),
        (LeadSort.status_changed_at, LeadFilters(min_days_in_stage=30), "ix_lead_team_changed"),
        (LeadSort.last_touch_at_desc, LeadFilters(), "ix_lead_team_touch"),
        (LeadSort.created_at_desc, LeadFilters(commune=" Molenbeek "), "ix_lead_team_commune"),
        (LeadSort.created_at_desc, LeadFilters(status=["new"]), "ix_lead_team_status_created"),
    ],
)
def test_list_orders_are_read_from_an_index(
    db: Session, world: World, sort: LeadSort, filters: LeadFilters, index: str
) -> None:
    plan = _plan(db, sort, filters, world)
    assert index in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan


@pytest.fixture
def remember_all() -> Iterator[None]:
    """Every total remembered, even the few leads of a test (and none left for the next)."""
    totals.TOTALS.clear()
    saved = totals.REMEMBER_FROM
    totals.REMEMBER_FROM = 1
    yield
    totals.REMEMBER_FROM = saved
    totals.TOTALS.clear()


def test_a_total_is_counted_again_after_each_write(
    client: TestClient, world: World, db: Session, remember_all: None
) -> None:
    ids = [create_lead(client, world, phone=f"0470 00 00 0{n}")["id"] for n in range(3)]
    who = world.auth("coordinator")

    def total(**params: object) -> int:
        r = client.get("/api/leads", params={"limit": 1, **params}, headers=who)
        assert r.status_code == 200, r.text
        assert len(r.json()["items"]) == 1
        return int(r.json()["total"])

    assert total() == 3
    # A write that bypasses the services takes no sync-space version: the total is the
    # one remembered (this is what shows it is remembered at all).
    db.execute(update(Lead).where(Lead.id == uuid.UUID(ids[0])).values(deleted_at=utcnow()))
    db.commit()
    assert total(sort="queue") == 3  # the order does not change a total
    assert total(channel="coffee_stand") == 2  # other filters: counted
    # Any write through the services takes a new version: counted again.
    create_lead(client, world, phone="0470 00 00 09")
    assert total() == 3
    assert total(status="new") == 3


def test_the_last_page_knows_its_total(client: TestClient, world: World) -> None:
    for n in range(3):
        create_lead(client, world, phone=f"0470 00 00 1{n}")
    who = world.auth("coordinator")
    pages = [
        client.get("/api/leads", params={"limit": 2, "offset": o}, headers=who).json()
        for o in (0, 2, 4)
    ]
    assert [len(p["items"]) for p in pages] == [2, 1, 0]
    assert [p["total"] for p in pages] == [3, 3, 3]


def test_a_late_stage_drill_down_reads_that_stage_once_sqlite_has_statistics(
    tmp_path: Path,
) -> None:
    """`reached=applied` (a funnel number's leads): with the statistics `terrain serve`
    gathers (api/db.py refresh_statistics), SQLite reads the few leads that applied from
    their own index instead of walking the team's leads in the list's order."""
    with scratch_database("sqlite", tmp_path) as url:
        engine = make_engine(url)
        org = Organisation(name="Org")
        team = Team(organisation_id=org.id, name="Brussels")
        viewer = User(
            organisation_id=org.id, email="c@x.be", name="C", role="coordinator", password_hash="-"
        )
        now = utcnow()
        with Session(engine, expire_on_commit=False) as session:
            session.add_all([org, team])
            session.flush()
            session.add_all(
                Lead(
                    id=uuid.uuid4(),
                    team_id=team.id,
                    first_name=f"P{n}",
                    channel="coffee_stand",
                    applied_at=now if n % 100 == 0 else None,
                )
                for n in range(1000)
            )
            session.commit()
        actor = Actor(user=viewer, device=None, team_ids=frozenset({team.id}))  # type: ignore[arg-type]
        query = page_query(
            actor, LeadFilters(reached="applied"), LeadSort.last_touch_at_desc, now=now
        )
        sql = str(query.limit(50).compile(engine, compile_kwargs={"literal_binds": True}))

        def plan() -> str:
            with engine.connect() as conn:
                return "\n".join(row[3] for row in conn.execute(text(f"EXPLAIN QUERY PLAN {sql}")))

        assert "ix_lead_reached_applied" not in plan()  # no statistics: the list's order wins
        refresh_statistics(engine)
        assert "ix_lead_reached_applied" in plan(), plan()
        with engine.connect() as conn:
            assert len(conn.execute(text(sql)).all()) == 10
        engine.dispose()
