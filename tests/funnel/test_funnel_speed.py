"""What keeps the funnel fast (performance.md P3): its one pass over the leads reads the
covering index ix_lead_funnel alone, not the wide lead rows, in both databases."""

from __future__ import annotations

import gc
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session

from api.funnel import service
from api.funnel.service import leads_pass
from api.leads.filters import LeadFilters
from api.users.actor import Actor
from sync.sqltypes import utcnow
from tests.conftest import World


@pytest.mark.parametrize(
    ("group_by", "filters"),
    [
        (None, LeadFilters()),
        ("channel", LeadFilters()),
        ("cohort", LeadFilters()),
        ("agent", LeadFilters(channel="coffee_stand")),
        ("language", LeadFilters(first_touch_from=date(2026, 1, 1))),
        ("commune", LeadFilters(status=["new", "contacted"])),
    ],
)
def test_the_funnel_reads_its_covering_index(
    db: Session, world: World, group_by: str | None, filters: LeadFilters
) -> None:
    viewer = Actor(user=world.coordinator, device=None, team_ids=frozenset({world.brussels.id}))  # type: ignore[arg-type]
    query = leads_pass(viewer, filters, group_by, ["2026-01", "2026-02"], now=utcnow())
    if db.get_bind().dialect.name == "sqlite":
        sql = str(query.compile(db.get_bind(), compile_kwargs={"literal_binds": True}))
        plan = "\n".join(row[3] for row in db.execute(text(f"EXPLAIN QUERY PLAN {sql}")))
        assert "COVERING INDEX ix_lead_funnel" in plan, plan
        return
    # With its parameters bound (PostgreSQL refuses a constant in GROUP BY).
    compiled = query.compile(db.get_bind(), compile_kwargs={"render_postcompile": True})
    # A handful of rows: make the planner show whether the index alone can answer.
    db.execute(text("SET LOCAL enable_seqscan = off"))
    db.execute(text("SET LOCAL enable_bitmapscan = off"))
    db.execute(text("SET LOCAL enable_indexscan = off"))
    explained = db.connection().exec_driver_sql(f"EXPLAIN (COSTS OFF) {compiled}", compiled.params)
    plan = "\n".join(row[0] for row in explained)
    assert "Index Only Scan using ix_lead_funnel" in plan, plan


def test_the_collector_is_put_off_during_the_pass_only(db: Session, world: World) -> None:
    """The pass reads its rows with Python's cyclic collector paused (a full collection of
    the process's objects otherwise ran in most funnels); it resumes after, and a collector
    someone else turned off stays off."""
    admin = Actor(user=world.admin, device=None, team_ids=frozenset())  # type: ignore[arg-type]
    seen: list[bool] = []
    real_add = service._Sums.add

    def add(self: service._Sums, rows: Sequence[Sequence[Any]]) -> None:
        seen.append(gc.isenabled())
        real_add(self, rows)

    service._Sums.add = add  # type: ignore[method-assign]
    try:
        assert gc.isenabled()
        service.funnel(db, actor=admin, filters=LeadFilters(), group_by="channel")
        assert seen == [False] and gc.isenabled()
        gc.disable()
        try:
            service.funnel(db, actor=admin, filters=LeadFilters())
            assert not gc.isenabled()
        finally:
            gc.enable()
    finally:
        service._Sums.add = real_add  # type: ignore[method-assign]
